/**
 * What the presence and channel-group suites share: keysets whose presence acts within a test's
 * time, clients destroyed after each test, and watchers that subscribe and keep every presence
 * event and message, so a test waits for the event it expects rather than assuming when it comes.
 */
import type { KeysetConfig, RunningServer } from '@roster/testing';
import { afterEach } from 'vitest';
import { PNStatusCategory, type PNMessageEvent, type PNPresenceEvent, type Roster, type RosterConfig, type Subscribe } from '../../src/index.ts';
import { clientFor } from './roster.ts';
import { nextStatus, waitFor } from './wait.ts';

/**
 * A keyset whose presence shows within seconds: a 10 s default timeout, timeouts down to 1 s
 * allowed, interval events every second. Its publish key is its subscribe key (`demo`/`demo`
 * is the keyset `clientFor` uses by default).
 */
export function presenceKeyset(subscribeKey: string, options: Partial<KeysetConfig> = {}): KeysetConfig {
  return {
    publishKey: subscribeKey,
    subscribeKey,
    presenceTimeoutSeconds: 10,
    presenceIntervalSeconds: 1,
    ...options,
    limits: { minPresenceTimeoutSeconds: 1 },
  };
}

/** A maker of clients for `server`; every client it made is destroyed after each test. */
export function useClients(server: RunningServer): (userId: string, config?: Partial<RosterConfig>) => Roster {
  const made: Roster[] = [];
  afterEach(() => {
    for (const client of made.splice(0)) client.destroy();
  });
  return (userId, config) => {
    const client = clientFor(server, userId, config);
    made.push(client);
    return client;
  };
}

/** What a watching client has received so far, and the categories of its subscribe statuses. */
export interface Watch {
  readonly presence: PNPresenceEvent[];
  readonly messages: PNMessageEvent[];
  readonly statuses: string[];
}

/** Collects `client`'s presence events and messages, subscribes as `subscription` says and resolves once connected. */
export async function watch(client: Roster, subscription: (builder: Subscribe) => Subscribe): Promise<Watch> {
  const seen: Watch = { presence: [], messages: [], statuses: [] };
  client.addListener({
    presence: (event) => seen.presence.push(event),
    message: (event) => seen.messages.push(event),
    status: (status) => seen.statuses.push(status.category),
  });
  await connect(client, subscription);
  return seen;
}

/**
 * A fresh client's first subscribe, as `subscription` sets up `client.subscribe()`; resolves
 * once it is connected (the server has then counted the client present).
 * @example await connect(ann, (s) => s.channels(['room']));
 */
export async function connect(client: Roster, subscription: (builder: Subscribe) => Subscribe): Promise<void> {
  const connected = nextStatus(client, PNStatusCategory.PNConnectedCategory);
  subscription(client.subscribe()).execute();
  await connected;
}

/**
 * Waits for the first presence event that `matches` and returns it. A wait that runs out says
 * what the watcher did get (events and subscribe statuses), so a failure on a loaded machine
 * tells a late or lost event from a watcher that was reconnecting.
 */
export async function presenceEvent(seen: Watch, what: string, matches: (event: PNPresenceEvent) => boolean, timeoutMs = 15_000): Promise<PNPresenceEvent> {
  try {
    await waitFor(what, () => seen.presence.some(matches), timeoutMs);
  } catch (error) {
    const events = seen.presence.map((event) => `${event.action} ${event.uuid ?? ''} at ${event.timetoken}`);
    throw new Error(`${(error as Error).message}; presence seen: [${events.join(', ')}]; statuses: [${seen.statuses.join(', ')}]`);
  }
  return seen.presence.find(matches)!;
}
