import type Database from 'better-sqlite3';
import { sortKey } from '../src/query/collation.ts';
import { SORT_KEY_COLUMNS } from '../src/store/sqlite/schema.ts';

/**
 * Writes a row into a keyed table of a SQLite database by hand, with the sort keys the store
 * writes beside it (store/sqlite/keyed-row.ts): for tests that set up rows the API would not
 * write, or faster than it would.
 *
 * @example insertRow(db, 'uuids', { sub_key: 's', id: 'u1', name: 'Ann', updated: '0', etag: 'e' });
 */
export function insertRow(db: Database.Database, table: keyof typeof SORT_KEY_COLUMNS, row: Record<string, string | null>): void {
  const values: Record<string, string | null> = { ...row };
  for (const column of SORT_KEY_COLUMNS[table]) values[`${column}_key`] = sortKey(row[column] ?? null);
  const columns = Object.keys(values);
  db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...Object.values(values));
}
