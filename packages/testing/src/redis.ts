import { Redis } from 'ioredis';

/**
 * The Redis tests run against: `ROSTER_TEST_REDIS_URL`, by default the local one that `.ci/run`
 * starts. Tests keep their keys under a prefix of their own (`?prefix=` of a presence URL) and
 * delete them afterwards (`deleteRedisKeys`).
 */
export const REDIS_URL = process.env['ROSTER_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/';

/** A client for `url` that gives up at once when Redis does not answer, rather than retrying. */
function client(url: string): Redis {
  return new Redis(url, { lazyConnect: true, connectTimeout: 2000, retryStrategy: () => null, maxRetriesPerRequest: 0 });
}

/** `url` (a Redis URL) with `?prefix=`, as `--presence` takes it: the nodes keep their keys under `prefix`. */
export function redisUrlWithPrefix(prefix: string, url = REDIS_URL): string {
  const withPrefix = new URL(url);
  withPrefix.searchParams.set('prefix', prefix);
  return withPrefix.toString();
}

/**
 * Why Redis cannot be used at `url` (one line for a report, naming the variable that sets it),
 * or `undefined` when it answers PING.
 */
export async function redisUnavailable(url = REDIS_URL): Promise<string | undefined> {
  const redis = client(url);
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG' ? undefined : `the server at ${new URL(url).host} does not answer PING as Redis does (set ROSTER_TEST_REDIS_URL)`;
  } catch (error) {
    return `no Redis at ${new URL(url).host} (${error instanceof Error ? error.message : String(error)}; set ROSTER_TEST_REDIS_URL)`;
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key of the Redis at `url` whose name starts with `prefix` (SCAN, in batches); returns how many. */
export async function deleteRedisKeys(prefix: string, url = REDIS_URL): Promise<number> {
  const redis = client(url);
  try {
    await redis.connect();
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscaped(prefix)}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/** `text` matching itself only in a SCAN MATCH pattern. */
function globEscaped(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
