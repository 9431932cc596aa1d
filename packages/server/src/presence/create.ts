import { AtMostEvery } from '../at-most-every.ts';
import type { Log } from '../model/log.ts';
import { failureReason } from '../errors.ts';
import { connectRedis, redisPlaceOf, type RedisPlace } from '../redis.ts';
import { MemoryPresenceStore } from './memory-store.ts';
import { RedisPresenceStore } from './redis-store.ts';
import type { PresenceStore } from './store.ts';

/** Where `--presence` is set, for messages that tell the user what to change. */
const SET_BY = '--presence / ROSTER_PRESENCE / "presence" in the config file';

/** The prefix of every presence key in Redis when the URL names none (`?prefix=`). */
export const DEFAULT_PRESENCE_PREFIX = 'roster:presence:';

/** How long a presence command may take before it fails (the request then fails, not hangs). */
const REDIS_COMMAND_MS = 2000;
/** A Redis that stays unreachable is logged at most this often. */
const WARN_EVERY_MS = 30_000;

/**
 * The presence store could not be opened: `--presence` is not `in-process` or a Redis URL, or
 * that Redis does not answer. One line saying why and where it is set, never with the password.
 */
export class PresenceStoreError extends Error {
  override readonly name = 'PresenceStoreError';
}

/**
 * The presence store a node runs with: in this process for `undefined` or `in-process` (one
 * node), else the Redis of `redis://[user:password@]host[:port][/db][?prefix=KEYS]` (`rediss://`
 * for TLS), shared by every node naming it, its keys under `prefix` (default `roster:presence:`).
 * Redis is connected here, so an unreachable one fails the start; once running, a lost
 * connection is retried (every 2 s at most) and logged through `log` (at most every 30 s), and
 * calls fail meanwhile. The caller owns the store and closes it.
 *
 * @throws PresenceStoreError when the URL is not one or Redis does not answer within 5 s.
 * @example
 * const presence = await createPresenceStore(config.presence, { log: logger });
 * // on shutdown: await presence.close();
 */
export async function createPresenceStore(url: string | undefined, options: { log: Log }): Promise<PresenceStore> {
  if (url === undefined || url === 'in-process') return new MemoryPresenceStore();
  const { redis, prefix, shown } = parsePresenceUrl(url);
  const failure = new AtMostEvery(WARN_EVERY_MS);
  const client = await connectRedis(redis, {
    commandTimeoutMs: REDIS_COMMAND_MS,
    onErrorWhileRunning: (error) => {
      if (!failure.due()) return;
      options.log.warn({ reason: failureReason(error) }, `presence: the Redis at ${shown} failed; presence calls fail until it answers again`);
    },
    unreachable: (reason, cause) => new PresenceStoreError(`Cannot reach the presence Redis at ${shown}: ${reason} (set by ${SET_BY})`, { cause }),
  });
  return new RedisPresenceStore(client, prefix);
}

/** What a presence URL says: the Redis connection, the key prefix, and `host:port` to name it by. */
export interface PresenceRedisPlace {
  redis: RedisPlace;
  prefix: string;
  shown: string;
}

/**
 * Reads a `redis://` or `rediss://` presence URL.
 * @throws PresenceStoreError naming what is wrong (never the password).
 */
export function parsePresenceUrl(url: string): PresenceRedisPlace {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PresenceStoreError(`The presence store must be in-process or a redis:// URL (redis://host:6379) (set by ${SET_BY})`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new PresenceStoreError(`The presence store must be in-process or a redis:// URL, not ${parsed.protocol}// (set by ${SET_BY})`);
  }
  for (const key of parsed.searchParams.keys()) {
    if (key !== 'prefix') throw new PresenceStoreError(`The presence URL option ${JSON.stringify(key)} is not one (prefix) (set by ${SET_BY})`);
  }
  const database = parsed.pathname.replace(/^\//, '');
  if (database !== '' && !/^\d+$/.test(database)) {
    throw new PresenceStoreError(`The presence URL names a Redis database by its number: redis://host:6379/0 (set by ${SET_BY})`);
  }
  const { place, shown } = redisPlaceOf(parsed);
  return { redis: place, prefix: parsed.searchParams.get('prefix') ?? DEFAULT_PRESENCE_PREFIX, shown };
}
