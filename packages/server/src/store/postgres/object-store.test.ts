import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from '../../../test/store-contract/postgres.ts';
import { DEFAULT_LIMITS } from '../../model/keyset.ts';
import type { UuidRecord } from '../../model/records.ts';
import { decideObject } from '../../objects/apply.ts';
import { membershipBatch } from '../../objects/membership-rules.ts';
import type { Decision } from '../store.ts';
import { PostgresStore } from './index.ts';

/**
 * What the PostgreSQL object store does beyond the store contract: gets of one turn of the
 * event loop read in one statement; a write of an existing object decided on what was read and
 * written only if that is still what is stored, the writes of one turn in one statement, and
 * otherwise (a creation, a lost race) its last statement sent with its commit.
 */
const unavailable = await postgresUnavailable();
const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };

describe.skipIf(unavailable !== undefined)(titled('PostgreSQL object store', unavailable), () => {
  let database: TestDatabase;
  let store: PostgresStore;
  /** Statements of the test's own, beside the store's connection. */
  let sql: postgres.Sql;
  const setUser = (subKey: string, id: string, name: string) => store.uuids.write(subKey, id, decideObject<UuidRecord>('uuid', id, { name }, rules));
  const outboxKeys = async (subKey: string) => (await sql`SELECT key FROM outbox WHERE sub_key = ${subKey} ORDER BY key`).map((row) => String(row['key']));

  beforeAll(async () => {
    database = await createDatabase();
    // One connection: a write that left its transaction open would show in the next statement.
    store = await PostgresStore.open(database.url, { max: 1 });
    sql = postgres(database.url, { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await store?.close();
    await sql?.end();
    await database?.drop();
  });

  it('answers gets asked at once each with its own record, escaped ids and other keysets included', async () => {
    const ids = ['plain', 'nul\u0000id', 'soh\u0001id', 'both\u0001\u0000'];
    for (const id of ids) await setUser('sub-a', id, `A ${id}`);
    await setUser('sub-b', 'plain', 'B plain');
    const asked = [...ids, 'missing', 'plain', 'nul\u0000id'].map((id) => store.uuids.get('sub-a', id));
    const other = store.uuids.get('sub-b', 'plain');
    const nowhere = store.uuids.get('sub-c', 'plain');
    const records = await Promise.all(asked);
    expect(records.map((record) => record?.name)).toEqual([...ids.map((id) => `A ${id}`), undefined, 'A plain', 'A nul\u0000id']);
    expect(records.map((record) => record?.id)).toEqual([...ids, undefined, 'plain', 'nul\u0000id']);
    expect((await other)?.name).toBe('B plain');
    expect(await nowhere).toBeUndefined();
  });

  it('commits nothing of a write whose statement PostgreSQL refuses, and stays usable', async () => {
    await setUser('sub-a', 'alice', 'Alice');
    const key = 'taken-outbox-key';
    const announce = () => ({ key, subKey: 'sub-a', events: '[]' });
    await store.uuids.write('sub-a', 'bob', decideObject<UuidRecord>('uuid', 'bob', { name: 'Bob' }, rules), announce);
    // The outbox key is unique: the change and its record fail together, on every retry.
    const renamed = store.uuids.write('sub-a', 'alice', decideObject<UuidRecord>('uuid', 'alice', { name: 'Not Alice' }, rules), announce);
    await expect(renamed).rejects.toMatchObject({ code: '23505' });
    expect((await store.uuids.get('sub-a', 'alice'))?.name).toBe('Alice');
    const after = await setUser('sub-a', 'alice', 'Alice again');
    expect(after.changed).toBe(true);
    expect((await store.uuids.get('sub-a', 'alice'))?.name).toBe('Alice again');
  });

  it('commits the writes of one turn together, each with its outbox record, and fails only the one PostgreSQL refuses', async () => {
    for (const id of ['w1', 'w2', 'w3']) await setUser('sub-turn', id, `Old ${id}`);
    await store.uuids.write('sub-turn', 'w0', decideObject<UuidRecord>('uuid', 'w0', { name: 'W0' }, rules), () => ({
      key: 'turn-taken',
      subKey: 'sub-turn',
      events: '[]',
    }));
    const write = (id: string, key: string) =>
      store.uuids.write('sub-turn', id, decideObject<UuidRecord>('uuid', id, { name: `New ${id}` }, rules), () => ({ key, subKey: 'sub-turn', events: '[]' }));
    const outcomes = await Promise.allSettled([write('w1', 'turn-1'), write('w2', 'turn-taken'), write('w3', 'turn-3')]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[1]).toMatchObject({ reason: { code: '23505' } });
    const names = await Promise.all(['w1', 'w2', 'w3'].map(async (id) => (await store.uuids.get('sub-turn', id))?.name));
    expect(names).toEqual(['New w1', 'Old w2', 'New w3']);
    expect(await outboxKeys('sub-turn')).toEqual(['turn-1', 'turn-3', 'turn-taken']);
  });

  it("reads, with the user it writes, the channels it is a member of, each user's own in a turn's writes", async () => {
    await setUser('sub-m', 'ann\u0000', 'Ann');
    await setUser('sub-m', 'ben', 'Ben');
    const keyset = { subscribeKey: 'sub-m', referentialIntegrity: false, limits: DEFAULT_LIMITS };
    const set = ['c-b', 'nul\u0000c', 'c-a', 'soh\u0001c'].map((otherId) => ({ otherId, patch: {} }));
    await store.memberships.apply(membershipBatch({ side: 'uuid', ownerId: 'ann\u0000', body: { set, delete: [] }, merge: false }, keyset));
    const [ann, ben] = await Promise.all([setUser('sub-m', 'ann\u0000', 'Ann again'), setUser('sub-m', 'ben', 'Ben again')]);
    expect(ann).toMatchObject({ changed: true, record: { id: 'ann\u0000', name: 'Ann again' } });
    expect(ann.memberOf).toEqual(['c-a', 'c-b', 'nul\u0000c', 'soh\u0001c']);
    expect(ben.memberOf).toEqual([]);
    expect((await store.uuids.get('sub-m', 'ann\u0000'))?.name).toBe('Ann again');
  });

  describe('a write that another writer overtakes between its read and its write', () => {
    /**
     * Holds the row's lock in a transaction of the test's own while `write` runs: the write reads
     * the row (a read does not wait for the lock) and decides, then its change waits for the
     * lock; the transaction then changes the row (or, with `deleting`, deletes it) and commits,
     * and the write is left to finish.
     */
    async function overtaken<T>(subKey: string, id: string, write: () => Promise<T>, deleting = false): Promise<T> {
      const tx = await sql.reserve();
      try {
        await tx`BEGIN`;
        await tx`SELECT 1 FROM uuids WHERE sub_key = ${subKey} AND id = ${id} FOR UPDATE`;
        const written = write();
        written.catch(() => {});
        for (let waited = 0; ; waited += 10) {
          const [blocked] = await sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
          if (blocked?.['n'] === 1) break;
          if (waited > 5000) throw new Error('the write never waited for the lock');
          await new Promise((done) => setTimeout(done, 10));
        }
        if (deleting) await tx`DELETE FROM uuids WHERE sub_key = ${subKey} AND id = ${id}`;
        else await tx`UPDATE uuids SET name = 'Overtaker', custom = '{"theirs":1}', etag = 'overtaker-etag' WHERE sub_key = ${subKey} AND id = ${id}`;
        await tx`COMMIT`;
        return await written;
      } finally {
        tx.release();
      }
    }

    /** `decideObject`, telling what each of its decisions was made on. */
    function watched(patch: Partial<UuidRecord>, ifMatch?: string) {
      const seen: (string | null | undefined)[] = [];
      const decide = decideObject<UuidRecord>('uuid', 'x', patch, { ...rules, ifMatch, merge: true });
      return { seen, decide: (current: UuidRecord | undefined): Decision<UuidRecord> => (seen.push(current?.name), decide(current)) };
    }

    it('decides again on what the other writer committed, and records one outbox record', async () => {
      await setUser('sub-race', 'x', 'Before');
      const { seen, decide } = watched({ custom: { mine: 2 } });
      let announced = 0;
      const outcome = await overtaken('sub-race', 'x', () =>
        store.uuids.write('sub-race', 'x', decide, () => ({ key: `race-${++announced}`, subKey: 'sub-race', events: '[]' })),
      );
      expect(seen).toEqual(['Before', 'Overtaker']);
      expect(outcome.record).toMatchObject({ name: 'Overtaker', custom: { theirs: 1, mine: 2 } });
      expect((await store.uuids.get('sub-race', 'x'))?.custom).toEqual({ theirs: 1, mine: 2 });
      expect(await outboxKeys('sub-race')).toEqual(['race-2']);
    });

    it('answers 412 to an If-Match that held when it read, and writes nothing', async () => {
      const { record } = await setUser('sub-race', 'y', 'Before');
      const { seen, decide } = watched({ name: 'Mine' }, record.eTag);
      const write = overtaken('sub-race', 'y', () => store.uuids.write('sub-race', 'y', decide));
      await expect(write).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
      expect(seen).toEqual(['Before', 'Overtaker']);
      expect((await store.uuids.get('sub-race', 'y'))?.name).toBe('Overtaker');
    });

    it('answers 412 saying the user does not exist when another writer deleted it since the read, and creates nothing', async () => {
      const { record } = await setUser('sub-race', 'z', 'Before');
      const { seen, decide } = watched({ name: 'Mine' }, record.eTag);
      const write = overtaken('sub-race', 'z', () => store.uuids.write('sub-race', 'z', decide), true);
      await expect(write).rejects.toMatchObject({ code: 'PRECONDITION_FAILED', message: 'User to update does not exist; If-Match cannot match.' });
      expect(seen).toEqual(['Before', undefined]);
      expect(await store.uuids.get('sub-race', 'z')).toBeUndefined();
    });
  });

  it('loses no change when two nodes merge keys into one user at once, many in one turn', async () => {
    await setUser('sub-merge', 'shared', 'Shared');
    const other = await PostgresStore.open(database.url, { max: 3 });
    try {
      let recorded = 0;
      const merge = (on: PostgresStore, key: string) =>
        on.uuids.write('sub-merge', 'shared', decideObject<UuidRecord>('uuid', 'shared', { custom: { [key]: true } }, { ...rules, merge: true }), () => ({
          key: `merge-${++recorded}`,
          subKey: 'sub-merge',
          events: '[]',
        }));
      const keys = Array.from({ length: 40 }, (_, index) => `k${index}`);
      await Promise.all(keys.map((key, index) => merge(index % 2 === 0 ? store : other, key)));
      const custom = (await store.uuids.get('sub-merge', 'shared'))?.custom;
      expect(Object.keys(custom ?? {}).sort()).toEqual([...keys].sort());
      // Every write committed one record: its last decision's.
      expect(await outboxKeys('sub-merge')).toHaveLength(keys.length);
    } finally {
      await other.close();
    }
  });
});
