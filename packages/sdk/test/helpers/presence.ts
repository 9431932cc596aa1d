/**
 * What the presence and channel-group suites share: keysets whose presence acts within a test's
 * time, clients destroyed after each test, and watchers that subscribe and keep every presence
 * event and message, so a test waits for the event it expects rather than assuming when it comes.
 */
import type { KeysetConfig, RunningServer } from '@roster/testing';
import { afterEach } from 'vitest';
import {
  PNStatusCategory,
  type FetchLike,
  type PNMessageEvent,
  type PNPresenceEvent,
  type Roster,
  type RosterConfig,
  type Subscribe,
} from '../../src/index.ts';
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

/** One subscribe request of a client: when it was sent (ms since the epoch), its `tt`, and, once answered, the status, the answer's cursor and how many envelopes it held. */
interface SubscribeExchange {
  sentAt: number;
  tt: string;
  answeredAt?: number;
  status?: number;
  cursor?: string | undefined;
  envelopes?: number | undefined;
  /** What the request failed with instead (an abort, a network error). */
  failure?: string;
}

/** The subscribe requests of each client `useClients` made, in order. */
const subscribes = new WeakMap<Roster, SubscribeExchange[]>();

/** `fetch` (or the one given) recording each subscribe request in `log`. */
function recordingSubscribes(log: SubscribeExchange[], inner: FetchLike = (url, init) => fetch(url, init)): FetchLike {
  return async (url, init) => {
    if (!url.includes('/v2/subscribe/')) return inner(url, init);
    const exchange: SubscribeExchange = { sentAt: Date.now(), tt: new URL(url).searchParams.get('tt') ?? '0' };
    log.push(exchange);
    let response: Response;
    try {
      response = await inner(url, init);
    } catch (error) {
      exchange.answeredAt = Date.now();
      exchange.failure = error instanceof Error ? error.name : String(error);
      throw error;
    }
    exchange.answeredAt = Date.now();
    exchange.status = response.status;
    void response
      .clone()
      .text()
      .then((text) => {
        const body = JSON.parse(text) as { t?: { t?: string }; m?: unknown[] };
        exchange.cursor = body.t?.t;
        exchange.envelopes = body.m?.length;
      })
      .catch(() => {});
    return response;
  };
}

/**
 * A client's subscribe requests, one line each, times in ms after `since`: `+sent tt → cursor
 * (envelopes, status) +answered`, or `pending`. A cursor's wall time is shown as ms after `since` too.
 */
function describeSubscribes(client: Roster, since: number): string {
  const at = (ms: number | undefined) => (ms === undefined ? '?' : `+${ms - since}`);
  const timeOf = (timetoken: string | undefined) =>
    timetoken === undefined || timetoken.length < 13 ? timetoken : `${timetoken}(${at(Number(timetoken.slice(0, 13)))})`;
  return (subscribes.get(client) ?? []).map((x) => `${at(x.sentAt)} tt=${timeOf(x.tt)} → ${outcomeOf(x, timeOf, at)}`).join('; ');
}

function outcomeOf(x: SubscribeExchange, timeOf: (timetoken: string | undefined) => string | undefined, at: (ms: number | undefined) => string): string {
  if (x.failure !== undefined) return `${x.failure} ${at(x.answeredAt)}`;
  if (x.status === undefined) return 'pending';
  return `${timeOf(x.cursor)} (${x.envelopes ?? '?'} envelopes, ${x.status}) ${at(x.answeredAt)}`;
}

/** A maker of clients for `server`; every client it made is destroyed after each test. Each client's subscribe requests are recorded, for a failed wait to show. */
export function useClients(server: RunningServer): (userId: string, config?: Partial<RosterConfig>) => Roster {
  const made: Roster[] = [];
  afterEach(() => {
    for (const client of made.splice(0)) client.destroy();
  });
  return (userId, config = {}) => {
    const log: SubscribeExchange[] = [];
    const client = clientFor(server, userId, { ...config, fetch: recordingSubscribes(log, config.fetch) });
    subscribes.set(client, log);
    made.push(client);
    return client;
  };
}

/** What a watching client has received so far, and the categories of its subscribe statuses. */
export interface Watch {
  readonly presence: PNPresenceEvent[];
  readonly messages: PNMessageEvent[];
  readonly statuses: string[];
  /** Its subscribe requests so far, one line each (see `describeSubscribes`). */
  readonly subscribes: () => string;
}

/** Collects `client`'s presence events and messages, subscribes as `subscription` says and resolves once connected. */
export async function watch(client: Roster, subscription: (builder: Subscribe) => Subscribe): Promise<Watch> {
  const since = Date.now();
  const seen: Watch = { presence: [], messages: [], statuses: [], subscribes: () => describeSubscribes(client, since) };
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
    const failure = `${(error as Error).message}; presence seen: [${events.join(', ')}]; statuses: [${seen.statuses.join(', ')}]`;
    throw new Error(`${failure}; subscribes (ms after the watch began): ${seen.subscribes()}`);
  }
  return seen.presence.find(matches)!;
}
