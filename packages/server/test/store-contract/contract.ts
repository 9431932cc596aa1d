import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type KeysetLimits } from '../../src/model/keyset.ts';
import { checkPrecondition, decideMembership, decideObject } from '../../src/objects/apply.ts';
import { membershipBatch } from '../../src/objects/membership-rules.ts';
import type { ChannelRecord, MembershipPatch, UuidRecord } from '../../src/model/records.ts';
import type { Cursor } from '../../src/query/cursor.ts';
import type { Resource } from '../../src/query/fields.ts';
import { parseFilter } from '../../src/query/filter/parser.ts';
import { parseSort } from '../../src/query/sort.ts';
import type { ListQuery, MembershipBatch, MembershipCounts, MembershipEnds, OutboxRecord, Store } from '../../src/store/store.ts';
import { channelGroupsContract } from './channel-groups.ts';
import { collationContract } from './collation.ts';
import { keysetsContract } from './keysets.ts';
import { likeContract } from './like.ts';
import { messagesContract } from './messages.ts';
import { restartContract, type RestartOptions } from './restart.ts';

/**
 * The behaviour every Store implementation must have. Each backend's test file calls
 * `runStoreContract` with a factory for an empty store, or with the reason it cannot run here
 * (a server that is not reachable, say), which the test report then shows.
 *
 * @example runStoreContract({ name: 'SQLite (in memory)', create: async () => createStore({ db: ':memory:', synchronous: 'normal' }) });
 */
export interface ContractOptions {
  name: string;
  create: () => Promise<Store>;
  /** Why the suite is skipped for this backend; it runs when undefined. */
  skip?: string | undefined;
  /** How to make databases that outlive a store, for the tests of starting and restarting; none for a store in memory. */
  restart?: RestartOptions;
}

const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };
const SUB = 'sub-a';
/** Far in the future, in unix seconds: a revocation that is still in force. */
const NEVER_EXPIRES = 4_102_444_800;

function query(
  resource: Resource,
  options: { ownerId?: string; filter?: string; sort?: string[]; cursor?: Cursor | undefined; limit?: number } = {},
): ListQuery {
  return {
    subKey: SUB,
    resource,
    ownerId: options.ownerId,
    filter: options.filter ? parseFilter(options.filter) : undefined,
    sort: parseSort(resource, options.sort ?? []),
    cursor: options.cursor,
    limit: options.limit ?? 100,
    count: true,
    withRelated: true,
  };
}

interface BatchKeyset {
  referentialIntegrity?: boolean;
  limits?: Partial<KeysetLimits>;
}

/** A membership PATCH as the domain hands it to the store (objects/membership-rules.ts). */
function batch(
  side: 'uuid' | 'channel',
  ownerId: string,
  set: Record<string, MembershipPatch>,
  remove: string[] = [],
  keyset: BatchKeyset = {},
): MembershipBatch {
  return membershipBatch(
    { side, ownerId, body: { set: Object.entries(set).map(([otherId, patch]) => ({ otherId, patch })), delete: remove }, merge: false },
    { subscribeKey: SUB, referentialIntegrity: keyset.referentialIntegrity ?? false, limits: { ...DEFAULT_LIMITS, ...keyset.limits } },
  );
}

/** A batch setting plain memberships of `uuidId`, telling what the store reported to it. */
function reportingBatch(uuidId: string, channels: string[], lookUpEnds: boolean) {
  const ends: (MembershipEnds | undefined)[] = [];
  const counts: MembershipCounts[] = [];
  const reporting: MembershipBatch = {
    subKey: SUB,
    side: 'uuid',
    ownerId: uuidId,
    set: channels.map((channelId) => {
      const decide = decideMembership(uuidId, channelId, {}, { ...rules, location: 'set' });
      return {
        otherId: channelId,
        decide: (current, found) => {
          ends.push(found);
          return decide(current);
        },
      };
    }),
    delete: [],
    lookUpEnds,
    checkCounts: (after) => counts.push(after),
  };
  return { batch: reporting, ends, counts };
}

const settled = async <T>(attempts: Promise<T>[]) => {
  const outcomes = await Promise.allSettled(attempts);
  return {
    won: outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : [])),
    lost: outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : [])),
  };
};

/**
 * Reads at once, so that a store with a pool of connections has them open: the racing writes
 * that follow then really run at the same time rather than one per connection as it opens.
 */
const warm = async (store: Store) => {
  await Promise.all(Array.from({ length: 16 }, () => store.uuids.list(query('uuids'))));
};

export function runStoreContract({ name, create, skip, restart }: ContractOptions): void {
  const suite = skip === undefined ? describe : describe.skip;
  suite(skip === undefined ? `Store contract: ${name}` : `Store contract: ${name} (skipped: ${skip})`, () => {
    let store: Store;
    const setUser = (id: string, patch: Partial<UuidRecord>, subKey = SUB) => store.uuids.write(subKey, id, decideObject<UuidRecord>('uuid', id, patch, rules));
    const setChannel = (id: string, patch: Partial<ChannelRecord>) => store.channels.write(SUB, id, decideObject<ChannelRecord>('channel', id, patch, rules));

    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    it('answers a ping while open, and refuses one once closed', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await expect(store.ping()).rejects.toThrow();
      store = await create(); // for afterEach to close
    });

    it('creates, reads back and keeps an unchanged record as it was', async () => {
      const first = await setUser('alice', { name: 'Alice', custom: { age: 30 } });
      expect(first.changed).toBe(true);
      expect(await store.uuids.get(SUB, 'alice')).toEqual(first.record);
      const again = await setUser('alice', { name: 'Alice' });
      expect(again.changed).toBe(false);
      expect(again.record.eTag).toBe(first.record.eTag);
      expect(again.record.updated).toBe(first.record.updated);
    });

    it('writes nothing when decide throws', async () => {
      await setUser('alice', { name: 'Alice' });
      await expect(
        store.uuids.write(SUB, 'alice', () => {
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      expect((await store.uuids.get(SUB, 'alice'))?.name).toBe('Alice');
    });

    it('reads every write back, also after reading the object while it was missing', async () => {
      expect(await store.channels.get(SUB, 'room')).toBeUndefined();
      await setChannel('room', { name: 'Room' });
      expect((await store.channels.get(SUB, 'room'))?.name).toBe('Room');
      await setChannel('room', { name: 'Renamed' });
      expect((await store.channels.get(SUB, 'room'))?.name).toBe('Renamed');
      await store.channels.remove(SUB, 'room', { check: () => {}, cascade: true });
      expect(await store.channels.get(SUB, 'room')).toBeUndefined();
    });

    it('keeps subscribe keys apart', async () => {
      await setUser('alice', { name: 'in a' });
      await setUser('alice', { name: 'in b' }, 'sub-b');
      expect((await store.uuids.get(SUB, 'alice'))?.name).toBe('in a');
      expect((await store.uuids.get('sub-b', 'alice'))?.name).toBe('in b');
      expect((await store.uuids.list(query('uuids'))).rows.map((r) => r.name)).toEqual(['in a']);
    });

    it('removes an object, with its memberships only when cascading', async () => {
      await setUser('alice', { name: 'Alice' });
      await setUser('bob', { name: 'Bob' });
      await store.memberships.apply(batch('uuid', 'alice', { c1: {}, c2: {} }));
      await store.memberships.apply(batch('uuid', 'bob', { c1: {} }));
      const kept = await store.uuids.remove(SUB, 'bob', { check: () => {}, cascade: false });
      expect(kept.removed?.id).toBe('bob');
      expect(kept.memberOf).toEqual(['c1']);
      expect(await store.uuids.get(SUB, 'bob')).toBeUndefined();
      expect((await store.memberships.list(query('members', { ownerId: 'c1' }))).rows).toHaveLength(2);
      const cascaded = await store.uuids.remove(SUB, 'alice', { check: () => {}, cascade: true });
      expect(cascaded.cascaded.map((m) => m.channelId).sort()).toEqual(['c1', 'c2']);
      expect((await store.memberships.list(query('memberships', { ownerId: 'alice' }))).rows).toEqual([]);
      expect((await store.uuids.remove(SUB, 'nobody', { check: () => {}, cascade: true })).removed).toBeUndefined();
    });

    it('applies membership batches: set, unchanged re-set, delete', async () => {
      const first = await store.memberships.apply(batch('uuid', 'alice', { c1: { status: 'on' }, c2: {} }));
      expect(first.map((c) => `${c.kind}:${c.record.channelId}`)).toEqual(['set:c1', 'set:c2']);
      const second = await store.memberships.apply(batch('uuid', 'alice', { c1: { status: 'on' }, c3: {} }, ['c2', 'missing']));
      expect(second.map((c) => `${c.kind}:${c.record.channelId}`)).toEqual(['set:c3', 'delete:c2']);
      const members = await store.memberships.list(query('members', { ownerId: 'c1' }));
      expect(members.rows.map((r) => [r.uuidId, r.status])).toEqual([['alice', 'on']]);
    });

    it('enforces per-channel limits and referential integrity inside the transaction', async () => {
      const limited = batch('channel', 'c1', { u1: {}, u2: {}, u3: {} }, [], { limits: { maxMembershipsPerUser: 10, maxMembersPerChannel: 2 } });
      await expect(store.memberships.apply(limited)).rejects.toMatchObject({ status: 400 });
      expect((await store.memberships.list(query('members', { ownerId: 'c1' }))).rows).toEqual([]);
      const strict = batch('uuid', 'ghost', { c1: {} }, [], { referentialIntegrity: true, limits: { maxMembershipsPerUser: 10, maxMembersPerChannel: 10 } });
      await expect(store.memberships.apply(strict)).rejects.toMatchObject({ status: 400 });
    });

    it('tells each set item whether both ends of its pair exist, only when asked', async () => {
      await setUser('alice', { name: 'Alice' });
      await setChannel('c1', { name: 'One' });
      const asked = reportingBatch('alice', ['c1', 'c2'], true);
      await store.memberships.apply(asked.batch);
      expect(asked.ends).toEqual([
        { uuid: true, channel: true },
        { uuid: true, channel: false },
      ]);
      const ghost = reportingBatch('ghost', ['c1'], true);
      await store.memberships.apply(ghost.batch);
      expect(ghost.ends).toEqual([{ uuid: false, channel: true }]);
      const unasked = reportingBatch('alice', ['c3'], false);
      await store.memberships.apply(unasked.batch);
      expect(unasked.ends).toEqual([undefined]);
    });

    it('reports the counts after a batch that adds memberships, and rolls it back when the check throws', async () => {
      await store.memberships.apply(batch('uuid', 'alice', { c0: {} }));
      await store.memberships.apply(batch('uuid', 'bob', { c2: {} }));
      const adding = reportingBatch('alice', ['c2', 'c1', 'c0'], false);
      await store.memberships.apply(adding.batch);
      expect(adding.counts).toHaveLength(1);
      expect([...adding.counts[0]!.ofUser]).toEqual([['alice', 3]]);
      expect([...adding.counts[0]!.ofChannel]).toEqual([
        ['c2', 2],
        ['c1', 1],
      ]);
      // Re-setting what is stored adds nothing: there is nothing to count.
      const again = reportingBatch('alice', ['c1'], false);
      await store.memberships.apply(again.batch);
      expect(again.counts).toEqual([]);

      const refusing = () => {
        throw new Error('over the limit');
      };
      const refused = { ...batch('uuid', 'carol', { c1: {}, c3: {} }), checkCounts: refusing };
      await expect(store.memberships.apply(refused)).rejects.toThrow('over the limit');
      expect((await store.memberships.list(query('memberships', { ownerId: 'carol' }))).rows).toEqual([]);
    });

    it('remembers revoked tokens per subscribe key', async () => {
      const signature = Buffer.from('signature-1');
      expect(await store.revocations.isRevoked(SUB, signature)).toBe(false);
      await store.revocations.revoke(SUB, signature, NEVER_EXPIRES);
      await store.revocations.revoke(SUB, signature, NEVER_EXPIRES);
      expect(await store.revocations.isRevoked(SUB, signature)).toBe(true);
      expect(await store.revocations.isRevoked('sub-b', signature)).toBe(false);
      expect(await store.revocations.isRevoked(SUB, Buffer.from('signature-2'))).toBe(false);
    });

    it('lists in a stable case-insensitive order with nulls first, filtered and counted', async () => {
      for (const [id, name] of [
        ['u1', 'bob'],
        ['u2', 'Alice'],
        ['u3', null],
        ['u4', 'alice'],
        ['u5', 'Carol'],
      ] as const) {
        await setUser(id, { name, custom: { n: Number(id.slice(1)) } });
      }
      const byName = await store.uuids.list(query('uuids', { sort: ['name:asc'] }));
      expect(byName.rows.map((r) => r.id)).toEqual(['u3', 'u2', 'u4', 'u1', 'u5']);
      expect(byName.totalCount).toBe(5);
      const filtered = await store.uuids.list(query('uuids', { filter: 'custom.n >= 2 && name LIKE "a*"', sort: ['id:desc'] }));
      expect(filtered.rows.map((r) => r.id)).toEqual(['u4', 'u2']);
      expect(filtered.totalCount).toBe(2);
    });

    it('pages forward and back with keyset cursors under any sort', async () => {
      for (let i = 0; i < 25; i += 1) await setUser(`user-${String(i).padStart(2, '0')}`, { name: `n${i % 4}`, custom: { n: i % 3 } });
      for (const sort of [[], ['name:desc', 'id:asc'], ['custom.n:asc', 'name:desc'], ['updated:desc']]) {
        const all = (await store.uuids.list(query('uuids', { sort }))).rows.map((r) => r.id);
        const seen: string[] = [];
        const pages: { first: Cursor['values'] | undefined; ids: string[] }[] = [];
        let cursor: Cursor | undefined;
        for (;;) {
          const page = await store.uuids.list(query('uuids', { sort, cursor, limit: 7 }));
          if (page.rows.length === 0) break;
          pages.push({ first: page.first, ids: page.rows.map((r) => r.id) });
          seen.push(...page.rows.map((r) => r.id));
          cursor = { direction: 'next', values: page.last! };
        }
        expect(seen).toEqual(all);
        const back = await store.uuids.list(query('uuids', { sort, cursor: { direction: 'prev', values: pages[2]!.first! }, limit: 7 }));
        expect(back.rows.map((r) => r.id)).toEqual(pages[1]!.ids);
        expect(back.hasPrevious).toBe(true);
      }
    });

    it('lists memberships with their related objects, filtered and sorted on them', async () => {
      await setChannel('c1', { name: 'Zeta' });
      await setChannel('c2', { name: 'alpha' });
      await store.memberships.apply(batch('uuid', 'alice', { c1: { type: 'x' }, c2: {}, c3: {} }));
      const page = await store.memberships.list(query('memberships', { ownerId: 'alice', sort: ['channel.name:asc'] }));
      expect(page.rows.map((r) => [r.channelId, r.channel?.name ?? null])).toEqual([
        ['c3', null],
        ['c2', 'alpha'],
        ['c1', 'Zeta'],
      ]);
      const filtered = await store.memberships.list(query('memberships', { ownerId: 'alice', filter: 'channel.name LIKE "*ET*" || type == "x"' }));
      expect(filtered.rows.map((r) => r.channelId)).toEqual(['c1']);
    });
    describe('outbox', () => {
      let made = 0;
      /** An `Announce` recording one event under a new key, and the keys it recorded (the last call's last). */
      const announcing = () => {
        const keys: string[] = [];
        const announce = (outcome: unknown): OutboxRecord => {
          const key = `key-${++made}`;
          keys.push(key);
          return { key, subKey: SUB, events: JSON.stringify([{ made, outcome }]) };
        };
        return { announce, keys };
      };
      /** Every record `relay` hands over now (none deleted: `deliver` answers no key). */
      const waiting = async () => {
        const seen: OutboxRecord[] = [];
        await store.outbox.relay({ olderThanMs: 0, limit: 1000 }, async (records) => {
          seen.push(...records);
          return [];
        });
        return seen;
      };

      it('records what a write announces in its transaction, and nothing for an unchanged write', async () => {
        const first = announcing();
        await store.uuids.write(SUB, 'alice', decideObject<UuidRecord>('uuid', 'alice', { name: 'Alice' }, rules), first.announce);
        expect(first.keys).toHaveLength(1);
        const unchanged = announcing();
        await store.uuids.write(SUB, 'alice', decideObject<UuidRecord>('uuid', 'alice', { name: 'Alice' }, rules), unchanged.announce);
        expect(unchanged.keys).toEqual([]);
        const [record, ...others] = await waiting();
        expect(others).toEqual([]);
        expect(record).toMatchObject({ key: first.keys[0], subKey: SUB });
        const [event] = JSON.parse(record!.events) as { outcome: { record: { id: string }; changed: boolean } }[];
        expect(event!.outcome).toMatchObject({ record: { id: 'alice', name: 'Alice' }, changed: true, memberOf: [] });
      });

      it('records nothing when the change rolls back', async () => {
        const refused = announcing();
        const refuse = () => {
          throw new Error('refused');
        };
        await expect(store.channels.write(SUB, 'room', refuse, refused.announce)).rejects.toThrow('refused');
        const limited = { ...batch('channel', 'c1', { u1: {}, u2: {} }), checkCounts: refuse, announce: announcing().announce };
        await expect(store.memberships.apply(limited)).rejects.toThrow('refused');
        await setChannel('room', { name: 'Room' });
        await expect(store.channels.remove(SUB, 'room', { check: refuse, cascade: true, announce: refused.announce })).rejects.toThrow('refused');
        expect(await waiting()).toEqual([]);
        expect(await store.channels.get(SUB, 'room')).toBeDefined();
      });

      it('records removals with their cascade and membership batches, once each, with what changed', async () => {
        await store.memberships.apply(batch('uuid', 'alice', { c1: {}, c2: {} }));
        const nothing = announcing();
        await store.memberships.apply({ ...batch('uuid', 'alice', { c1: {} }), announce: nothing.announce });
        expect(nothing.keys).toEqual([]);
        const applied = announcing();
        await store.memberships.apply({ ...batch('uuid', 'alice', { c3: {} }, ['c2']), announce: applied.announce });
        await setUser('alice', { name: 'Alice' });
        const removed = announcing();
        await store.uuids.remove(SUB, 'alice', { check: () => {}, cascade: true, announce: removed.announce });
        const absent = announcing();
        await store.uuids.remove(SUB, 'alice', { check: () => {}, cascade: true, announce: absent.announce });
        expect(absent.keys).toEqual([]);
        const records = await waiting();
        expect(records.map((record) => record.key)).toEqual([applied.keys.at(-1), removed.keys.at(-1)]);
        const [changes, removal] = records.map((record) => (JSON.parse(record.events) as { outcome: unknown }[])[0]!.outcome) as [
          { kind: string; record: { channelId: string } }[],
          { removed: { id: string }; cascaded: { channelId: string }[] },
        ];
        expect(changes.map((change) => `${change.kind}:${change.record.channelId}`)).toEqual(['set:c3', 'delete:c2']);
        expect(removal.removed.id).toBe('alice');
        expect(removal.cascaded.map((membership) => membership.channelId).sort()).toEqual(['c1', 'c3']);
      });

      it('relays records oldest first, deletes those delivered, and keeps the others', async () => {
        const written = announcing();
        for (const id of ['u1', 'u2', 'u3', 'u4'])
          await store.uuids.write(SUB, id, decideObject<UuidRecord>('uuid', id, { name: id }, rules), written.announce);
        // Too young for a relay that waits a minute.
        expect(await store.outbox.relay({ olderThanMs: 60_000, limit: 10 }, async () => expect.fail('nothing is old enough'))).toBe(0);
        const given: string[][] = [];
        const count = await store.outbox.relay({ olderThanMs: 0, limit: 3 }, async (records) => {
          given.push(records.map((record) => record.key));
          return [records[0]!.key, records[2]!.key];
        });
        expect(count).toBe(3);
        expect(given).toEqual([written.keys.slice(0, 3)]);
        expect((await waiting()).map((record) => record.key)).toEqual([written.keys[1], written.keys[3]]);
        await expect(store.outbox.relay({ olderThanMs: 0, limit: 10 }, () => Promise.reject(new Error('bus down')))).rejects.toThrow('bus down');
        expect((await waiting()).map((record) => record.key)).toEqual([written.keys[1], written.keys[3]]);
        await store.outbox.remove([written.keys[1]!, 'no-such-key']);
        expect((await waiting()).map((record) => record.key)).toEqual([written.keys[3]]);
        await store.outbox.remove([]);
      });

      it('gives each record to one of several relays running at once', async () => {
        const written = announcing();
        for (let i = 0; i < 12; i++)
          await store.channels.write(SUB, `c${i}`, decideObject<ChannelRecord>('channel', `c${i}`, { name: 'c' }, rules), written.announce);
        await warm(store);
        const given: string[] = [];
        const relay = () =>
          store.outbox.relay({ olderThanMs: 0, limit: 5 }, async (records) => {
            given.push(...records.map((record) => record.key));
            await new Promise((resolve) => setTimeout(resolve, 50));
            return records.map((record) => record.key);
          });
        await Promise.all([relay(), relay(), relay(), relay()]);
        expect(new Set(given).size).toBe(given.length);
        expect(given.length).toBeLessThanOrEqual(12);
        while ((await relay()) > 0);
        expect([...given].sort()).toEqual([...written.keys].sort());
        expect(await waiting()).toEqual([]);
      });
    });
    collationContract(() => store);
    likeContract(() => store);
    messagesContract(() => store);
    channelGroupsContract(() => store);
    keysetsContract(() => store, restart);
    if (restart) restartContract(restart);

    describe('under concurrent writes', () => {
      it('lets exactly one of several writers holding the same eTag win', async () => {
        const { record } = await setUser('alice', { name: 'Alice' });
        await warm(store);
        const names = ['Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace'];
        const { won, lost } = await settled(
          names.map((name) => store.uuids.write(SUB, 'alice', decideObject<UuidRecord>('uuid', 'alice', { name }, { ...rules, ifMatch: record.eTag }))),
        );
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(names.length - 1);
        for (const reason of lost) expect(reason).toMatchObject({ status: 412, code: 'PRECONDITION_FAILED' });
        expect(await store.uuids.get(SUB, 'alice')).toEqual(won[0]!.record);
      });

      it('lets exactly one of a delete and an update holding the same eTag win', async () => {
        const { record } = await setChannel('room', { name: 'Room' });
        await warm(store);
        const check = (current: ChannelRecord | undefined) => checkPrecondition('channel', 'delete', current, record.eTag);
        const { won, lost } = await settled<unknown>([
          store.channels.remove(SUB, 'room', { check, cascade: true }),
          store.channels.write(SUB, 'room', decideObject<ChannelRecord>('channel', 'room', { name: 'Renamed' }, { ...rules, ifMatch: record.eTag })),
        ]);
        expect(won).toHaveLength(1);
        expect(lost).toEqual([expect.objectContaining({ status: 412, code: 'PRECONDITION_FAILED' })]);
      });

      it('holds a channel’s member limit when many users join it at once', async () => {
        const limits = { maxMembersPerChannel: 3 };
        const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8'];
        await store.memberships.apply(batch('uuid', 'u0', { busy: {} }, [], { limits }));
        const { won, lost } = await settled(users.map((user) => store.memberships.apply(batch('uuid', user, { busy: {} }, [], { limits }))));
        expect(won).toHaveLength(2);
        for (const reason of lost) expect(reason).toMatchObject({ status: 400 });
        const members = await store.memberships.list(query('members', { ownerId: 'busy' }));
        expect(members.rows).toHaveLength(3);
        expect(members.totalCount).toBe(3);
      });

      it('holds a user’s membership limit when many channels add them at once', async () => {
        const limits = { maxMembershipsPerUser: 2 };
        const channels = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
        const { won, lost } = await settled(channels.map((channel) => store.memberships.apply(batch('channel', channel, { alice: {} }, [], { limits }))));
        expect(won).toHaveLength(2);
        expect(lost).toHaveLength(4);
        expect((await store.memberships.list(query('memberships', { ownerId: 'alice' }))).totalCount).toBe(2);
      });
    });
  });
}
