import type { ListPage, ListQuery } from '../store.ts';
import type { SqlBackend } from './executor.ts';
import { countStatement, listStatement, selectColumns, type ListStatement, type Statement } from './list-sql.ts';
import type { SqlValues } from './rows.ts';

/** The sort-component values, selected after the record's columns. */
const keysOf = (row: SqlValues, count: number) => row.slice(row.length - count);

/** Turns the rows of a list statement (one extra fetched) into a page with its boundary keys. */
function readPage<T>(rows: SqlValues[], statement: ListStatement, query: ListQuery, fromRow: (row: SqlValues) => T): ListPage<T> {
  const more = rows.length > query.limit;
  const kept = more ? rows.slice(0, query.limit) : rows;
  if (statement.reversed) kept.reverse();
  const first = kept[0];
  const last = kept.at(-1);
  return {
    rows: kept.map(fromRow),
    ...(first ? { first: keysOf(first, statement.componentCount) } : {}),
    ...(last ? { last: keysOf(last, statement.componentCount) } : {}),
    hasPrevious: statement.reversed ? more : query.cursor !== undefined,
  };
}

/**
 * Runs one list query: the page (one row extra, to know what lies beyond) and, if asked, the
 * count. Both reads are issued together, so a backend that answers at once (SQLite) reads them
 * with no write in between.
 */
export async function listPage<T>(backend: SqlBackend, query: ListQuery, fromRow: (row: SqlValues) => T): Promise<ListPage<T>> {
  const statement = listStatement(backend.dialect, query, selectColumns(query.resource));
  const count = query.count ? countStatement(backend.dialect, query) : undefined;
  const [rows, total] = await Promise.all([backend.executor.all(statement.sql, statement.params), count && totalOf(backend, count)]);
  const page = readPage(rows, statement, query, fromRow);
  if (total !== undefined) page.totalCount = total;
  return page;
}

/** What `count` counts: kept from an earlier list while the data has not changed since (`SqlBackend.counts`). */
async function totalOf({ executor, counts }: SqlBackend, count: Statement): Promise<number> {
  const counted = async () => Number((await executor.get(count.sql, count.params))![0]);
  const version = executor.dataVersion?.();
  if (counts === undefined || version === undefined) return counted();
  const kept = counts.get(count.sql, count.params, version);
  if (kept !== undefined) return kept;
  const total = await counted();
  counts.set(count.sql, count.params, version, total);
  return total;
}
