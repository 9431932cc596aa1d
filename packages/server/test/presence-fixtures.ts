/**
 * What the presence and channel-group suites share: keysets whose presence can be watched in a
 * test's time, a client of raw requests, and a watcher that subscribes (to `-pnpres` channels,
 * channel groups…) and keeps every envelope, so that a test waits for the event it expects
 * rather than assuming one answer carries it (on a cluster events reach the polled node a moment
 * later).
 */
import type { KeysetConfig, RunningServer } from '@roster/testing';
import { encode } from './http.ts';

/**
 * A keyset whose presence acts within seconds: a short default timeout, interval events every
 * second, timeouts down to 1 s allowed. `presenceAnnounceMax` stays PubNub's 20 unless given.
 */
export function presenceKeyset(subscribeKey: string, options: Partial<KeysetConfig> = {}): KeysetConfig {
  return {
    publishKey: `pub-${subscribeKey}`,
    subscribeKey,
    presenceTimeoutSeconds: 10,
    presenceIntervalSeconds: 1,
    ...options,
    limits: { minPresenceTimeoutSeconds: 1, ...(options['limits'] as object | undefined) },
  };
}

/** An answer as the tests read it. */
export interface Answer {
  status: number;
  type: string | null;
  body: any;
}

/** A GET of `path` (query values encoded as the JS SDK does). */
export async function get(server: RunningServer, path: string, query: Record<string, string | number> = {}): Promise<Answer> {
  const pairs = Object.entries(query).map(([key, value]) => `${encode(key)}=${encode(String(value))}`);
  const response = await fetch(`${server.url}${path}${pairs.length > 0 ? `?${pairs.join('&')}` : ''}`);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the test shows the text
  }
  return { status: response.status, type: response.headers.get('content-type'), body };
}

/** One subscribe envelope, as these suites read it. */
export interface Envelope {
  c: string;
  b?: string;
  d: any;
  e?: number;
  i?: string;
  p: { t: string; r: number };
}

/** A presence event's `d` (PubNub's "Presence events"). */
export interface PresenceEventBody {
  action: 'join' | 'leave' | 'timeout' | 'state-change' | 'interval';
  uuid?: string;
  occupancy: number;
  timestamp: number;
  precise_timestamp: number;
  /** The state (on `state-change`, and on a `join` with state), as the wire names it. */
  data?: Record<string, unknown>;
  join?: string[];
  leave?: string[];
  timeout?: string[];
}

export interface WatchOptions {
  subKey: string;
  channels?: string[];
  groups?: string[];
  /** Sent as `uuid`: the watcher is then present on the channels it subscribes to (not on `-pnpres` ones). */
  uuid?: string;
  /** Extra query parameters of every poll. */
  query?: Record<string, string>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A raw subscribe loop: a handshake for a timetoken, then long-polls from each answer's, every
 * envelope kept in order. `next` waits for the first envelope after the ones already looked at
 * that matches; `stop` ends the loop.
 */
export class Watcher {
  readonly envelopes: Envelope[] = [];
  /** Poll answers received (the handshake's included). */
  polls = 0;
  #cursor: string | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  #failure: Error | undefined;
  readonly #abort = new AbortController();

  constructor(
    readonly server: RunningServer,
    readonly options: WatchOptions,
  ) {}

  /** Subscribes: resolves once the handshake answered (later envelopes are caught), polling on in the background. */
  async start(): Promise<this> {
    const answer = await this.#poll();
    this.#cursor = answer.t.t;
    this.#running = this.#loop();
    return this;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    await this.#running;
  }

  /** The first envelope kept (now or within `timeoutMs`) that matches, or a failure listing what came. */
  async find(matches: (envelope: Envelope) => boolean, timeoutMs = 15_000): Promise<Envelope> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.envelopes.find(matches);
      if (found) return found;
      if (this.#failure) throw this.#failure;
      if (Date.now() > deadline) throw new Error(`no matching envelope in ${timeoutMs} ms; got ${JSON.stringify(this.envelopes.map((e) => [e.c, e.b, e.d]))}`);
      await pause(25);
    }
  }

  /** The first presence event on `channel` (its `-pnpres` envelope) of `action` (and `uuid`, when given). */
  async presence(channel: string, action: PresenceEventBody['action'], uuid?: string, timeoutMs?: number): Promise<Envelope & { d: PresenceEventBody }> {
    const matches = (envelope: Envelope) =>
      envelope.c === `${channel}-pnpres` && envelope.d?.action === action && (uuid === undefined || envelope.d?.uuid === uuid);
    return (await this.find(matches, timeoutMs)) as Envelope & { d: PresenceEventBody };
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      try {
        const answer = await this.#poll(this.#cursor);
        this.envelopes.push(...answer.m);
        this.#cursor = answer.t.t;
      } catch (error) {
        if (this.#stopped) return;
        this.#failure = error instanceof Error ? error : new Error(String(error));
        return;
      }
    }
  }

  async #poll(tt?: string): Promise<{ t: { t: string }; m: Envelope[] }> {
    const { subKey, channels = [], groups = [], uuid, query = {} } = this.options;
    const params = new URLSearchParams({ ...query, ...(uuid === undefined ? {} : { uuid }), ...(tt === undefined ? {} : { tt, tr: '1' }) });
    if (groups.length > 0) params.set('channel-group', groups.join(','));
    const path = channels.length === 0 ? ',' : channels.map(encode).join(',');
    const response = await fetch(`${this.server.url}/v2/subscribe/${subKey}/${path}/0?${params.toString().replace(/\+/g, '%20')}`, {
      signal: this.#abort.signal,
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`subscribe answered ${response.status}: ${text}`);
    this.polls++;
    return JSON.parse(text) as { t: { t: string }; m: Envelope[] };
  }
}

/** Starts a watcher; the caller stops it (or `afterEach` with `stopAll`). */
export async function watch(server: RunningServer, options: WatchOptions, into?: Watcher[]): Promise<Watcher> {
  const watcher = await new Watcher(server, options).start();
  into?.push(watcher);
  return watcher;
}

/** Polls `read` until `done` holds of its result (or `timeoutMs` passes), and returns the last result. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await pause(50);
  }
}

/** Runs `tasks` with at most `concurrency` under way at once. */
export async function inParallel(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
