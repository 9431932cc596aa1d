import { describe, expect, it } from 'vitest';
import { MemoryPresenceStore } from './memory-store.ts';
import { compareCodePoints } from './sorted-strings.ts';
import { lastingUntil, runPresenceContract } from './store-contract.ts';

runPresenceContract({
  name: 'in process',
  // One node: its second store is itself.
  open: async () => {
    const store = new MemoryPresenceStore();
    return [store, store];
  },
});

const SUB = 'sub-a';
const AT = 1_800_000_000_000;
/** `expire`'s lease in these tests (ms). */
const LEASE = 5000;

/** Milliseconds `work` takes. */
async function timed(work: () => Promise<unknown> | void): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const CROWD = 50_000;

// Times are compared with the work a per-call sort or scan would do, measured alongside on the
// same machine, rather than with fixed figures: the tests run on loaded machines too.
describe('MemoryPresenceStore bounds', { timeout: 120_000 }, () => {
  it('pages a crowd from a list kept sorted: 100 pages cost less than 10 sorts of it', async () => {
    const store = new MemoryPresenceStore();
    const uuids = Array.from({ length: CROWD }, (_, i) => `user-${(i * 7919) % CROWD}`);
    for (const [i, uuid] of uuids.entries()) await store.heartbeat(SUB, uuid, ['crowd'], lastingUntil(AT + i));
    const pages = await timed(async () => {
      for (let i = 0; i < 100; i++) await store.present(SUB, 'crowd', CROWD - 1000, 1000, false);
    });
    const sorts = await timed(() => {
      for (let i = 0; i < 10; i++) [...uuids].sort(compareCodePoints);
    });
    expect(pages).toBeLessThan(sorts);
  });

  it('sweeps from the earliest expiry: 1,000 sweeps cost less than 100 scans of the crowd', async () => {
    const store = new MemoryPresenceStore();
    const expiries = Array.from({ length: CROWD }, (_, i) => AT + 1000 + i);
    for (const [i, at] of expiries.entries()) await store.heartbeat(SUB, `user-${i}`, ['crowd'], lastingUntil(at));
    await store.heartbeat(SUB, 'first', ['crowd'], lastingUntil(AT));
    const answers: unknown[] = [];
    const sweeps = await timed(async () => {
      for (let i = 0; i < 1000; i++) answers.push(...(await store.expire(AT - 1, 100, LEASE)));
    });
    let due = 0;
    const scans = await timed(() => {
      for (let i = 0; i < 100; i++) for (const at of expiries) if (at <= AT - 1) due++;
    });
    expect([answers, due]).toEqual([[], 0]);
    expect(sweeps).toBeLessThan(scans);
    expect(await store.expire(AT, 100, LEASE)).toEqual([{ subKey: SUB, channel: 'crowd', uuid: 'first', occupancy: CROWD, leaseUntil: AT + LEASE }]);
  });

  it('forgets the keysets, channels and uuids nobody is present on', async () => {
    const store = new MemoryPresenceStore();
    await store.heartbeat(SUB, 'alice', ['a'], lastingUntil(AT), new Map([['a', { x: 1 }]]));
    await store.setState(SUB, 'bob', ['b'], { y: 1 }, AT);
    await store.announced(await store.expire(AT, 10, LEASE));
    await store.forgetStates(AT, 10);
    // Internals are private; what is left shows in what a new entry reports.
    expect(await store.whereNow(SUB, 'alice')).toEqual([]);
    expect(await store.getState(SUB, 'bob', ['b'])).toEqual(new Map());
    expect((await store.heartbeat(SUB, 'alice', ['a'], lastingUntil(AT + 1))).joined).toEqual([{ channel: 'a', occupancy: 1 }]);
  });
});

describe('compareCodePoints', () => {
  it('orders as UTF-8 bytes do', () => {
    const texts = ['\uffff', '😀', 'a', '', 'ab', '\ud7ff', '\ue000', '𐀀', 'Z', 'é'];
    const byBytes = [...texts].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect([...texts].sort(compareCodePoints)).toEqual(byBytes);
  });
});
