import { failureReason } from './errors.ts';
import { Redis } from 'ioredis';

/** Where a `redis://` or `rediss://` URL points: what the client takes of it. */
export interface RedisPlace {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: { servername: string };
}

/**
 * The connection a parsed `redis://[user:password@]host[:port][/db]` (`rediss://` for TLS) URL
 * names, and `host:port` to name it by in messages (never the password). The caller has checked
 * the scheme, the options and that the database, if any, is a number; the port defaults to 6379.
 */
export function redisPlaceOf(parsed: URL): { place: RedisPlace; shown: string } {
  const database = parsed.pathname.replace(/^\//, '');
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  return {
    place: {
      host,
      port,
      ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
      ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
      ...(database === '' ? {} : { db: Number(database) }),
      ...(parsed.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
    },
    shown: `${parsed.hostname}:${port}`,
  };
}

const REDIS_CONNECT_MS = 5000;

export interface RedisConnectOptions {
  /** How long one command may take before it fails, in ms. */
  commandTimeoutMs: number;
  /** Told of each connection error once connected (before that, errors fail the connect). */
  onErrorWhileRunning?: (error: unknown) => void;
  /** The error to throw when Redis does not answer; `reason` is one line (message and code). */
  unreachable: (reason: string, cause: unknown) => Error;
}

/**
 * Connects to Redis, failing fast: a refusal fails at once, silence after 5 s. Once connected a
 * lost connection is retried (every 2 s at most) and, while it is down, commands fail at once
 * rather than wait in a queue, so requests are not held up.
 *
 * @throws what `options.unreachable` makes, when Redis cannot be reached.
 */
export async function connectRedis(place: RedisPlace, options: RedisConnectOptions): Promise<Redis> {
  let lastError: unknown;
  let started = false;
  const client = new Redis({
    ...place,
    lazyConnect: true,
    retryStrategy: (attempt) => (started ? Math.min(attempt * 100, 2000) : null),
    connectTimeout: REDIS_CONNECT_MS,
    commandTimeout: options.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  });
  client.on('error', (error: unknown) => {
    lastError = error;
    if (started) options.onErrorWhileRunning?.(error);
  });
  try {
    await client.connect();
    started = true;
  } catch (error) {
    client.disconnect();
    throw options.unreachable(failureReason(lastError ?? error), error);
  }
  return client;
}
