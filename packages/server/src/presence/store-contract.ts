import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareCodePoints } from './sorted-strings.ts';
import type { ExpiredPresence, HeartbeatWindow, PresenceStore } from './store.ts';

/**
 * The behaviour every `PresenceStore` must have (store.ts). Each backend's test file calls
 * `runPresenceContract` with a factory, or with the reason it cannot run here, which the test
 * report then shows.
 *
 * @example runPresenceContract({ name: 'in process', open: async () => { const store = new MemoryPresenceStore(); return [store, store]; } });
 */
export interface PresenceContractOptions {
  name: string;
  /**
   * Two stores over the same empty presence data, as two nodes of a cluster have them (the same
   * store twice where there is one node); both are closed after each test.
   */
  open: () => Promise<[PresenceStore, PresenceStore]>;
  /** Why the suite is skipped for this backend; it runs when undefined. */
  skip?: string | undefined;
}

const SUB = 'sub-a';
const OTHER_SUB = 'sub-b';
/** Milliseconds since the epoch the tests count from (the stores take time only as arguments). */
const T = 1_800_000_000_000;
const SECOND = 1000;
const AT = T + 60 * SECOND;
/** How long `expire` leases what it hands out in these tests (ms). */
const LEASE = 5 * SECOND;

/** A heartbeat window that keeps a presence until `at` (ms): a timeout of 1 s given 1 s before. */
export const lastingUntil = (at: number): HeartbeatWindow => ({ now: at - SECOND, timeoutMs: SECOND, defaultTimeoutMs: SECOND });

/** Uuids and channels whose UTF-16 order is not their code point order, and names with the characters keys are built with. */
const AWKWARD = ['zoë', 'Zed', 'a:b', '1:a', '\uff5e tilde', '😀 grin', 'ab', 'a', 'name with spaces', 'x\\y', 'sub-a', ':', '::1:'];

const byCodePoint = (names: readonly string[]) => [...names].sort(compareCodePoints);

export function runPresenceContract(options: PresenceContractOptions): void {
  describe.skipIf(options.skip !== undefined)(
    `PresenceStore contract: ${options.name}${options.skip === undefined ? '' : ` (skipped: ${options.skip})`}`,
    () => {
      let store: PresenceStore;
      let other: PresenceStore;
      beforeEach(async () => {
        [store, other] = await options.open();
      });
      afterEach(async () => {
        await store.close();
        if (other !== store) await other.close();
      });

      /**
       * Expires everything due at `now`, in rounds of `limit`, settling each round (`announced`)
       * as a sweep whose timeouts all went out does, unless `settle` is false.
       */
      const expireAll = async (now: number, from = store, limit = 1000, settle = true): Promise<ExpiredPresence[]> => {
        const all: ExpiredPresence[] = [];
        for (let round = await from.expire(now, limit, LEASE); round.length > 0; round = await from.expire(now, limit, LEASE)) {
          all.push(...round);
          if (settle) await from.announced(round);
        }
        return all;
      };

      describe('heartbeat and leave', () => {
        it('reports each join once, with the occupancy right after it', async () => {
          expect(await store.heartbeat(SUB, 'alice', ['a', 'b'], lastingUntil(AT))).toEqual({
            joined: [
              { channel: 'a', occupancy: 1 },
              { channel: 'b', occupancy: 1 },
            ],
            stateChanged: [],
          });
          expect(await store.heartbeat(SUB, 'alice', ['a', 'b'], lastingUntil(AT + SECOND))).toEqual({ joined: [], stateChanged: [] });
          expect((await other.heartbeat(SUB, 'bob', ['b', 'c'], lastingUntil(AT))).joined).toEqual([
            { channel: 'b', occupancy: 2 },
            { channel: 'c', occupancy: 1 },
          ]);
          expect(await store.occupancy(SUB, ['a', 'b', 'c', 'nobody'])).toEqual(
            new Map([
              ['a', 1],
              ['b', 2],
              ['c', 1],
              ['nobody', 0],
            ]),
          );
        });

        it('counts one join when two nodes take the same first heartbeat at once', async () => {
          const outcomes = await Promise.all([store.heartbeat(SUB, 'alice', ['a'], lastingUntil(AT)), other.heartbeat(SUB, 'alice', ['a'], lastingUntil(AT))]);
          expect(outcomes.flatMap((outcome) => outcome.joined)).toEqual([{ channel: 'a', occupancy: 1 }]);
        });

        it('extends the presence with each heartbeat, to the expiry it names', async () => {
          await store.heartbeat(SUB, 'alice', ['a'], lastingUntil(T + 10 * SECOND));
          await other.heartbeat(SUB, 'alice', ['a'], lastingUntil(T + 20 * SECOND));
          expect(await store.expire(T + 15 * SECOND, 10, LEASE)).toEqual([]);
          expect(await store.whereNow(SUB, 'alice')).toEqual(['a']);
          // The expiry is replaced, not only ever pushed later.
          await store.heartbeat(SUB, 'alice', ['a'], lastingUntil(T + 12 * SECOND));
          expect(await store.expire(T + 12 * SECOND, 10, LEASE)).toEqual([
            { subKey: SUB, channel: 'a', uuid: 'alice', occupancy: 0, leaseUntil: T + 12 * SECOND + LEASE },
          ]);
        });

        it('leaves the channels named, reporting those the uuid was present on with the occupancy after', async () => {
          await store.heartbeat(SUB, 'alice', ['a', 'b', 'c'], lastingUntil(AT));
          await store.heartbeat(SUB, 'bob', ['a'], lastingUntil(AT));
          expect(await other.leave(SUB, 'alice', ['a', 'b', 'never'])).toEqual([
            { channel: 'a', occupancy: 1 },
            { channel: 'b', occupancy: 0 },
          ]);
          expect(await store.leave(SUB, 'alice', ['a', 'b'])).toEqual([]);
          expect(await store.whereNow(SUB, 'alice')).toEqual(['c']);
          expect(await store.occupancy(SUB, ['a', 'b'])).toEqual(
            new Map([
              ['a', 1],
              ['b', 0],
            ]),
          );
          // A left presence does not time out later.
          expect(await expireAll(AT)).toEqual([
            { subKey: SUB, channel: 'a', uuid: 'bob', occupancy: 0, leaseUntil: AT + LEASE },
            { subKey: SUB, channel: 'c', uuid: 'alice', occupancy: 0, leaseUntil: AT + LEASE },
          ]);
          expect(await store.leave(SUB, 'nobody', ['a'])).toEqual([]);
        });

        it('remembers the timeout given per channel: a heartbeat without one keeps it, a new presence gets the default', async () => {
          const MINUTE = 60 * SECOND;
          await store.heartbeat(SUB, 'alice', ['a'], { now: T, timeoutMs: 5 * SECOND, defaultTimeoutMs: MINUTE });
          // No timeout: `a` keeps its 5 s, `b` (new) gets the default, on any node.
          expect((await other.heartbeat(SUB, 'alice', ['a', 'b'], { now: T + 2 * SECOND, defaultTimeoutMs: MINUTE })).joined).toEqual([
            { channel: 'b', occupancy: 1 },
          ]);
          expect(await expireAll(T + 7 * SECOND - 1)).toEqual([]);
          expect(await expireAll(T + 7 * SECOND)).toEqual([{ subKey: SUB, channel: 'a', uuid: 'alice', occupancy: 0, leaseUntil: T + 7 * SECOND + LEASE }]);
          // The default given when `b` joined is what `b` keeps, whatever the default now.
          await store.heartbeat(SUB, 'alice', ['b'], { now: T + 10 * SECOND, defaultTimeoutMs: SECOND });
          expect(await expireAll(T + 70 * SECOND - 1)).toEqual([]);
          // A timeout given replaces the remembered one.
          await other.heartbeat(SUB, 'alice', ['b'], { now: T + 20 * SECOND, timeoutMs: 3 * SECOND, defaultTimeoutMs: MINUTE });
          await store.heartbeat(SUB, 'alice', ['b'], { now: T + 21 * SECOND, defaultTimeoutMs: MINUTE });
          expect(await expireAll(T + 24 * SECOND - 1)).toEqual([]);
          expect(await expireAll(T + 24 * SECOND)).toEqual([{ subKey: SUB, channel: 'b', uuid: 'alice', occupancy: 0, leaseUntil: T + 24 * SECOND + LEASE }]);
        });

        it('forgets the remembered timeout with the presence, on timeout and on leave', async () => {
          const MINUTE = 60 * SECOND;
          await store.heartbeat(SUB, 'alice', ['a', 'b'], { now: T, timeoutMs: 2 * SECOND, defaultTimeoutMs: MINUTE });
          await store.leave(SUB, 'alice', ['b']);
          expect(await expireAll(T + 2 * SECOND)).toEqual([{ subKey: SUB, channel: 'a', uuid: 'alice', occupancy: 0, leaseUntil: T + 2 * SECOND + LEASE }]);
          // Present again without a timeout: the default, not the 2 s of before.
          const back = await other.heartbeat(SUB, 'alice', ['a', 'b'], { now: T + 3 * SECOND, defaultTimeoutMs: MINUTE });
          expect(back.joined.map(({ channel }) => channel)).toEqual(['a', 'b']);
          expect(await expireAll(T + 63 * SECOND - 1)).toEqual([]);
          expect((await expireAll(T + 63 * SECOND)).map(({ channel }) => channel).sort()).toEqual(['a', 'b']);
        });

        it('joins again after a leave', async () => {
          await store.heartbeat(SUB, 'alice', ['a'], lastingUntil(AT));
          await store.leave(SUB, 'alice', ['a']);
          expect((await store.heartbeat(SUB, 'alice', ['a'], lastingUntil(AT))).joined).toEqual([{ channel: 'a', occupancy: 1 }]);
        });
      });

      describe('expire', () => {
        it('removes presences expired at or before now, oldest first, at most `limit` a call', async () => {
          await store.heartbeat(SUB, 'late', ['a'], lastingUntil(T + 30 * SECOND));
          await store.heartbeat(SUB, 'first', ['a', 'b'], lastingUntil(T + 10 * SECOND));
          await store.heartbeat(SUB, 'second', ['a'], lastingUntil(T + 20 * SECOND));
          expect(await store.expire(T + 9_999, 10, LEASE)).toEqual([]);
          const one = await store.expire(T + 20 * SECOND, 1, LEASE);
          const rest = await store.expire(T + 20 * SECOND, 10, LEASE);
          expect(one).toHaveLength(1);
          expect([...one, ...rest].map(({ uuid, channel }) => `${uuid} ${channel}`)).toEqual([
            expect.stringMatching(/^first /),
            expect.stringMatching(/^first /),
            'second a',
          ]);
          expect([...one, ...rest].find((gone) => gone.channel === 'b')).toEqual({
            subKey: SUB,
            channel: 'b',
            uuid: 'first',
            occupancy: 0,
            leaseUntil: T + 20 * SECOND + LEASE,
          });
          expect(rest.at(-1)).toEqual({ subKey: SUB, channel: 'a', uuid: 'second', occupancy: 1, leaseUntil: T + 20 * SECOND + LEASE });
          expect(await store.expire(T + 20 * SECOND, 10, LEASE)).toEqual([]);
          expect(await store.whereNow(SUB, 'first')).toEqual([]);
          expect(await store.present(SUB, 'a', 0, 10, false)).toEqual([{ uuid: 'late' }]);
          expect(await store.expire(T + 20 * SECOND, 0, LEASE)).toEqual([]);
        });

        it('hands each expired presence to exactly one caller when two nodes sweep at once', async () => {
          const uuids = Array.from({ length: 60 }, (_, i) => `user-${i}`);
          for (const uuid of uuids) await store.heartbeat(SUB, uuid, ['a', 'b', 'c'], lastingUntil(T + (uuids.indexOf(uuid) % 7) * SECOND));
          await store.heartbeat(SUB, 'stays', ['a'], lastingUntil(AT));
          const sweep = (from: PresenceStore) => expireAll(T + 10 * SECOND, from, 7);
          const swept = (await Promise.all([sweep(store), sweep(other), sweep(store), sweep(other)])).flat();
          const claimed = swept.map(({ uuid, channel }) => `${uuid} ${channel}`);
          expect(claimed).toHaveLength(180);
          expect(new Set(claimed).size).toBe(180);
          expect(await store.occupancy(SUB, ['a', 'b', 'c'])).toEqual(
            new Map([
              ['a', 1],
              ['b', 0],
              ['c', 0],
            ]),
          );
          // The last one out of each channel saw it empty.
          for (const channel of ['b', 'c']) expect(swept.filter((gone) => gone.channel === channel).map((gone) => gone.occupancy)).toContain(0);
        });
      });

      describe('claims (expire’s lease)', () => {
        const alice = { subKey: SUB, channel: 'a', uuid: 'alice' };

        it('hands a timeout not announced out again once its lease ends, not before, with the occupancy then', async () => {
          await store.heartbeat(SUB, 'alice', ['a'], lastingUntil(T + SECOND));
          await store.heartbeat(SUB, 'bob', ['a'], lastingUntil(AT));
          expect(await store.expire(T + SECOND, 10, LEASE)).toEqual([{ ...alice, occupancy: 1, leaseUntil: T + SECOND + LEASE }]);
          const due = T + SECOND + LEASE;
          expect(await other.expire(due - 1, 10, LEASE)).toEqual([]);
          expect(await store.expire(due - 1, 10, LEASE)).toEqual([]);
          await store.leave(SUB, 'bob', ['a']);
          // Any node may take it over (the one that took it may be dead), with the occupancy now.
          expect(await other.expire(due, 10, LEASE)).toEqual([{ ...alice, occupancy: 0, leaseUntil: due + LEASE }]);
          // Leased again from then.
          expect(await store.expire(due + LEASE - 1, 10, LEASE)).toEqual([]);
          expect(await store.expire(due + LEASE, 10, LEASE)).toEqual([{ ...alice, occupancy: 0, leaseUntil: due + 2 * LEASE }]);
          expect(await store.whereNow(SUB, 'alice')).toEqual([]);
        });

        it('never hands out again a timeout announced; announced is idempotent and ignores claims it does not hold', async () => {
          await store.heartbeat(SUB, 'alice', ['a', 'b'], lastingUntil(T + SECOND));
          const claims = await store.expire(T + SECOND, 10, LEASE);
          expect(claims.map(({ channel }) => channel).sort()).toEqual(['a', 'b']);
          const onA = claims.filter(({ channel }) => channel === 'a');
          await other.announced(onA);
          await store.announced(onA);
          await store.announced([]);
          // Neither names a claim held: another keyset's alice on `b` is not this one.
          await other.announced([
            { subKey: SUB, channel: 'never', uuid: 'nobody', occupancy: 3, leaseUntil: T + SECOND + LEASE },
            { subKey: OTHER_SUB, channel: 'b', uuid: 'alice', occupancy: 0, leaseUntil: T + SECOND + LEASE },
          ]);
          const again = await other.expire(T + SECOND + LEASE, 10, LEASE);
          expect(again).toEqual([{ subKey: SUB, channel: 'b', uuid: 'alice', occupancy: 0, leaseUntil: T + SECOND + 2 * LEASE }]);
          // The first hand-out's settle comes late: `b` was handed out again since, and stays claimed.
          await store.announced(claims);
          expect(await store.expire(T + SECOND + 2 * LEASE, 10, LEASE)).toEqual([{ ...again[0]!, leaseUntil: T + SECOND + 3 * LEASE }]);
          await other.announced(await store.expire(T + SECOND + 3 * LEASE, 10, LEASE));
          expect(await store.expire(AT + 10 * LEASE, 10, LEASE)).toEqual([]);
        });

        it('a late settle of a timeout does not settle the next timeout of the same presence', async () => {
          await store.heartbeat(SUB, 'alice', ['a'], lastingUntil(T + SECOND));
          const first = await store.expire(T + SECOND, 10, LEASE);
          // Back, and timed out again, handed to the other node, whose announce then fails.
          await other.heartbeat(SUB, 'alice', ['a'], lastingUntil(T + 3 * SECOND));
          const second = await other.expire(T + 3 * SECOND, 10, LEASE);
          expect(second).toEqual([{ subKey: SUB, channel: 'a', uuid: 'alice', occupancy: 0, leaseUntil: T + 3 * SECOND + LEASE }]);
          await store.announced(first);
          expect(await store.expire(T + 3 * SECOND + LEASE, 10, LEASE)).toEqual([{ ...second[0]!, leaseUntil: T + 3 * SECOND + 2 * LEASE }]);
        });

        it('drops a timeout not announced once its uuid joined the channel again, whether still there or gone again', async () => {
          await store.heartbeat(SUB, 'alice', ['a', 'b'], lastingUntil(T + SECOND));
          expect(await store.expire(T + SECOND, 10, LEASE)).toHaveLength(2);
          // Back on both (those joins are announced after the timeouts), then gone from `b` by a leave.
          expect((await other.heartbeat(SUB, 'alice', ['a', 'b'], lastingUntil(AT))).joined).toHaveLength(2);
          await other.leave(SUB, 'alice', ['b']);
          expect(await store.expire(T + SECOND + LEASE, 10, LEASE)).toEqual([]);
          expect(await store.whereNow(SUB, 'alice')).toEqual(['a']);
          // Its next timeout is handed out as any other.
          expect(await expireAll(AT)).toEqual([{ ...alice, occupancy: 0, leaseUntil: AT + LEASE }]);
          expect(await store.expire(AT + LEASE, 10, LEASE)).toEqual([]);
        });

        it('hands out timeouts due again before new ones, within the same limit', async () => {
          await store.heartbeat(SUB, 'alice', ['a'], lastingUntil(T + SECOND));
          await store.heartbeat(SUB, 'bob', ['a'], lastingUntil(T + 2 * SECOND));
          expect(await store.expire(T + SECOND, 10, LEASE)).toEqual([{ ...alice, occupancy: 1, leaseUntil: T + SECOND + LEASE }]);
          // Bob expired before alice's lease ended; she still comes first.
          const due = T + SECOND + LEASE;
          expect(await other.expire(due, 1, LEASE)).toEqual([{ ...alice, occupancy: 1, leaseUntil: due + LEASE }]);
          expect(await other.expire(due, 1, LEASE)).toEqual([{ subKey: SUB, channel: 'a', uuid: 'bob', occupancy: 0, leaseUntil: due + LEASE }]);
          expect(await store.expire(due, 10, LEASE)).toEqual([]);
          expect(await store.expire(due + LEASE, 10, LEASE)).toHaveLength(2);
        });

        it('hands each timeout to one caller per lease when two nodes sweep at once', async () => {
          const uuids = Array.from({ length: 40 }, (_, i) => `user-${i}`);
          for (const [i, uuid] of uuids.entries()) await store.heartbeat(SUB, uuid, ['a', 'b', 'c'], lastingUntil(T + (i % 4) * SECOND));
          await store.heartbeat(SUB, 'stays', ['a'], lastingUntil(AT));
          const sweepAt = async (now: number) => {
            const swept = await Promise.all([store, other, store, other].map((from) => expireAll(now, from, 7, false)));
            return swept.flat();
          };
          const named = (claims: ExpiredPresence[]) => claims.map(({ uuid, channel }) => `${uuid} ${channel}`).sort();
          const everyone = uuids.flatMap((uuid) => ['a', 'b', 'c'].map((channel) => `${uuid} ${channel}`)).sort();
          const start = T + 4 * SECOND;
          expect(named(await sweepAt(start))).toEqual(everyone);
          expect(await sweepAt(start + LEASE - 1)).toEqual([]);
          const again = await sweepAt(start + LEASE);
          expect(named(again)).toEqual(everyone);
          expect(new Set(again.map(({ channel, occupancy }) => `${channel} ${occupancy}`))).toEqual(new Set(['a 1', 'b 0', 'c 0']));
          // Settled on `a` by one node and on `b` by the other: only `c` comes back, once each.
          await Promise.all([store.announced(again.filter(({ channel }) => channel === 'a')), other.announced(again.filter(({ channel }) => channel === 'b'))]);
          expect(named(await sweepAt(start + 2 * LEASE))).toEqual(uuids.map((uuid) => `${uuid} c`).sort());
        });
      });

      describe('state', () => {
        it('sets state by heartbeat, reporting a change only when it differs (whatever the key order)', async () => {
          const outcome = await store.heartbeat(SUB, 'alice', ['a', 'b'], lastingUntil(AT), new Map([['a', { mood: 'ok', n: 1 }]]));
          expect(outcome).toEqual({
            joined: [
              { channel: 'a', occupancy: 1 },
              { channel: 'b', occupancy: 1 },
            ],
            stateChanged: [{ channel: 'a', occupancy: 1 }],
          });
          expect((await other.heartbeat(SUB, 'alice', ['a'], lastingUntil(AT), new Map([['a', { n: 1, mood: 'ok' }]]))).stateChanged).toEqual([]);
          expect((await store.heartbeat(SUB, 'alice', ['a', 'b'], lastingUntil(AT))).stateChanged).toEqual([]);
          expect(await store.getState(SUB, 'alice', ['a', 'b'])).toEqual(new Map([['a', { mood: 'ok', n: 1 }]]));
          const changed = await store.heartbeat(SUB, 'alice', ['a', 'b'], lastingUntil(AT), new Map([['b', { nested: { list: [1, 'two'], deep: null } }]]));
          expect(changed.stateChanged).toEqual([{ channel: 'b', occupancy: 1 }]);
          expect((await store.getState(SUB, 'alice', ['b'])).get('b')).toEqual({ nested: { list: [1, 'two'], deep: null } });
          expect((await store.heartbeat(SUB, 'alice', ['b'], lastingUntil(AT), new Map([['b', {}]]))).stateChanged).toEqual([{ channel: 'b', occupancy: 1 }]);
          expect(await store.getState(SUB, 'alice', ['b'])).toEqual(new Map());
        });

        it('sets, replaces and clears state with setState, reporting the channels the uuid is present on', async () => {
          await store.heartbeat(SUB, 'alice', ['a', 'b'], lastingUntil(AT));
          await store.heartbeat(SUB, 'bob', ['a'], lastingUntil(AT));
          expect(await store.setState(SUB, 'alice', ['a', 'b'], { status: 'busy' }, AT)).toEqual([
            { channel: 'a', occupancy: 2 },
            { channel: 'b', occupancy: 1 },
          ]);
          expect(await other.setState(SUB, 'alice', ['a'], { status: 'busy' }, AT)).toEqual([]);
          expect(await other.setState(SUB, 'alice', ['a'], { status: 'away' }, AT)).toEqual([{ channel: 'a', occupancy: 2 }]);
          expect(await store.getState(SUB, 'alice', ['a', 'b', 'c'])).toEqual(
            new Map([
              ['a', { status: 'away' }],
              ['b', { status: 'busy' }],
            ]),
          );
          expect(await store.setState(SUB, 'alice', ['b'], {}, AT)).toEqual([{ channel: 'b', occupancy: 1 }]);
          expect(await store.setState(SUB, 'alice', ['b'], {}, AT)).toEqual([]);
          expect([...(await store.getState(SUB, 'alice', ['a', 'b'])).keys()]).toEqual(['a']);
        });

        it('hands out copies: changing a state read does not change the stored one', async () => {
          await store.setState(SUB, 'alice', ['a'], { list: [1] }, AT);
          const read = (await store.getState(SUB, 'alice', ['a'])).get('a')!;
          (read['list'] as number[]).push(2);
          expect((await store.getState(SUB, 'alice', ['a'])).get('a')).toEqual({ list: [1] });
        });

        it('drops the state with the presence on leave and on timeout', async () => {
          await store.heartbeat(SUB, 'alice', ['a', 'b'], lastingUntil(T + SECOND), new Map([['a', { x: 1 }]]));
          await store.setState(SUB, 'alice', ['b'], { y: 2 }, AT);
          await store.leave(SUB, 'alice', ['a']);
          expect(await store.getState(SUB, 'alice', ['a', 'b'])).toEqual(new Map([['b', { y: 2 }]]));
          await other.expire(T + SECOND, 10, LEASE);
          expect(await store.getState(SUB, 'alice', ['a', 'b'])).toEqual(new Map());
          // Joining again starts without it.
          await store.heartbeat(SUB, 'alice', ['b'], lastingUntil(AT));
          expect(await store.getState(SUB, 'alice', ['b'])).toEqual(new Map());
        });

        it('keeps a state set where the uuid is not present until keepUntil, and with the presence once it joins', async () => {
          expect(await store.setState(SUB, 'alice', ['a', 'b'], { ready: true }, T + 10 * SECOND)).toEqual([]);
          expect(await store.getState(SUB, 'alice', ['a', 'b'])).toEqual(
            new Map([
              ['a', { ready: true }],
              ['b', { ready: true }],
            ]),
          );
          expect(await store.whereNow(SUB, 'alice')).toEqual([]);
          // Joining `a` ties its state to the presence, which lasts past keepUntil.
          expect((await store.heartbeat(SUB, 'alice', ['a'], lastingUntil(T + 30 * SECOND))).stateChanged).toEqual([]);
          expect(await store.forgetStates(T + 9 * SECOND, 10)).toBe(0);
          expect((await store.getState(SUB, 'alice', ['b'])).size).toBe(1);
          expect(await other.forgetStates(T + 10 * SECOND, 10)).toBe(1);
          expect(await store.getState(SUB, 'alice', ['a', 'b'])).toEqual(new Map([['a', { ready: true }]]));
          // A later setState pushes keepUntil on.
          await store.setState(SUB, 'alice', ['c'], { v: 1 }, T + 40 * SECOND);
          await store.setState(SUB, 'alice', ['c'], { v: 2 }, T + 50 * SECOND);
          // Alice's presence on `a` times out, taking its state; `c`'s keepUntil is not yet due.
          expect(await expireAll(T + 45 * SECOND)).toHaveLength(1);
          expect(await store.forgetStates(T + 45 * SECOND, 10)).toBe(0);
          expect(await store.getState(SUB, 'alice', ['a', 'c'])).toEqual(new Map([['c', { v: 2 }]]));
          expect(await store.forgetStates(T + 50 * SECOND, 10)).toBe(1);
          expect(await store.getState(SUB, 'alice', ['c'])).toEqual(new Map());
        });

        it('a leave drops a kept state too', async () => {
          await store.setState(SUB, 'alice', ['a'], { ready: true }, AT);
          expect(await store.leave(SUB, 'alice', ['a'])).toEqual([]);
          expect(await store.getState(SUB, 'alice', ['a'])).toEqual(new Map());
        });
      });

      describe('forgetStates', () => {
        /** Forgets everything due at `now` from `from`, in rounds of `limit`; how many it forgot. */
        const forgetAll = async (now: number, from: PresenceStore, limit: number): Promise<number> => {
          let total = 0;
          for (let round = await from.forgetStates(now, limit); round > 0; round = await from.forgetStates(now, limit)) total += round;
          return total;
        };

        it('forgets kept states whose keepUntil is at or before now, earliest first, at most `limit` a call', async () => {
          await store.setState(SUB, 'third', ['a'], { n: 3 }, T + 3 * SECOND);
          await store.setState(SUB, 'first', ['a', 'b'], { n: 1 }, T + SECOND);
          await store.setState(OTHER_SUB, 'second', ['a'], { n: 2 }, T + 2 * SECOND);
          const kept = async () => [
            ...(await store.getState(SUB, 'first', ['a', 'b'])).keys(),
            ...(await store.getState(OTHER_SUB, 'second', ['a'])).keys(),
            ...(await store.getState(SUB, 'third', ['a'])).keys(),
          ];
          expect(await store.forgetStates(T + SECOND - 1, 10)).toBe(0);
          expect(await store.forgetStates(T + 3 * SECOND, 0)).toBe(0);
          expect(await kept()).toHaveLength(4);
          expect(await store.forgetStates(T + 3 * SECOND, 1)).toBe(1);
          expect((await kept()).length).toBe(3);
          expect((await store.getState(SUB, 'first', ['a', 'b'])).size).toBe(1);
          expect(await other.forgetStates(T + 3 * SECOND, 2)).toBe(2);
          expect(await store.getState(SUB, 'third', ['a'])).toEqual(new Map([['a', { n: 3 }]]));
          expect(await store.forgetStates(T + 3 * SECOND - 1, 10)).toBe(0);
          expect(await store.forgetStates(T + 3 * SECOND, 10)).toBe(1);
          expect(await kept()).toEqual([]);
          expect(await store.forgetStates(AT, 10)).toBe(0);
        });

        it('is the only way kept states go: expire leaves them, and a presence’s expiry does not count', async () => {
          await store.setState(SUB, 'alice', ['a'], { ready: true }, T + SECOND);
          expect(await expireAll(AT)).toEqual([]);
          expect((await store.getState(SUB, 'alice', ['a'])).size).toBe(1);
          expect(await store.forgetStates(T + SECOND, 10)).toBe(1);
          expect(await store.getState(SUB, 'alice', ['a'])).toEqual(new Map());
        });

        it('leaves alone the states of uuids present on the channel', async () => {
          await store.heartbeat(SUB, 'alice', ['a'], lastingUntil(AT), new Map([['a', { by: 'heartbeat' }]]));
          await store.setState(SUB, 'bob', ['a'], { by: 'kept, then joined' }, T + SECOND);
          await store.heartbeat(SUB, 'bob', ['a'], lastingUntil(AT));
          await store.setState(SUB, 'alice', ['a'], { by: 'set while present' }, T + SECOND);
          await store.setState(SUB, 'alice', ['b'], { by: 'kept' }, T + SECOND);
          expect(await other.forgetStates(AT - 1, 100)).toBe(1);
          expect(await store.getState(SUB, 'alice', ['a', 'b'])).toEqual(new Map([['a', { by: 'set while present' }]]));
          expect(await store.getState(SUB, 'bob', ['a'])).toEqual(new Map([['a', { by: 'kept, then joined' }]]));
          // Once their presences time out, their states went with them: nothing is left to forget.
          expect(await expireAll(AT)).toHaveLength(2);
          expect(await store.forgetStates(AT, 100)).toBe(0);
          expect(await store.getState(SUB, 'bob', ['a'])).toEqual(new Map());
        });

        it('forgets each kept state once when two nodes forget at once', async () => {
          const uuids = Array.from({ length: 60 }, (_, i) => `user-${i}`);
          for (const [i, uuid] of uuids.entries()) await store.setState(SUB, uuid, ['a', 'b', 'c'], { i }, T + (i % 7) * SECOND);
          await store.setState(SUB, 'later', ['a'], { i: -1 }, AT);
          const counts = await Promise.all([store, other, store, other].map((from) => forgetAll(T + 10 * SECOND, from, 7)));
          expect(counts.reduce((sum, count) => sum + count, 0)).toBe(180);
          for (const uuid of uuids) expect(await other.getState(SUB, uuid, ['a', 'b', 'c'])).toEqual(new Map());
          expect(await store.getState(SUB, 'later', ['a'])).toEqual(new Map([['a', { i: -1 }]]));
        });
      });

      describe('where-now and here-now', () => {
        it('lists the channels a uuid is present on, sorted by code point', async () => {
          const channels = ['b', 'a', '\uff5e', '😀', 'A', 'a:b'];
          await store.heartbeat(SUB, 'alice', channels, lastingUntil(AT));
          expect(await other.whereNow(SUB, 'alice')).toEqual(['A', 'a', 'a:b', 'b', '\uff5e', '😀']);
          expect(await store.whereNow(SUB, 'nobody')).toEqual([]);
        });

        it('pages the uuids present sorted by code point, with their state when asked', async () => {
          const uuids = [...AWKWARD, ...Array.from({ length: 30 }, (_, i) => `user-${String(i).padStart(2, '0')}`)];
          for (const uuid of uuids) await store.heartbeat(SUB, uuid, ['room'], lastingUntil(AT));
          await store.setState(SUB, 'zoë', ['room'], { role: 'host' }, AT);
          await store.setState(SUB, 'a', ['elsewhere'], { role: 'away' }, AT);
          const sorted = byCodePoint(uuids);
          const pages = [];
          for (let offset = 0; offset < uuids.length + 10; offset += 10) pages.push(...(await other.present(SUB, 'room', offset, 10, true)));
          expect(pages.map((present) => present.uuid)).toEqual(sorted);
          expect(pages.filter((present) => present.state !== undefined)).toEqual([{ uuid: 'zoë', state: { role: 'host' } }]);
          const plain = await store.present(SUB, 'room', 0, uuids.length, false);
          expect(plain.map((present) => present.uuid)).toEqual(sorted);
          expect(plain.every((present) => !('state' in present))).toBe(true);
          expect(await store.present(SUB, 'room', uuids.length, 10, true)).toEqual([]);
          expect(await store.present(SUB, 'room', 0, 0, true)).toEqual([]);
          expect(await store.present(SUB, 'nowhere', 0, 10, true)).toEqual([]);
        });
      });

      describe('names and keysets', () => {
        it('keeps keysets apart: the same channel and uuid in two keysets are two presences', async () => {
          await store.heartbeat(SUB, 'alice', ['a'], lastingUntil(T + SECOND), new Map([['a', { in: SUB }]]));
          await store.heartbeat(OTHER_SUB, 'alice', ['a'], lastingUntil(AT), new Map([['a', { in: OTHER_SUB }]]));
          expect((await store.occupancy(OTHER_SUB, ['a'])).get('a')).toBe(1);
          expect(await store.leave(OTHER_SUB, 'alice', ['a'])).toEqual([{ channel: 'a', occupancy: 0 }]);
          expect(await store.whereNow(SUB, 'alice')).toEqual(['a']);
          expect(await store.getState(SUB, 'alice', ['a'])).toEqual(new Map([['a', { in: SUB }]]));
          await store.heartbeat(OTHER_SUB, 'alice', ['a'], lastingUntil(AT));
          expect(await store.expire(T + SECOND, 10, LEASE)).toEqual([
            { subKey: SUB, channel: 'a', uuid: 'alice', occupancy: 0, leaseUntil: T + SECOND + LEASE },
          ]);
          expect(await store.whereNow(OTHER_SUB, 'alice')).toEqual(['a']);
          await store.markBusy(OTHER_SUB, 'a');
          expect(await store.busy()).toEqual([{ subKey: OTHER_SUB, channel: 'a' }]);
          expect(await store.interval(SUB, 'a', T, SECOND, 0)).toBeUndefined();
        });

        it('keeps apart names that join into the same text (keys are built from names)', async () => {
          // Pairs of keyset and channel (and channel and uuid) that would read the same if their names were simply joined.
          const places: [string, string, string][] = [
            ['k', 'a:b', 'u'],
            ['k:a', 'b', 'u'],
            ['k', 'a', 'b:u'],
            ['1:k', 'a', 'u'],
            ['k', '1:a', 'v'],
            ['k', 'a', '1:u'],
            ['k1:a', 'u', 'x'],
            ['k', 'a:b:u', 'x'],
          ];
          const stateOf = (place: readonly string[]) => ({ at: place.join('|') });
          for (const place of places) await store.heartbeat(place[0], place[2], [place[1]], lastingUntil(AT), new Map([[place[1], stateOf(place)]]));
          for (const [subKey, channel, uuid] of places) {
            const here = places.filter((place) => place[0] === subKey && place[1] === channel);
            const present = byCodePoint(here.map((place) => place[2])).map((id) => ({ uuid: id, state: stateOf([subKey, channel, id]) }));
            expect(await store.present(subKey, channel, 0, 10, true)).toEqual(present);
            const where = places.filter((place) => place[0] === subKey && place[2] === uuid).map((place) => place[1]);
            expect(await store.whereNow(subKey, uuid)).toEqual(byCodePoint(where));
            await store.markBusy(subKey, channel);
          }
          expect(new Set((await store.busy()).map(({ subKey, channel }) => `${subKey}|${channel}`))).toEqual(new Set(places.map(([s, c]) => `${s}|${c}`)));
          const expired = await other.expire(AT, 100, LEASE);
          expect(expired.map(({ subKey, channel, uuid }) => `${subKey}|${channel}|${uuid}`).sort()).toEqual(places.map((place) => place.join('|')).sort());
        });
      });

      describe('interval mode', () => {
        it('lists each busy channel once, and keeps its changes for the next interval', async () => {
          await store.heartbeat(SUB, 'alice', ['busy'], lastingUntil(AT));
          await store.heartbeat(SUB, 'bob', ['busy'], lastingUntil(AT));
          await store.markBusy(SUB, 'busy');
          await other.markBusy(SUB, 'busy');
          expect(await store.busy()).toEqual([{ subKey: SUB, channel: 'busy' }]);
          await store.noteDelta(SUB, 'busy', 'join', 'alice', 10);
          await other.noteDelta(SUB, 'busy', 'join', 'bob', 10);
          await store.noteDelta(SUB, 'busy', 'leave', 'carol', 10);
          await store.noteDelta(SUB, 'busy', 'timeout', 'dave', 10);
          expect(await store.interval(SUB, 'busy', T, 10 * SECOND, 1)).toEqual({
            occupancy: 2,
            join: ['alice', 'bob'],
            leave: ['carol'],
            timeout: ['dave'],
            overflow: false,
          });
          expect(await other.interval(SUB, 'busy', T + 9_999, 10 * SECOND, 1)).toBeUndefined();
          expect(await other.interval(SUB, 'busy', T + 10 * SECOND, 10 * SECOND, 1)).toEqual({
            occupancy: 2,
            join: [],
            leave: [],
            timeout: [],
            overflow: false,
          });
          expect(await store.interval(SUB, 'quiet', T, 10 * SECOND, 1)).toBeUndefined();
          await store.markBusy(SUB, 'quiet');
          expect(await store.interval(SUB, 'quiet', T, 10 * SECOND, 1)).toEqual({ occupancy: 0, join: [], leave: [], timeout: [], overflow: false });
        });

        it('claims each interval on one node only when two claim it at once', async () => {
          await store.markBusy(SUB, 'busy');
          await store.heartbeat(SUB, 'alice', ['busy'], lastingUntil(AT));
          for (const now of [T, T + 10 * SECOND, T + 20 * SECOND]) {
            const claims = await Promise.all([store.interval(SUB, 'busy', now, 10 * SECOND, 0), other.interval(SUB, 'busy', now, 10 * SECOND, 0)]);
            expect(claims.filter((claim) => claim !== undefined)).toEqual([{ occupancy: 1, join: [], leave: [], timeout: [], overflow: false }]);
          }
        });

        it('keeps at most maxDeltas changes and then says it overflowed', async () => {
          await store.markBusy(SUB, 'busy');
          for (const uuid of ['a', 'b', 'c', 'd']) await store.noteDelta(SUB, 'busy', 'join', uuid, 3);
          expect(await store.interval(SUB, 'busy', T, SECOND, -1)).toEqual({ occupancy: 0, join: ['a', 'b', 'c'], leave: [], timeout: [], overflow: true });
          await store.noteDelta(SUB, 'busy', 'leave', 'a', 3);
          expect(await store.interval(SUB, 'busy', T + SECOND, SECOND, -1)).toEqual({ occupancy: 0, join: [], leave: ['a'], timeout: [], overflow: false });
        });

        it('leaves interval mode once the occupancy is down to quiet', async () => {
          for (const uuid of ['a', 'b', 'c']) await store.heartbeat(SUB, uuid, ['busy'], lastingUntil(AT));
          await store.markBusy(SUB, 'busy');
          expect((await store.interval(SUB, 'busy', T, SECOND, 2))?.occupancy).toBe(3);
          await store.leave(SUB, 'c', ['busy']);
          await store.noteDelta(SUB, 'busy', 'leave', 'c', 10);
          // The interval that finds it quiet is still handed out, with what it kept.
          expect(await other.interval(SUB, 'busy', T + SECOND, SECOND, 2)).toEqual({ occupancy: 2, join: [], leave: ['c'], timeout: [], overflow: false });
          expect(await store.busy()).toEqual([]);
          expect(await store.interval(SUB, 'busy', T + 2 * SECOND, SECOND, 2)).toBeUndefined();
          // A change kept after the mode ended (a node that saw it busy a moment before) puts it back, so the change is reported.
          await store.noteDelta(SUB, 'busy', 'join', 'late', 10);
          expect(await store.busy()).toEqual([{ subKey: SUB, channel: 'busy' }]);
          expect(await store.interval(SUB, 'busy', T + 2 * SECOND, SECOND, 2)).toEqual({
            occupancy: 2,
            join: ['late'],
            leave: [],
            timeout: [],
            overflow: false,
          });
        });
      });

      it('refuses calls once closed', async () => {
        const [closing, twin] = await options.open();
        await closing.heartbeat(SUB, 'alice', ['a'], lastingUntil(AT));
        await closing.close();
        await expect(closing.heartbeat(SUB, 'alice', ['a'], lastingUntil(AT))).rejects.toThrow();
        await expect(closing.present(SUB, 'a', 0, 10, false)).rejects.toThrow();
        if (twin !== closing) await twin.close();
      });

      describe('bounds', () => {
        it('pages and counts 10,000 uuids on one channel without sorting them for each call', { timeout: 120_000 }, async () => {
          const uuids = Array.from({ length: 10_000 }, (_, i) => `u-${(i * 7919) % 10_000}-${i % 3 === 0 ? 'é' : 'e'}`);
          for (let i = 0; i < uuids.length; i += 500)
            await Promise.all(uuids.slice(i, i + 500).map((uuid) => store.heartbeat(SUB, uuid, ['crowd'], lastingUntil(AT))));
          const sorted = byCodePoint(uuids);
          expect((await store.occupancy(SUB, ['crowd'])).get('crowd')).toBe(10_000);
          expect((await store.present(SUB, 'crowd', 9000, 1000, false)).map((present) => present.uuid)).toEqual(sorted.slice(9000));
          const started = performance.now();
          for (let i = 0; i < 20; i++) {
            await other.present(SUB, 'crowd', 9000, 1000, true);
            await other.occupancy(SUB, ['crowd']);
          }
          // Sorting 10,000 uuids per call costs several milliseconds; a slice of a sorted list or a ZRANGE costs far less.
          expect((performance.now() - started) / 20).toBeLessThan(25);
          expect(await expireAll(AT)).toHaveLength(10_000);
        });
      });
    },
  );
}
