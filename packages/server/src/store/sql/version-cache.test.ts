import type Database from 'better-sqlite3';
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
import type { CursorValue } from '../../query/cursor.ts';
import type { ListQuery } from '../store.ts';
import { keptLists, listPage } from './page.ts';
import { uuidToWire } from '../../objects/shape.ts';
import { wireText } from '../../objects/wire-text.ts';
import { uuidFromValues, type SqlValue } from './rows.ts';
import { statementKey } from './version-cache.ts';

// Lists on SQLite: a page and its total are read once per data version, and read again after any
// write (the store holds the file alone: lock.ts).

let dir: string;
let store: SqliteStore;
/** The count statements and page reads SQLite really ran. */
let counted: number;
let paged: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roster-counts-'));
  store = new SqliteStore({ path: join(dir, 'roster.db'), synchronous: 'normal' });
  counted = 0;
  paged = 0;
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (db: Database.Database, id: string, status: string) =>
  insertRow(db, 'uuids', { sub_key: 'k', id, status, updated: '2026-12-01T00:00:00.000000Z', etag: 'e' });

/** `count=true` lists of `filter` (2 a page) on the store's own connection, kept as the store keeps them, counting the statements run. */
function lister(): (filter: string, after?: CursorValue[]) => Promise<{ ids: string[]; total: number | undefined; last?: CursorValue[] }> {
  const executor = new SqliteExecutor(new StatementCache(store.db));
  const backend = {
    dialect: sqliteDialect,
    kept: keptLists(),
    executor: {
      all: (sql: string, params: readonly SqlValue[]) => {
        paged++;
        return executor.all(sql, params);
      },
      get: (sql: string, params: readonly SqlValue[]) => {
        if (sql.includes('count(*)')) counted++;
        return executor.get(sql, params);
      },
      dataVersion: () => executor.dataVersion(),
    },
  };
  return async (filter, after) => {
    const query: ListQuery = {
      subKey: 'k',
      resource: 'uuids',
      filter: parseFilter(filter),
      sort: parseSort('uuids', []),
      limit: 2,
      count: true,
      withRelated: false,
      ...(after === undefined ? {} : { cursor: { direction: 'next' as const, values: after } }),
    };
    const page = await listPage(backend, query, (row) => uuidFromValues(row));
    return { ids: page.rows.map((row) => row.id), total: page.totalCount, ...(page.last ? { last: page.last } : {}) };
  };
}

const insertAll = (rows: [string, string][]) => rows.forEach(([id, status]) => insert(store.db, id, status));

describe('lists on SQLite, kept per data version', () => {
  it('reads a repeated list once while nothing is written', async () => {
    insertAll([
      ['a', 'on'],
      ['b', 'on'],
      ['c', 'off'],
    ]);
    const list = lister();
    expect(await list('status == "on"')).toMatchObject({ ids: ['a', 'b'], total: 2 });
    expect(await list('status == "on"')).toMatchObject({ ids: ['a', 'b'], total: 2 });
    expect(await list('status == "off"')).toMatchObject({ ids: ['c'], total: 1 });
    expect(await list('status == "on"')).toMatchObject({ ids: ['a', 'b'], total: 2 });
    expect({ paged, counted }).toEqual({ paged: 2, counted: 2 });
  });

  it('counts a list once for all its pages', async () => {
    insertAll([
      ['a', 'on'],
      ['b', 'on'],
      ['c', 'on'],
    ]);
    const list = lister();
    const first = await list('status == "on"');
    expect(first).toMatchObject({ ids: ['a', 'b'], total: 3 });
    expect(await list('status == "on"', first.last)).toMatchObject({ ids: ['c'], total: 3 });
    expect({ paged, counted }).toEqual({ paged: 2, counted: 1 });
  });

  it('reads again after any write', async () => {
    insert(store.db, 'a', 'on');
    const list = lister();
    expect(await list('status == "on"')).toMatchObject({ ids: ['a'], total: 1 });
    insert(store.db, 'b', 'on');
    expect(await list('status == "on"')).toMatchObject({ ids: ['a', 'b'], total: 2 });
    store.db.prepare(`DELETE FROM uuids WHERE id = 'a'`).run();
    expect(await list('status == "on"')).toMatchObject({ ids: ['b'], total: 1 });
    expect({ paged, counted }).toEqual({ paged: 3, counted: 3 });
  });

  it('hands out kept pages frozen, so no caller can change what the next one gets', async () => {
    insert(store.db, 'a', 'on');
    const list = lister();
    await list('status == "on"');
    const executor = new SqliteExecutor(new StatementCache(store.db));
    const query: ListQuery = { subKey: 'k', resource: 'uuids', sort: parseSort('uuids', []), limit: 2, count: false, withRelated: false };
    const backend = { dialect: sqliteDialect, kept: keptLists(), executor };
    const page = await listPage(backend, query, (row) => uuidFromValues(row));
    expect(Object.isFrozen(page.rows)).toBe(true);
    expect(Object.isFrozen(page.rows[0])).toBe(true);
    expect(await listPage(backend, query, (row) => uuidFromValues(row))).toBe(page);
  });
});

describe('kept pages, bounded in bytes', () => {
  it('count the texts kept for their rows, so those too push the oldest page out', async () => {
    for (const id of ['a', 'b']) {
      insertRow(store.db, 'uuids', {
        sub_key: 'k',
        id,
        status: 'on',
        custom: JSON.stringify({ bio: id.repeat(40_000) }),
        updated: '2026-12-01T00:00:00.000000Z',
        etag: 'e',
      });
    }
    const backend = { dialect: sqliteDialect, kept: keptLists(180 * 1024), executor: new SqliteExecutor(new StatementCache(store.db)) };
    const list = (limit: number) =>
      listPage(backend, { subKey: 'k', resource: 'uuids', sort: parseSort('uuids', []), limit, count: false, withRelated: false }, (row) =>
        uuidFromValues(row),
      );
    const one = await list(1);
    const two = await list(2);
    expect(await list(1)).toBe(one); // 3 rows of about 40 KB kept, in 180 KiB
    expect(await list(2)).toBe(two);
    const include = Object.freeze({ custom: true, status: false, type: false });
    for (const row of two.rows) wireText(row, include, uuidToWire); // about 40 KB more each
    expect(await list(2)).toBe(two);
    expect(await list(1)).not.toBe(one);
  });
});

describe('statementKey', () => {
  it('keeps a short statement as it is and a long one as a digest that still tells parameters apart', () => {
    expect(statementKey('SELECT 1', ['a'])).toBe('SELECT 1\u0000["a"]');
    const long = 'SELECT x FROM uuids WHERE '.padEnd(600, ' ');
    const keys = [['\uD800'], ['\uD801'], ['\uFFFD'], ['a'], [1], ['1']].map((params) => statementKey(long, params));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.every((key) => key.length < 60)).toBe(true);
    expect(statementKey(long, ['\uD800'])).toBe(keys[0]);
  });
});
