import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COLLATION_STAMP, sortKey } from '../../query/collation.ts';
import { parseFilter } from '../../query/filter/parser.ts';
import { parseSort } from '../../query/sort.ts';
import { listStatement, selectColumns } from '../sql/list-sql.ts';
import { MEMBERSHIP_COLUMNS, OBJECT_COLUMNS } from '../sql/tables.ts';
import type { ListQuery } from '../store.ts';
import { sqliteDialect } from './dialect.ts';
import { SqliteStore } from './index.ts';
import { SORT_KEY_COLUMNS } from './schema.ts';

/**
 * The schema a release before the collation wrote (user_version 2): key columns holding the
 * upper-cased text, char(1), the text. Written out here, as such a database holds it.
 */
const VERSION_2_SCHEMA = (() => {
  const key = (c: string) => `${c}_key TEXT GENERATED ALWAYS AS (CASE WHEN ${c} IS NULL THEN '' ELSE fold(${c}) || char(1) || ${c} END) VIRTUAL`;
  const keys = (columns: string[]) => columns.map((c) => `, ${key(c)}`).join('');
  const objectIndexes = (table: string) =>
    ['id', 'name', 'status', 'type'].map((c) => `CREATE INDEX ${table}_by_${c} ON ${table} (sub_key, ${c}_key, id);`).join('\n') +
    `\nCREATE INDEX ${table}_by_updated ON ${table} (sub_key, updated, id);`;
  return `
    CREATE TABLE uuids (sub_key TEXT NOT NULL, id TEXT NOT NULL, name TEXT, external_id TEXT, profile_url TEXT, email TEXT,
      status TEXT, type TEXT, custom TEXT, updated TEXT NOT NULL, etag TEXT NOT NULL
      ${keys(['id', 'name', 'external_id', 'profile_url', 'email', 'status', 'type'])}, PRIMARY KEY (sub_key, id)) WITHOUT ROWID;
    CREATE TABLE channels (sub_key TEXT NOT NULL, id TEXT NOT NULL, name TEXT, description TEXT, status TEXT, type TEXT,
      custom TEXT, updated TEXT NOT NULL, etag TEXT NOT NULL
      ${keys(['id', 'name', 'description', 'status', 'type'])}, PRIMARY KEY (sub_key, id)) WITHOUT ROWID;
    CREATE TABLE memberships (sub_key TEXT NOT NULL, uuid_id TEXT NOT NULL, channel_id TEXT NOT NULL, status TEXT, type TEXT,
      custom TEXT, updated TEXT NOT NULL, etag TEXT NOT NULL
      ${keys(['uuid_id', 'channel_id', 'status', 'type'])}, PRIMARY KEY (sub_key, uuid_id, channel_id)) WITHOUT ROWID;
    ${objectIndexes('uuids')}
    ${objectIndexes('channels')}
    CREATE INDEX memberships_by_user ON memberships (sub_key, uuid_id, channel_id_key, channel_id);
    CREATE INDEX memberships_by_channel ON memberships (sub_key, channel_id, uuid_id_key, uuid_id);
    CREATE INDEX memberships_by_user_updated ON memberships (sub_key, uuid_id, updated, channel_id);
    CREATE INDEX memberships_by_channel_updated ON memberships (sub_key, channel_id, updated, uuid_id);
    CREATE TABLE revoked_tokens (sub_key TEXT NOT NULL, signature BLOB NOT NULL, expires_at INTEGER NOT NULL,
      PRIMARY KEY (sub_key, signature)) WITHOUT ROWID;
    PRAGMA user_version = 2;
  `;
})();

const NAMES: Record<string, string | null> = { u1: 'Zoe', u2: 'émile', u3: 'Eve', u4: 'Émilie', u5: 'Adam', u6: null, u7: 'ZOE', u8: 'émir' };
/** u6 (no name) first, then by base letters, accents, exact text. */
const NEW_ORDER = ['u6', 'u5', 'u2', 'u4', 'u8', 'u3', 'u7', 'u1'];

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A database file as an older release left it, holding NAMES, with `fold` as that release had it. */
function writeOldDatabase(setup: (db: Database.Database) => void): string {
  dir = mkdtempSync(join(tmpdir(), 'roster-schema-'));
  const path = join(dir, 'roster.db');
  const db = new Database(path);
  db.function('fold', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? v.toUpperCase() : v));
  setup(db);
  const insert = db.prepare(`INSERT INTO uuids (sub_key, id, name, updated, etag) VALUES ('k', ?, ?, '2024-01-01T00:00:00.000000Z', 'e')`);
  for (const [id, name] of Object.entries(NAMES)) insert.run(id, name);
  db.prepare(`INSERT INTO memberships (sub_key, uuid_id, channel_id, updated, etag) VALUES ('k', 'u1', ?, '2024', 'e')`).run('émile');
  db.prepare(`INSERT INTO memberships (sub_key, uuid_id, channel_id, updated, etag) VALUES ('k', 'u1', ?, '2024', 'e')`).run('Eve');
  db.close();
  return path;
}

const query = (options: Partial<ListQuery> = {}): ListQuery => ({
  subKey: 'k',
  resource: 'uuids',
  sort: parseSort('uuids', ['name']),
  limit: 100,
  count: false,
  withRelated: false,
  ...options,
});

async function expectCurrentSchema(store: SqliteStore): Promise<void> {
  expect(store.db.pragma('user_version', { simple: true })).toBe(9);
  expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  // Plain columns the store writes (`hidden` 0; a generated one is 2 or 3): SQLite computes no key, reading or writing.
  for (const table of ['uuids', 'channels', 'memberships']) {
    const keyColumns = (store.db.pragma(`table_xinfo(${table})`) as { name: string; hidden: number }[]).filter(
      (c) => c.name !== 'sub_key' && c.name.endsWith('_key'),
    );
    expect(keyColumns.map((c) => c.hidden)).toEqual(keyColumns.map(() => 0));
  }
  const keys = store.db.prepare(`SELECT id, name_key FROM uuids`).all() as { id: string; name_key: string }[];
  for (const { id, name_key } of keys) expect(name_key).toBe(sortKey(NAMES[id] ?? null));
  expect((await store.uuids.list(query())).rows.map((row) => row.id)).toEqual(NEW_ORDER);
  expect((await store.uuids.list(query({ sort: parseSort('uuids', ['name:desc']) }))).rows.map((row) => row.id)).toEqual([...NEW_ORDER].reverse());
  const memberships = await store.memberships.list({ ...query(), resource: 'memberships', ownerId: 'u1', sort: parseSort('memberships', []) });
  expect(memberships.rows.map((row) => row.channelId)).toEqual(['émile', 'Eve']);
  // LIKE matches as before: case-insensitive, accent-sensitive.
  const like = await store.uuids.list(query({ filter: parseFilter('name LIKE "é*"') }));
  expect(like.rows.map((row) => row.id)).toEqual(['u2', 'u4', 'u8']);
  const statement = listStatement(sqliteDialect, query(), selectColumns('uuids'));
  const plan = store.db.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`).all(...statement.params) as { detail: string }[];
  expect(plan.map((row) => row.detail).join('; ')).toMatch(/USING INDEX uuids_by_name \(sub_key=\?\)/);
}

describe('opening a database an older release wrote', () => {
  it('recomputes its sort keys in the collation, and the indexes still serve the sorts', async () => {
    const path = writeOldDatabase((db) => db.exec(VERSION_2_SCHEMA));
    const old = new Database(path);
    old.function('fold', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? v.toUpperCase() : v));
    // What the old keys answered: upper-cased code points, so É after Z.
    expect(old.prepare(`SELECT id FROM uuids ORDER BY name_key, id`).pluck().all()).toEqual(['u6', 'u5', 'u3', 'u7', 'u1', 'u2', 'u4', 'u8']);
    old.close();

    const store = new SqliteStore({ path, synchronous: 'normal' });
    try {
      await expectCurrentSchema(store);
    } finally {
      await store.close();
    }
    const again = new SqliteStore({ path, synchronous: 'normal' });
    try {
      await expectCurrentSchema(again);
    } finally {
      await again.close();
    }
  });

  it('rebuilds the key indexes when they were computed with another collation or Unicode version', async () => {
    // A current-schema database whose keys were written by a different `sort_key`.
    const path = writeOldDatabase((db) => {
      db.function('sort_key', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? `~${v}` : ''));
      db.exec(VERSION_2_SCHEMA);
    });
    const first = new SqliteStore({ path, synchronous: 'normal' });
    await first.close();
    const stale = new Database(path);
    stale.function('fold', { deterministic: true }, (v: unknown) => v);
    stale.function('sort_key', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? `~${v}` : ''));
    // Keys as the other function computes them, and the indexes built again from them.
    stale.exec(`UPDATE uuids SET name_key = sort_key(name); UPDATE memberships SET channel_id_key = sort_key(channel_id); REINDEX;`);
    stale.exec(`UPDATE roster_meta SET value = 'roster-collation-0 unicode-1.0'`);
    expect(stale.prepare(`SELECT name_key FROM uuids WHERE id = 'u1'`).pluck().get()).toBe('~Zoe');
    expect(stale.pragma('integrity_check', { simple: true })).toBe('ok');
    stale.close();

    const store = new SqliteStore({ path, synchronous: 'normal' });
    try {
      await expectCurrentSchema(store);
      expect(store.db.prepare(`SELECT value FROM roster_meta WHERE name = 'collation'`).pluck().get()).toBe(COLLATION_STAMP);
    } finally {
      await store.close();
    }
  });
});

describe('the schema and model/resources.ts', () => {
  it('holds every column the descriptors name, and a sort key for every field marked with one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'roster-schema-'));
    const store = new SqliteStore({ path: join(dir, 'roster.db'), synchronous: 'normal' });
    try {
      const columnsOf = (table: string) => (store.db.pragma(`table_xinfo(${table})`) as { name: string }[]).map((c) => c.name);
      for (const [kind, table] of [
        ['uuid', 'uuids'],
        ['channel', 'channels'],
      ] as const) {
        expect(columnsOf(table)).toEqual(expect.arrayContaining([...OBJECT_COLUMNS[kind]]));
      }
      expect(columnsOf('memberships')).toEqual(expect.arrayContaining([...MEMBERSHIP_COLUMNS]));
      for (const [table, keyed] of Object.entries(SORT_KEY_COLUMNS)) {
        expect(columnsOf(table), table).toEqual(expect.arrayContaining(keyed.map((c) => `${c}_key`)));
      }
    } finally {
      await store.close();
    }
  });
});
