import { randomBytes } from 'node:crypto';
import { deleteRedisKeys, REDIS_URL, redisUnavailable, redisUrlWithPrefix } from '@roster/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { STDERR_LOG } from '../model/log.ts';
import { createPresenceStore, parsePresenceUrl, PresenceStoreError } from './create.ts';
import { MemoryPresenceStore } from './memory-store.ts';
import { RedisPresenceStore } from './redis-store.ts';
import { lastingUntil, runPresenceContract } from './store-contract.ts';

/**
 * The presence contract on a real Redis (`ROSTER_TEST_REDIS_URL`, default 127.0.0.1:6379), each
 * test under a key prefix of its own within this run's, all deleted after; skipped with the
 * reason when no Redis answers.
 */
const unavailable = await redisUnavailable();
const RUN = `roster:test:presence:${randomBytes(4).toString('hex')}:`;
let tests = 0;
afterAll(async () => {
  if (unavailable === undefined) await deleteRedisKeys(RUN);
});

/** `expire`'s lease in these tests (ms). */
const LEASE = 5000;

const open = (prefix: string) => createPresenceStore(redisUrlWithPrefix(prefix), { log: STDERR_LOG });

runPresenceContract({
  name: 'Redis',
  skip: unavailable,
  // Two connections, as two nodes have.
  open: async () => {
    const prefix = `${RUN}${++tests}:`;
    return [await open(prefix), await open(prefix)];
  },
});

describe.skipIf(unavailable !== undefined)(`RedisPresenceStore${unavailable === undefined ? '' : ` (skipped: ${unavailable})`}`, () => {
  it('leaves no key behind once everyone has left, timed out or gone quiet', async () => {
    const prefix = `${RUN}empty:`;
    const store = await open(prefix);
    try {
      await store.heartbeat('s', 'alice', ['a', 'b'], lastingUntil(1000), new Map([['a', { x: 1 }]]));
      await store.heartbeat('s', 'bob', ['a'], lastingUntil(2000));
      await store.setState('s', 'carol', ['c'], { y: 1 }, 1500);
      await store.markBusy('s', 'a');
      await store.noteDelta('s', 'a', 'join', 'bob', 5);
      await store.leave('s', 'alice', ['b']);
      // A timeout's claim goes once announced.
      await store.announced(await store.expire(2000, 100, LEASE));
      await store.forgetStates(2000, 100);
      await store.interval('s', 'a', 2000, 1000, 0);
      const redis = new Redis(REDIS_URL);
      try {
        expect(await redis.keys(`${prefix}*`)).toEqual([]);
      } finally {
        redis.disconnect();
      }
    } finally {
      await store.close();
    }
  });

  it('loads its scripts again after Redis forgets them', async () => {
    const store = await open(`${RUN}flush:`);
    const redis = new Redis(REDIS_URL);
    try {
      await store.heartbeat('s', 'alice', ['a'], lastingUntil(1000));
      await redis.script('FLUSH');
      expect(await store.whereNow('s', 'alice')).toEqual(['a']);
    } finally {
      redis.disconnect();
      await store.close();
    }
  });

  it('keeps its keys under the URL’s prefix, roster:presence: by default', async () => {
    expect(parsePresenceUrl('redis://127.0.0.1:6379').prefix).toBe('roster:presence:');
    const prefix = `${RUN}own:`;
    const store = await open(prefix);
    const redis = new Redis(REDIS_URL);
    try {
      // Only this file writes under RUN: every key the heartbeat and the timeout's claim made is under the store's prefix.
      const before = new Set(await redis.keys(`${RUN}*`));
      await store.heartbeat('s', 'alice', ['a'], lastingUntil(1000), new Map([['a', { x: 1 }]]));
      await store.heartbeat('s', 'bob', ['b'], lastingUntil(500));
      expect(await store.expire(500, 10, LEASE)).toHaveLength(1);
      const made = (await redis.keys(`${RUN}*`)).filter((key) => !before.has(key));
      expect(made).toContain(`${prefix}claims`);
      expect(made.filter((key) => !key.startsWith(prefix))).toEqual([]);
    } finally {
      await store.announced(await store.expire(1000 + LEASE, 10, LEASE));
      redis.disconnect();
      await store.close();
    }
  });
});

describe('createPresenceStore', () => {
  it('keeps presence in process when not given a Redis URL', async () => {
    expect(await createPresenceStore(undefined, { log: STDERR_LOG })).toBeInstanceOf(MemoryPresenceStore);
    expect(await createPresenceStore('in-process', { log: STDERR_LOG })).toBeInstanceOf(MemoryPresenceStore);
  });

  it.skipIf(unavailable !== undefined)('opens a Redis store for a redis:// URL', async () => {
    const store = await open(`${RUN}opened:`);
    expect(store).toBeInstanceOf(RedisPresenceStore);
    await store.close();
  });

  it('fails with one line naming the Redis and the setting when Redis does not answer, never the password', async () => {
    const failure = await createPresenceStore('redis://roster:s3cret@127.0.0.1:1/0', { log: STDERR_LOG }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PresenceStoreError);
    const message = (failure as Error).message;
    expect(message).toMatch(
      /^Cannot reach the presence Redis at 127\.0\.0\.1:1: .*ECONNREFUSED.* \(set by --presence \/ ROSTER_PRESENCE \/ "presence" in the config file\)$/,
    );
    expect(message).not.toContain('\n');
    expect(message).not.toContain('s3cret');
  });

  it('refuses a URL that is not a Redis one, or options it does not know', () => {
    expect(() => parsePresenceUrl('nats://127.0.0.1:4222')).toThrow(/must be in-process or a redis:\/\/ URL/);
    expect(() => parsePresenceUrl('not a url')).toThrow(PresenceStoreError);
    expect(() => parsePresenceUrl('redis://h:6379/?prefx=a')).toThrow('The presence URL option "prefx" is not one (prefix)');
    expect(() => parsePresenceUrl('redis://h:6379/zero')).toThrow(/database by its number/);
    expect(parsePresenceUrl('rediss://u:p%40ss@h:6380/2?prefix=cluster-a:')).toEqual({
      redis: { host: 'h', port: 6380, username: 'u', password: 'p@ss', db: 2, tls: { servername: 'h' } },
      prefix: 'cluster-a:',
      shown: 'h:6380',
    });
  });
});
