import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertRow } from '../../../test/sqlite-rows.ts';
import { parseFilter } from '../../query/filter/parser.ts';
import { parseSort } from '../../query/sort.ts';
import { sqliteDialect } from '../sqlite/dialect.ts';
import { SqliteExecutor } from '../sqlite/executor.ts';
import { SqliteStore } from '../sqlite/index.ts';
import { StatementCache } from '../sqlite/statements.ts';
import type { ListQuery } from '../store.ts';
import { CountCache } from './count-cache.ts';
import { listPage } from './page.ts';
import { uuidFromValues, type SqlValue } from './rows.ts';

// `count=true` lists on SQLite: the total is counted once per data version, and counted again
// after any write, whether this node's or another process's (`roster import` beside a node).

let dir: string;
let store: SqliteStore;
/** The count statements SQLite really ran. */
let counted: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roster-counts-'));
  store = new SqliteStore({ path: join(dir, 'roster.db'), synchronous: 'normal' });
  counted = 0;
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (db: Database.Database, id: string, status: string) =>
  insertRow(db, 'uuids', { sub_key: 'k', id, status, updated: '2026-12-01T00:00:00.000000Z', etag: 'e' });

/** `count=true` lists of `filter` on the store's own connection, through a cache like the store's, counting the count statements run. */
function lister(): (filter: string) => Promise<number | undefined> {
  const executor = new SqliteExecutor(new StatementCache(store.db));
  const backend = {
    dialect: sqliteDialect,
    counts: new CountCache(),
    executor: {
      all: (sql: string, params: readonly SqlValue[]) => executor.all(sql, params),
      get: (sql: string, params: readonly SqlValue[]) => {
        if (sql.includes('count(*)')) counted++;
        return executor.get(sql, params);
      },
      dataVersion: () => executor.dataVersion(),
    },
  };
  return async (filter) => {
    const query: ListQuery = {
      subKey: 'k',
      resource: 'uuids',
      filter: parseFilter(filter),
      sort: parseSort('uuids', []),
      limit: 2,
      count: true,
      withRelated: false,
    };
    return (await listPage(backend, query, (row) => uuidFromValues(row))).totalCount;
  };
}

describe('totalCount of a list on SQLite', () => {
  it('counts a repeated list once while nothing is written', async () => {
    for (const [id, status] of [
      ['a', 'on'],
      ['b', 'on'],
      ['c', 'off'],
    ])
      insert(store.db, id!, status!);
    const total = lister();
    expect(await total('status == "on"')).toBe(2);
    expect(await total('status == "on"')).toBe(2);
    expect(await total('status == "off"')).toBe(1);
    expect(await total('status == "on"')).toBe(2);
    expect(counted).toBe(2);
  });

  it('counts again after a write on the node’s own connection, and after one from another process', async () => {
    insert(store.db, 'a', 'on');
    const total = lister();
    expect(await total('status == "on"')).toBe(1);
    insert(store.db, 'b', 'on');
    expect(await total('status == "on"')).toBe(2);
    const other = new Database(join(dir, 'roster.db'));
    other.function('sort_key', { deterministic: true }, (value: unknown) => String(value ?? ''));
    other.prepare(`DELETE FROM uuids WHERE id = 'a'`).run();
    other.close();
    expect(await total('status == "on"')).toBe(1);
    expect(counted).toBe(3);
  });
});
