import { CHANNEL_RESOURCE, MEMBERSHIP_RESOURCE, sortKeyColumnsOf, UUID_RESOURCE } from '../../model/resources.ts';
import type { SqlDialect, SqlParams } from '../../query/dialect.ts';
import type { Table } from '../../query/fields.ts';
import { ALIAS } from '../sql/tables.ts';

class NumberedParams implements SqlParams {
  readonly values: (string | number | null)[] = [];
  add(value: string | number | null): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The text columns with a stored `<column>_key bytea` (the sort key of query/collation.ts), per logical table. */
export const KEY_COLUMNS: Record<Table, readonly string[]> = {
  uuid: sortKeyColumnsOf(UUID_RESOURCE),
  channel: sortKeyColumnsOf(CHANNEL_RESOURCE),
  membership: sortKeyColumnsOf(MEMBERSHIP_RESOURCE),
};

/**
 * PostgreSQL's upper case of a text as JavaScript's `toUpperCase` gives it (what SQLite's LIKE
 * folds with): ICU's root locale maps case in full (`ß` to `SS`) whatever the database's locale.
 */
const fold = (expr: string): string => `upper((${expr}) COLLATE "und-x-icu")`;

/** The tagged custom value of codec.ts `customQuery`, `$key` bound. */
const tagged = (table: Table, key: string, params: SqlParams): string => `(${ALIAS[table]}.custom_q ->> ${params.add(key)})`;

/**
 * The list and filter SQL of ../sql/ and query/filter/compile.ts, spelled for PostgreSQL. Text
 * columns are `COLLATE "C"` (code point order, as SQLite's BINARY); sort keys are the stored
 * `bytea` columns, computed by the application (codec.ts); custom values are read from the
 * comparable forms of codec.ts. Values are bound as `$n`; the connection sends each in the form
 * its inferred type needs (connection.ts).
 */
export const postgresDialect: SqlDialect = {
  params: () => new NumberedParams(),
  column: (table, column) => `${ALIAS[table]}.${column}`,
  // The text after the type letter: a text as stored, a number as `orderedNumber`, which a
  // number bound where text is expected is sent as (connection.ts).
  customValue: (table, key, params) => `(substr(${tagged(table, key, params)}, 2) COLLATE "C")`,
  customType: (table, key, params) =>
    `(CASE left(${tagged(table, key, params)}, 1) WHEN 's' THEN 'text' WHEN 'n' THEN 'number' WHEN 't' THEN 'true' WHEN 'f' THEN 'false' WHEN 'z' THEN 'null' END)`,
  fold,
  sortKey: (table, column) => (KEY_COLUMNS[table].includes(column) ? `${ALIAS[table]}.${column}_key` : undefined),
  collationKey: () => {
    // Every sortable text column has a stored key, and custom sorts use `customSortTerm`.
    throw new Error('PostgreSQL computes no collation keys in SQL; they are stored by the application');
  },
  // PostgreSQL's LIKE takes up to text × pattern steps per row for a crafted pattern, and can
  // match inside codec.ts's escapes: it runs only for patterns where it cannot do either
  // (`roster_like_native`), else `roster_like`, linear as SQLite's `like_match` (like-sql.ts).
  // The pattern is read once per statement: each sub-select refers to no row.
  like: (expr, pattern) =>
    `COALESCE(CASE WHEN (SELECT roster_like_native(${pattern})) THEN ${fold(expr)} LIKE (SELECT ${fold(pattern)})` +
    ` ELSE roster_like(${fold(expr)}, (SELECT roster_like_prepare(${pattern}))) END, FALSE)`,
  customSortTerm: (table, key, term, params) =>
    term === 'rank'
      ? `(CASE left(${tagged(table, key, params)}, 1) WHEN 's' THEN '3' WHEN 'n' THEN '2' WHEN 't' THEN '1' WHEN 'f' THEN '1' ELSE '0' END COLLATE "C")`
      : `(COALESCE(${ALIAS[table]}.custom_k ->> ${params.add(key)}, '') COLLATE "C")`,
};
