/** A `fetch` implementation; the global one by default. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Retries of idempotent calls (gets, deletes, time) after a network error, timeout, 429 or 5xx. */
export interface RetryOptions {
  /**
   * Retries after the first attempt.
   * @default 2
   */
  limit?: number;
  /**
   * Delay before the first retry; doubles on each further retry. Each wait is jittered down to
   * between half this backoff and the full backoff ("equal jitter").
   * @default 200
   */
  baseDelayMs?: number;
  /**
   * Upper bound of one delay, also for a server's `Retry-After`.
   * @default 5000
   */
  maxDelayMs?: number;
}

/** How the subscribe loop reconnects after a failed long-poll. */
export interface ReconnectOptions {
  /**
   * Consecutive failed attempts before the loop gives up and reports
   * `PNUnexpectedDisconnectCategory`.
   * @default Infinity
   */
  maxAttempts?: number;
  /**
   * Delay before the first reconnect; doubles on each further attempt. Each wait is jittered down
   * to between half this backoff and the full backoff ("equal jitter").
   * @default 500
   */
  baseDelayMs?: number;
  /**
   * Upper bound of one delay.
   * @default 30000
   */
  maxDelayMs?: number;
}

/**
 * Client configuration.
 * @example
 * new Roster({ subscribeKey: 'demo', publishKey: 'demo', userId: 'me', origin: 'http://127.0.0.1:8080' })
 */
export interface RosterConfig {
  /** The keyset's subscribe key; every App Context path names it. */
  subscribeKey: string;
  /** Needed for `publish()` and part of every request signature. */
  publishKey?: string;
  /**
   * Signs every request (signature v2), which grants full access on a keyset with Access
   * Manager. For servers only: never ship a secret key to browsers.
   */
  secretKey?: string;
  /** Who is making the calls; the default user of the uuid-scoped calls. */
  userId: string;
  /**
   * The server: `host[:port]` or a full `http(s)://host[:port]` URL.
   * @default 'ps.pndsn.com'
   */
  origin?: string;
  /**
   * With a scheme-less `origin`: `true` for https, `false` for http. Ignored when `origin` has a scheme.
   * @default true
   */
  ssl?: boolean;
  /** A legacy Access Manager auth key, sent as `auth` unless a token is set with `setToken`. */
  authKey?: string;
  /**
   * Timeout of every call except the subscribe long-poll, in milliseconds.
   * @default 10000
   */
  requestTimeoutMs?: number;
  /**
   * Timeout of the subscribe long-poll; the server answers within 280 s.
   * @default 310000
   */
  subscribeTimeoutMs?: number;
  /** Retries of idempotent calls; `false` turns them off. */
  retry?: RetryOptions | false;
  /** How the subscribe loop reconnects. */
  reconnect?: ReconnectOptions;
  /**
   * Seconds the server keeps this user present on the subscribed channels without hearing from
   * it (Python's `presence_timeout`, JS's `presenceTimeout`), sent as `heartbeat` with every
   * subscribe and heartbeat request. PubNub's minimum is 20. Unset, nothing is sent and the
   * server's default (300 s) applies, which the subscribe long-polls (at most 280 s apart) keep
   * the user within.
   */
  presenceTimeout?: number;
  /**
   * Seconds between heartbeat requests while subscribed (`GET …/heartbeat`); `0` sends none. A
   * subscribe long-poll can last 280 s, so a `presenceTimeout` below that needs heartbeats to
   * keep the user present.
   * @default presenceTimeout / 2 - 1 (rounded down, at least 1) when `presenceTimeout` is set, else 0
   */
  heartbeatInterval?: number;
  /** A `fetch` to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: FetchLike;
}

/** {@link RosterConfig} with every default filled in. */
export interface ResolvedConfig {
  readonly subscribeKey: string;
  readonly publishKey: string | undefined;
  readonly secretKey: string | undefined;
  readonly userId: string;
  /** `scheme://host[:port]`, no trailing slash. */
  readonly baseUrl: string;
  readonly authKey: string | undefined;
  readonly requestTimeoutMs: number;
  readonly subscribeTimeoutMs: number;
  readonly retry: Required<RetryOptions>;
  readonly reconnect: Required<ReconnectOptions>;
  /** Seconds; `undefined` leaves it to the server. */
  readonly presenceTimeout: number | undefined;
  /** Seconds; 0 means no heartbeat requests. */
  readonly heartbeatInterval: number;
  readonly fetch: FetchLike;
}

const DEFAULT_ORIGIN = 'ps.pndsn.com';

/** The server's presence timeout when none is configured (PubNub's default), for heartbeats. */
const DEFAULT_PRESENCE_TIMEOUT = 300;

/** The longest `presenceTimeout` or `heartbeatInterval`: a day (timers misbehave past 24.8 days). */
const MAX_PRESENCE_SECONDS = 86_400;

/**
 * Fills in defaults; throws a `TypeError` for a missing subscribe key or user id, or a
 * `presenceTimeout` / `heartbeatInterval` that is not a whole number of seconds up to a day.
 */
export function resolveConfig(config: RosterConfig): ResolvedConfig {
  requireText(config.subscribeKey, 'subscribeKey');
  requireText(config.userId, 'userId');
  const { presenceTimeout, heartbeatInterval } = config;
  if (presenceTimeout !== undefined) requireSeconds(presenceTimeout, 'presenceTimeout', 1);
  if (heartbeatInterval !== undefined) requireSeconds(heartbeatInterval, 'heartbeatInterval', 0);
  const retry = config.retry === false ? { limit: 0 } : (config.retry ?? {});
  return {
    subscribeKey: config.subscribeKey,
    publishKey: config.publishKey,
    secretKey: config.secretKey,
    userId: config.userId,
    baseUrl: baseUrl(config.origin ?? DEFAULT_ORIGIN, config.ssl ?? true),
    authKey: config.authKey,
    requestTimeoutMs: config.requestTimeoutMs ?? 10_000,
    subscribeTimeoutMs: config.subscribeTimeoutMs ?? 310_000,
    retry: { limit: retry.limit ?? 2, baseDelayMs: retry.baseDelayMs ?? 200, maxDelayMs: retry.maxDelayMs ?? 5_000 },
    reconnect: {
      maxAttempts: config.reconnect?.maxAttempts ?? Number.POSITIVE_INFINITY,
      baseDelayMs: config.reconnect?.baseDelayMs ?? 500,
      maxDelayMs: config.reconnect?.maxDelayMs ?? 30_000,
    },
    presenceTimeout,
    heartbeatInterval: heartbeatInterval ?? (presenceTimeout === undefined ? 0 : Math.max(Math.floor(presenceTimeout / 2) - 1, 1)),
    // Bound so a browser's fetch is not called with the config object as `this`.
    fetch: config.fetch ?? ((input, init) => fetch(input, init)),
  };
}

/** `origin` may carry its scheme (`http://127.0.0.1:8080`) or not (`127.0.0.1:8080`, then `ssl` decides). */
export function baseUrl(origin: string, ssl: boolean): string {
  const trimmed = origin.trim().replace(/\/+$/, '');
  if (/^https?:\/\//i.test(trimmed)) return trimmed;
  return `${ssl ? 'https' : 'http'}://${trimmed}`;
}

/** The presence timeout heartbeats announce: the configured one, else the server's default. */
export function heartbeatTimeout(config: ResolvedConfig): number {
  return config.presenceTimeout ?? DEFAULT_PRESENCE_TIMEOUT;
}

function requireSeconds(value: unknown, name: string, minimum: number): void {
  if (typeof value === 'number' && Number.isInteger(value) && value >= minimum && value <= MAX_PRESENCE_SECONDS) return;
  throw new TypeError(`Roster: ${name} must be a whole number of seconds from ${minimum} to ${MAX_PRESENCE_SECONDS}; got ${String(value)}.`);
}

function requireText(value: unknown, name: string): void {
  if (typeof value === 'string' && value.length > 0) return;
  throw new TypeError(`Roster: the configuration needs a non-empty string ${name}.`);
}
