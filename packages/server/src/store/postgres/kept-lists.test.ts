import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from '../../../test/store-contract/postgres.ts';
import { DEFAULT_LIMITS } from '../../model/keyset.ts';
import type { UuidRecord } from '../../model/records.ts';
import { decideObject } from '../../objects/apply.ts';
import { parseFilter } from '../../query/filter/parser.ts';
import { parseSort } from '../../query/sort.ts';
import type { ListQuery } from '../store.ts';
import { connect, type Database } from './connection.ts';
import { PostgresStore } from './index.ts';

/**
 * Lists kept per PostgreSQL snapshot (executor.ts `dataVersion`): asked again with nothing
 * committed since, a list is answered from memory; a commit by any node or client, seen by a
 * new snapshot, is in the next list at once. Two stores on one database stand for two nodes.
 */
const unavailable = await postgresUnavailable();
const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };

const activeUsers: ListQuery = {
  subKey: 'kept',
  resource: 'uuids',
  filter: parseFilter('status == "active"'),
  sort: parseSort('uuids', ['name']),
  limit: 10,
  count: true,
  withRelated: false,
};

describe.skipIf(unavailable !== undefined)(titled('PostgreSQL lists kept per snapshot', unavailable), () => {
  let database: TestDatabase;
  let nodeA: PostgresStore;
  let nodeB: PostgresStore;
  let client: Database;
  const setUser = (store: PostgresStore, id: string, status: string) =>
    store.uuids.write('kept', id, decideObject<UuidRecord>('uuid', id, { name: `User ${id}`, status }, rules));
  const names = async (store: PostgresStore) => {
    const page = await store.uuids.list(activeUsers);
    return { ids: page.rows.map((row) => row.id), total: page.totalCount };
  };

  beforeAll(async () => {
    database = await createDatabase();
    nodeA = await PostgresStore.open(database.url);
    nodeB = await PostgresStore.open(database.url);
    client = connect(database.url, { max: 1 });
    for (const id of ['a1', 'a2', 'a3']) await setUser(nodeA, id, 'active');
  });
  afterAll(async () => {
    await Promise.all([nodeA?.close(), nodeB?.close(), client?.end()]);
    await database?.drop();
  });

  it('answers a list asked again with nothing committed since from the page it kept', async () => {
    // Snapshots are the whole server's: a commit in another test's database moves them too. Two
    // lists in a row meet no commit between them in one of a few tries.
    const kept = async () => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const first = await nodeA.uuids.list(activeUsers);
        if ((await nodeA.uuids.list(activeUsers)) === first) return first;
      }
      return undefined;
    };
    const first = await kept();
    expect(first?.rows.map((row) => row.id)).toEqual(['a1', 'a2', 'a3']);
    expect(await nodeA.uuids.list({ ...activeUsers, limit: 2 })).not.toBe(first);
  });

  it('shows a write another node committed in the next list, page and count', async () => {
    expect(await names(nodeA)).toEqual({ ids: ['a1', 'a2', 'a3'], total: 3 });
    await setUser(nodeB, 'a0', 'active');
    expect(await names(nodeA)).toEqual({ ids: ['a0', 'a1', 'a2', 'a3'], total: 4 });
    await setUser(nodeB, 'a2', 'away');
    expect(await names(nodeA)).toEqual({ ids: ['a0', 'a1', 'a3'], total: 3 });
  });

  it('does not show a transaction still open, and shows it once committed', async () => {
    expect(await names(nodeA)).toEqual({ ids: ['a0', 'a1', 'a3'], total: 3 });
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    let written!: () => void;
    const open = new Promise<void>((resolve) => (written = resolve));
    const transaction = client.begin(async (tx) => {
      // The filter finds candidates by the sort key too: a1's is that of "active".
      await tx.unsafe(`
        UPDATE uuids SET status = 'active', status_key = (SELECT status_key FROM uuids WHERE sub_key = 'kept' AND id = 'a1')
        WHERE sub_key = 'kept' AND id = 'a2'`);
      written();
      await committed;
    });
    await open;
    try {
      // Running, it is in the snapshot of each list as a transaction not to be seen.
      expect(await names(nodeA)).toEqual({ ids: ['a0', 'a1', 'a3'], total: 3 });
      expect(await names(nodeA)).toEqual({ ids: ['a0', 'a1', 'a3'], total: 3 });
    } finally {
      commit();
      await transaction;
    }
    expect(await names(nodeA)).toEqual({ ids: ['a0', 'a1', 'a2', 'a3'], total: 4 });
  });

  it('keeps each list right when writes and lists of two nodes interleave', async () => {
    for (let round = 0; round < 20; round++) {
      const id = `b${String(round).padStart(2, '0')}`;
      const writer = round % 2 === 0 ? nodeA : nodeB;
      const reader = round % 2 === 0 ? nodeB : nodeA;
      const before = await names(reader);
      await setUser(writer, id, 'active');
      const [after, again] = await Promise.all([names(reader), names(reader)]);
      expect(after.total).toBe(before.total! + 1);
      expect(again).toEqual(after);
    }
  });
});
