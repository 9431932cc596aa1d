import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from '../../../test/store-contract/postgres.ts';
import { DEFAULT_LIMITS } from '../../model/keyset.ts';
import type { UuidRecord } from '../../model/records.ts';
import { decideObject } from '../../objects/apply.ts';
import { COLLATION_STAMP, sortKey } from '../../query/collation.ts';
import { connect, type Database } from './connection.ts';
import { PostgresStore } from './index.ts';

/**
 * Sort keys computed again on start when the collation stamp changed (migrate.ts
 * `refreshSortKeys`): every row is read, and only a row whose keys come out different is written,
 * so an upgrade that changes few keys rewrites few rows.
 */
const unavailable = await postgresUnavailable();
const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };

describe.skipIf(unavailable !== undefined)(titled('PostgreSQL sort keys computed again', unavailable), () => {
  let database: TestDatabase;
  let sql: Database;
  /** Each user's row version (`xmin`: the transaction that last wrote it) and stored name key. */
  const rows = async () =>
    new Map((await sql<{ id: string; xmin: string; key: Buffer }[]>`SELECT id, xmin::text, name_key AS key FROM uuids`).map((row) => [row.id, row]));

  beforeAll(async () => {
    database = await createDatabase();
    sql = connect(database.url, { max: 1 });
  });
  afterAll(async () => {
    await sql?.end();
    await database?.drop();
  });

  it('writes only the rows whose keys changed, and stamps the keys with this collation', async () => {
    const store = await PostgresStore.open(database.url);
    for (const [id, name] of [
      ['kept', 'Kept'],
      ['stale', 'Stale'],
    ] as const) {
      await store.uuids.write('rekey', id, decideObject<UuidRecord>('uuid', id, { name }, rules));
    }
    await store.close();
    await sql`UPDATE uuids SET name_key = decode('00', 'hex') WHERE id = 'stale'`;
    await sql`UPDATE roster_meta SET value = 'roster-collation-0' WHERE name = 'collation'`;
    const before = await rows();

    await (await PostgresStore.open(database.url)).close();
    const after = await rows();
    expect(after.get('kept')?.xmin).toBe(before.get('kept')?.xmin);
    expect(after.get('stale')?.xmin).not.toBe(before.get('stale')?.xmin);
    expect(after.get('stale')?.key.toString('utf8')).toBe(sortKey('Stale'));
    expect((await sql`SELECT value FROM roster_meta WHERE name = 'collation'`)[0]?.['value']).toBe(COLLATION_STAMP);
  });
});
