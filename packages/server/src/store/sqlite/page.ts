import type { ListPage, ListQuery } from '../store.ts';
import { countStatement, listStatement, selectColumns, type ListStatement } from './list-sql.ts';
import type { SqlValues } from './rows.ts';
import type { StatementCache } from './statements.ts';

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

/** Runs one list query: the page (one row extra, to know what lies beyond) and, if asked, the count. */
export function listPage<T>(statements: StatementCache, query: ListQuery, fromRow: (row: SqlValues) => T): ListPage<T> {
  const statement = listStatement(query, selectColumns(query.resource));
  const rows = statements.values(statement.sql).all(...statement.params) as SqlValues[];
  const page = readPage(rows, statement, query, fromRow);
  if (query.count) {
    const count = countStatement(query);
    page.totalCount = (statements.get(count.sql).get(...count.params) as { n: number }).n;
  }
  return page;
}
