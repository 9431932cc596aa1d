import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from '../../../test/store-contract/postgres.ts';
import { runStoreContract } from '../../../test/store-contract/contract.ts';
import { createStore } from '../create.ts';
import { connect } from './connection.ts';
import { migrate, pendingMigrations } from './migrate.ts';
import { MIGRATIONS } from './schema.ts';

/**
 * The store contract on a real PostgreSQL server (test/store-contract/postgres.ts), in a database
 * made for this run and dropped after it; skipped with the reason when no server answers.
 */
const unavailable = await postgresUnavailable();
const databases: TestDatabase[] = [];
const newDatabase = async () => {
  const database = await createDatabase();
  databases.push(database);
  return database;
};
afterAll(async () => {
  for (const database of databases) await database.drop();
});

let shared: TestDatabase | undefined;
const TABLES =
  'uuids, channels, memberships, revoked_tokens, outbox, messages, message_actions, channel_groups, channel_group_channels, keysets, keyset_registry';

runStoreContract({
  name: 'PostgreSQL',
  skip: unavailable,
  // One database for the run, emptied for each test.
  create: async () => {
    shared ??= await newDatabase();
    const store = await createStore({ store: shared.url, db: ':memory:', synchronous: 'normal' });
    const sql = postgres(shared.url, { max: 1, onnotice: () => {} });
    await sql.unsafe(`TRUNCATE ${TABLES}`).finally(() => sql.end());
    return store;
  },
  restart: {
    newDatabase: async () => {
      const { url } = await newDatabase();
      return { open: () => createStore({ store: url, db: ':memory:', synchronous: 'normal' }) };
    },
    shared: true,
  },
});

describe.skipIf(unavailable !== undefined)(titled('PostgreSQL schema migrations', unavailable), () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await newDatabase();
  });

  it('applies every migration once when several nodes start at once, then none', async () => {
    const pools = Array.from({ length: 4 }, () => connect(database.url, { max: 1 }));
    try {
      expect(await pendingMigrations(pools[0]!)).toEqual(MIGRATIONS);
      const applied = await Promise.all(pools.map((db) => migrate(db)));
      expect(applied.map((list) => list.length).sort()).toEqual([0, 0, 0, MIGRATIONS.length]);
      const recorded = await pools[0]!.unsafe('SELECT version, name FROM roster_schema ORDER BY version');
      expect(recorded.map((row) => [row['version'], row['name']])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
      expect(await migrate(pools[1]!)).toEqual([]);
      expect(await pendingMigrations(pools[2]!)).toEqual([]);
    } finally {
      await Promise.all(pools.map((db) => db.end()));
    }
  });

  it('creates a sort key column for every sortable text column of model/resources.ts', async () => {
    const db = connect(database.url, { max: 1 });
    try {
      await migrate(db);
      const { KEY_COLUMNS } = await import('./dialect.ts');
      const rows = await db.unsafe(`SELECT table_name, column_name, data_type FROM information_schema.columns WHERE column_name LIKE '%\\_key'`);
      const found = new Set(rows.map((row) => `${row['table_name']}.${row['column_name']}:${row['data_type']}`));
      const tables = { uuid: 'uuids', channel: 'channels', membership: 'memberships' } as const;
      for (const [table, columns] of Object.entries(KEY_COLUMNS)) {
        for (const column of columns) expect(found).toContain(`${tables[table as keyof typeof tables]}.${column}_key:bytea`);
      }
    } finally {
      await db.end();
    }
  });
});
