import { randomBytes } from 'node:crypto';
import { deleteRedisKeys, redisUnavailable, redisUrlWithPrefix } from '@roster/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { keysetFrom } from '../model/keyset.ts';
import type { Log } from '../model/log.ts';
import { PresenceAnnouncer } from './announce.ts';
import { createPresenceStore } from './create.ts';
import type { PresenceEvent } from './events.ts';
import { MemoryPresenceStore } from './memory-store.ts';
import type { PresenceStore } from './store.ts';
import { expireRound, Ticker, TIMEOUT_LEASE_MS } from './sweep.ts';

// One sweep (`expireRound`) over a real store: what it removes (timed-out presences, kept states
// past their keepUntil) within its bounds, and what it announces. Events go to a sink that keeps
// them, after refusing the first `refusals` (as a bus that is down or times out does).

const T = 1_790_000_000_000;
const keyset = keysetFrom({ publishKey: 'pub', subscribeKey: 'sweep', presenceAnnounceMax: 1_000 });
const quiet: Log = { error: () => {}, warn: () => {}, info: () => {} };
const channels = (count: number) => Array.from({ length: count }, (_, i) => `room-${i}`);

function sweeper(store: PresenceStore, refusals = 0) {
  const events: PresenceEvent[] = [];
  const refused: PresenceEvent[] = [];
  const warnings: string[] = [];
  const log: Log = { ...quiet, warn: (_fields, message) => void warnings.push(message) };
  const sink = {
    async publishPresence(_subKey: string, _channel: string, event: PresenceEvent): Promise<string> {
      if (refused.length < refusals) {
        refused.push(event);
        throw new Error('the bus did not take the event in time');
      }
      events.push(event);
      return String(events.length);
    },
  };
  const announcer = new PresenceAnnouncer(store, sink, log);
  const sweep = (now: number) => expireRound(store, announcer, () => keyset, now, { batch: 500, maxBatches: 20 }, log);
  return { events, refused, warnings, sweep };
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

  it.skipIf(skip !== undefined)('announces a timeout whose publish failed in a later sweep, once its lease ends, and only that one', async () => {
    const store = await open();
    const sub = keyset.subscribeKey;
    try {
      for (const uuid of ['ann', 'ben', 'cy']) await store.heartbeat(sub, uuid, ['room'], { now: T - 1000, timeoutMs: 1000, defaultTimeoutMs: 1000 });
      const { events, refused, warnings, sweep } = sweeper(store, 1);
      expect(await sweep(T)).toEqual({ timedOut: 3, statesForgotten: 0 });
      expect(refused).toHaveLength(1);
      const lost = refused[0]!.uuid;
      expect(events.map((event) => event.uuid).sort()).toEqual(['ann', 'ben', 'cy'].filter((uuid) => uuid !== lost));
      expect(warnings).toEqual(['a presence event was not published']);
      expect(await sweep(T + TIMEOUT_LEASE_MS - 1)).toEqual({ timedOut: 0, statesForgotten: 0 });
      const later = T + TIMEOUT_LEASE_MS;
      expect(await sweep(later)).toEqual({ timedOut: 1, statesForgotten: 0 });
      // Announced as it is then: everyone has gone.
      expect(events.slice(2)).toEqual([{ action: 'timeout', uuid: lost, occupancy: 0, timestamp: Math.floor(later / 1000), precise_timestamp: later }]);
      expect(await sweep(later + 10 * TIMEOUT_LEASE_MS)).toEqual({ timedOut: 0, statesForgotten: 0 });
      expect(events).toHaveLength(3);
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

describe('Ticker', () => {
  it('reports a round still running past its limit once, and the next slow round again', async () => {
    const reports: number[] = [];
    let finish = () => {};
    let rounds = 0;
    const ticker = new Ticker(
      () => {
        rounds++;
        return new Promise<void>((done) => (finish = done));
      },
      10,
      { slowAfterMs: 50, slow: (runningMs) => reports.push(runningMs), failed: (error) => expect.unreachable(String(error)) },
    );
    ticker.start();
    await vi.waitFor(() => expect(reports).toHaveLength(1));
    expect(reports[0]).toBeGreaterThanOrEqual(50);
    await new Promise((done) => setTimeout(done, 150));
    expect(rounds).toBe(1);
    expect(reports).toHaveLength(1);
    finish();
    await vi.waitFor(() => expect(reports).toHaveLength(2));
    expect(rounds).toBe(2);
    finish();
    await ticker.stop();
  });

  it('reports a round that fails and goes on with the next (no unhandled rejection to end the process)', async () => {
    const failures: unknown[] = [];
    let rounds = 0;
    const ticker = new Ticker(
      async () => {
        rounds++;
        throw new Error(`round ${rounds} failed`);
      },
      10,
      { slowAfterMs: 1000, slow: () => {}, failed: (error) => failures.push(error) },
    );
    ticker.start();
    await new Promise((done) => setTimeout(done, 100));
    await ticker.stop();
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(failures.map(String)).toEqual(Array.from({ length: rounds }, (_, i) => `Error: round ${i + 1} failed`));
  });
});
