import { randomBytes } from 'node:crypto';
import { deleteRedisKeys, redisUnavailable, redisUrlWithPrefix } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { keysetFrom } from '../model/keyset.ts';
import type { Log } from '../model/log.ts';
import { PresenceAnnouncer } from './announce.ts';
import { createPresenceStore } from './create.ts';
import type { PresenceEvent } from './events.ts';
import { MemoryPresenceStore } from './memory-store.ts';
import type { PresenceStore } from './store.ts';
import { expireRound } from './sweep.ts';

// One sweep (`expireRound`) over a real store: what it removes (timed-out presences, kept states
// past their keepUntil) within its bounds, and what it announces. Events go to a sink that keeps them.

const T = 1_790_000_000_000;
const keyset = keysetFrom({ publishKey: 'pub', subscribeKey: 'sweep', presenceAnnounceMax: 1_000 });
const quiet: Log = { error: () => {}, warn: () => {}, info: () => {} };
const channels = (count: number) => Array.from({ length: count }, (_, i) => `room-${i}`);

function sweeper(store: PresenceStore) {
  const events: PresenceEvent[] = [];
  const sink = {
    async publishPresence(_subKey: string, _channel: string, event: PresenceEvent): Promise<string> {
      events.push(event);
      return String(events.length);
    },
  };
  const announcer = new PresenceAnnouncer(store, sink, quiet);
  const sweep = (now: number) => expireRound(store, announcer, () => keyset, now, { batch: 500, maxBatches: 20 }, quiet);
  return { events, sweep };
}

const noRedis = await redisUnavailable();
const RUN = `roster:test:presence-sweep:${randomBytes(4).toString('hex')}:`;
afterAll(() => (noRedis === undefined ? deleteRedisKeys(RUN) : undefined));

const stores: [string, string | undefined, () => Promise<PresenceStore>][] = [
  ['in process', undefined, async () => new MemoryPresenceStore()],
  ['Redis', noRedis, () => createPresenceStore(redisUrlWithPrefix(`${RUN}${randomBytes(3).toString('hex')}:`), { log: quiet })],
];

describe.each(stores)('expireRound over the %s store', (_name, skip, open) => {
  it.skipIf(skip !== undefined)('times out at most batch × maxBatches presences a sweep, each announced once', { timeout: 60_000 }, async () => {
    const store = await open();
    try {
      await store.heartbeat(keyset.subscribeKey, 'crowd', channels(12_000), { now: T - 1000, timeoutMs: 1000, defaultTimeoutMs: 1000 });
      const { events, sweep } = sweeper(store);
      expect(await sweep(T)).toEqual({ timedOut: 10_000, statesForgotten: 0 });
      expect((await store.whereNow(keyset.subscribeKey, 'crowd')).length).toBe(2_000);
      expect(await sweep(T)).toEqual({ timedOut: 2_000, statesForgotten: 0 });
      expect(await sweep(T)).toEqual({ timedOut: 0, statesForgotten: 0 });
      const timeouts = events.filter((event) => event.action === 'timeout');
      expect(timeouts).toHaveLength(12_000);
      expect(new Set(timeouts.map((event) => event.occupancy))).toEqual(new Set([0]));
      expect(await store.whereNow(keyset.subscribeKey, 'crowd')).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it.skipIf(skip !== undefined)(
    'forgets a backlog of kept states many batches long, up to batch × maxBatches a sweep, besides its timeouts',
    { timeout: 60_000 },
    async () => {
      const store = await open();
      const sub = keyset.subscribeKey;
      try {
        // One set-state request where the uuid is not present keeps a state per channel.
        await store.setState(sub, 'ghost', channels(12_000), { away: true }, T);
        await store.setState(sub, 'ghost', ['later'], { away: true }, T + 1);
        await store.heartbeat(sub, 'crowd', channels(1_200), { now: T - 1000, timeoutMs: 1000, defaultTimeoutMs: 1000 });
        const { sweep } = sweeper(store);
        expect(await sweep(T - 1)).toEqual({ timedOut: 0, statesForgotten: 0 });
        expect(await sweep(T)).toEqual({ timedOut: 1_200, statesForgotten: 10_000 });
        const kept = async () => (await store.getState(sub, 'ghost', [...channels(12_000), 'later'])).size;
        expect(await kept()).toBe(2_001);
        expect(await sweep(T)).toEqual({ timedOut: 0, statesForgotten: 2_000 });
        expect(await kept()).toBe(1);
        expect(await sweep(T)).toEqual({ timedOut: 0, statesForgotten: 0 });
        expect(await sweep(T + 1)).toEqual({ timedOut: 0, statesForgotten: 1 });
      } finally {
        await store.close();
      }
    },
  );
});
