import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from '../../../test/store-contract/postgres.ts';
import { DEFAULT_LIMITS } from '../../model/keyset.ts';
import type { UuidRecord } from '../../model/records.ts';
import { decideObject } from '../../objects/apply.ts';
import { PostgresStore } from './index.ts';

/**
 * What the PostgreSQL object store does beyond the store contract: gets of one turn of the
 * event loop read in one statement, and a write's last statement sent with its commit.
 */
const unavailable = await postgresUnavailable();
const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };

describe.skipIf(unavailable !== undefined)(titled('PostgreSQL object store', unavailable), () => {
  let database: TestDatabase;
  let store: PostgresStore;
  const setUser = (subKey: string, id: string, name: string) => store.uuids.write(subKey, id, decideObject<UuidRecord>('uuid', id, { name }, rules));

  beforeAll(async () => {
    database = await createDatabase();
    // One connection: a write that left its transaction open would show in the next statement.
    store = await PostgresStore.open(database.url, { max: 1 });
  });
  afterAll(async () => {
    await store?.close();
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
});
