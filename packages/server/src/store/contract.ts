import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../auth/keysets.ts';
import { decideMembership, decideObject } from '../objects/apply.ts';
import type { ChannelRecord, UuidRecord } from '../objects/records.ts';
import type { Resource } from '../query/fields.ts';
import { parseFilter } from '../query/filter/parser.ts';
import { parseSort } from '../query/sort.ts';
import type { Cursor, ListQuery, MembershipBatch, Store } from './store.ts';

/**
 * The behaviour every Store implementation must have. Each backend's test file calls
 * `runStoreContract` with a factory for an empty store.
 */
export interface ContractOptions {
  name: string;
  create: () => Promise<Store>;
}

const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };
const SUB = 'sub-a';

function query(resource: Resource, options: { ownerId?: string; filter?: string; sort?: string[]; cursor?: Cursor; limit?: number } = {}): ListQuery {
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

function batch(side: 'uuid' | 'channel', ownerId: string, set: Record<string, object>, remove: string[] = []): MembershipBatch {
  return {
    subKey: SUB,
    side,
    ownerId,
    set: Object.entries(set).map(([otherId, patch]) => ({
      otherId,
      decide: decideMembership(side === 'uuid' ? ownerId : otherId, side === 'uuid' ? otherId : ownerId, patch, { ...rules, location: 'set' }),
    })),
    delete: remove,
    limits: { maxPerUser: 50_000, maxPerChannel: 5_000, requireObjects: false },
  };
}

export function runStoreContract({ name, create }: ContractOptions): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const setUser = (id: string, patch: Partial<UuidRecord>, subKey = SUB) =>
      store.uuids.write(subKey, id, decideObject<UuidRecord>('uuid', id, patch, rules));
    const setChannel = (id: string, patch: Partial<ChannelRecord>) =>
      store.channels.write(SUB, id, decideObject<ChannelRecord>('channel', id, patch, rules));

    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
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
      const limited = { ...batch('channel', 'c1', { u1: {}, u2: {}, u3: {} }), limits: { maxPerUser: 10, maxPerChannel: 2, requireObjects: false } };
      await expect(store.memberships.apply(limited)).rejects.toMatchObject({ status: 400 });
      expect((await store.memberships.list(query('members', { ownerId: 'c1' }))).rows).toEqual([]);
      const strict = { ...batch('uuid', 'ghost', { c1: {} }), limits: { maxPerUser: 10, maxPerChannel: 10, requireObjects: true } };
      await expect(store.memberships.apply(strict)).rejects.toMatchObject({ status: 400 });
    });

    it('lists in a stable case-insensitive order with nulls first, filtered and counted', async () => {
      for (const [id, name] of [['u1', 'bob'], ['u2', 'Alice'], ['u3', null], ['u4', 'alice'], ['u5', 'Carol']] as const) {
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
        const pages: { first?: Cursor['values']; ids: string[] }[] = [];
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
      expect(page.rows.map((r) => [r.channelId, r.channel?.name ?? null])).toEqual([['c3', null], ['c2', 'alpha'], ['c1', 'Zeta']]);
      const filtered = await store.memberships.list(query('memberships', { ownerId: 'alice', filter: 'channel.name LIKE "*ET*" || type == "x"' }));
      expect(filtered.rows.map((r) => r.channelId)).toEqual(['c1']);
    });
  });
}
