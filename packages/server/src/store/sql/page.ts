import { deepFreeze } from '../../deep-freeze.ts';
import { approximateBytes, keptBy } from '../../kept-bytes.ts';
import type { SqlDialect } from '../../query/dialect.ts';
import type { ListPage, ListQuery } from '../store.ts';
import type { KeptLists, SqlBackend } from './executor.ts';
import { countStatement, listStatement, selectColumns, type ListStatement, type Statement } from './list-sql.ts';
import type { SqlValues } from './rows.ts';
import { statementKey, VersionCache } from './version-cache.ts';

/**
 * Pages kept at most: about as many records as the record cache holds (object-store.ts), each
 * page's wire text kept beside it (objects/wire-text.ts); and what they may weigh with those
 * texts (`keepBeside`), in bytes.
 */
const PAGES_KEPT = 100;
const PAGES_KEPT_BYTES = 64 * 1024 * 1024;
/** Counts kept at most: one per distinct list (keyset, owner, filter). */
const COUNTS_KEPT = 1000;

/** A backend's kept lists, for `SqlBackend.kept`; their pages weigh `pageBytes` at most. */
export const keptLists = (pageBytes = PAGES_KEPT_BYTES): KeptLists => ({
  pages: new VersionCache<ListPage<unknown>>(PAGES_KEPT, pageBytes, approximateBytes),
  counts: new VersionCache<number>(COUNTS_KEPT, Infinity, approximateBytes),
});

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
 * with no write in between. A backend that tells its data version answers a list asked again
 * before any write from the page it kept.
 */
export async function listPage<T>(backend: SqlBackend, query: ListQuery, fromRow: (row: SqlValues) => T): Promise<ListPage<T>> {
  const { statement, count, pageKey } = prepared(backend.dialect, query);
  const asked = backend.kept && backend.executor.dataVersion?.();
  const version = typeof asked === 'object' ? await asked : asked;
  if (version === undefined) return readList(backend, statement, count, query, fromRow);
  const kept = backend.kept!;
  const page = kept.pages.get(pageKey, version) as ListPage<T> | undefined;
  if (page !== undefined) return page;
  const read = deepFreeze(await readList(backend, statement, count, query, fromRow, version));
  const beside = kept.pages.set(pageKey, version, read);
  // The texts of the page and of its rows (objects/wire-text.ts) count towards the page's weight.
  keptBy(read, beside);
  for (const row of read.rows) keptBy(row as object, beside);
  return read;
}

/** A list query's statements, and the keys its page and count are kept under. */
interface Prepared {
  statement: ListStatement;
  count: (Statement & { key: string }) | undefined;
  pageKey: string;
}

/**
 * Statements made per dialect and frozen query: a list asked again is validated into the same
 * frozen query (http/params.ts), so its SQL is built once, not on every request. Only statements
 * of up to `MAX_KEPT_CHARS` characters (text and parameters) are kept with their query: a short
 * request can make a long statement, and the kept queries must stay a few MB in all.
 */
const preparedQueries = new WeakMap<SqlDialect, WeakMap<ListQuery, Prepared>>();
const MAX_KEPT_CHARS = 8 * 1024;

function prepared(dialect: SqlDialect, query: ListQuery): Prepared {
  if (!Object.isFrozen(query)) return prepare(dialect, query);
  let byQuery = preparedQueries.get(dialect);
  if (byQuery === undefined) preparedQueries.set(dialect, (byQuery = new WeakMap()));
  const known = byQuery.get(query);
  if (known !== undefined) return known;
  const statements = prepare(dialect, query);
  if (charsOf(statements.statement) + (statements.count ? charsOf(statements.count) : 0) <= MAX_KEPT_CHARS) byQuery.set(query, deepFreeze(statements));
  return statements;
}

/** About how much text a statement holds: its SQL and its string parameters, in characters. */
function charsOf({ sql, params }: Statement): number {
  let chars = sql.length;
  for (const param of params) chars += typeof param === 'string' ? param.length : 8;
  return chars;
}

function prepare(dialect: SqlDialect, query: ListQuery): Prepared {
  const statement = listStatement(dialect, query, selectColumns(query.resource));
  const count = query.count ? countStatement(dialect, query) : undefined;
  return {
    statement,
    count: count && { ...count, key: statementKey(count.sql, count.params) },
    // Everything `readList` reads the rows with: one statement serves an ascending list's `prev`
    // page and a descending list's `next` page, read in opposite orders. The statement holds the
    // resource, so a kept page has rows of this `fromRow`.
    pageKey: `${query.count}\u0000${statement.reversed}\u0000${query.cursor !== undefined}\u0000${statementKey(statement.sql, statement.params)}`,
  };
}

async function readList<T>(
  backend: SqlBackend,
  statement: ListStatement,
  count: Prepared['count'],
  query: ListQuery,
  fromRow: (row: SqlValues) => T,
  version?: string,
): Promise<ListPage<T>> {
  const [rows, total] = await Promise.all([backend.executor.all(statement.sql, statement.params), count && totalOf(backend, count, version)]);
  const page = readPage(rows, statement, query, fromRow);
  if (total !== undefined) page.totalCount = total;
  return page;
}

/** What `count` counts: kept from an earlier list while the data has not changed since. */
async function totalOf({ executor, kept }: SqlBackend, count: NonNullable<Prepared['count']>, version: string | undefined): Promise<number> {
  const counted = async () => Number((await executor.get(count.sql, count.params))![0]);
  if (kept === undefined || version === undefined) return counted();
  const total = kept.counts.get(count.key, version);
  if (total !== undefined) return total;
  const fresh = await counted();
  kept.counts.set(count.key, version, fresh);
  return fresh;
}
