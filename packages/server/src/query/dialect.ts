import type { Table } from './fields.ts';

/**
 * What a SQL backend supplies so that filters and sorts compile to its SQL: how to name a
 * column, read a `custom` key, fold case and bind a parameter. Values are always bound, never
 * spliced into the text.
 */
export interface SqlDialect {
  /** A fresh parameter list for one statement. */
  params(): SqlParams;
  /** `alias.column` for a stored column of a logical table. */
  column(table: Table, column: string): string;
  /** The SQL value of `custom[key]` (NULL when missing or JSON null), the key bound as a parameter. */
  customValue(table: Table, key: string, params: SqlParams): string;
  /**
   * The JSON type of `custom[key]` as one of 'text' | 'number' | 'true' | 'false' | 'null',
   * or NULL when the key is missing.
   */
  customType(table: Table, key: string, params: SqlParams): string;
  /** Case folding used by LIKE (upper case; sorts use the collation's keys, not this). */
  fold(expr: string): string;
  /**
   * The indexed sort-key column of a text column, holding `sortKey` of query/collation.ts ('' for
   * NULL) and compared bytewise, or undefined where the backend keeps none.
   */
  sortKey(table: Table, column: string): string | undefined;
  /** `sortKey` of query/collation.ts computed in SQL for a text expression ('' for NULL). */
  collationKey(expr: string): string;
  /**
   * `expr LIKE pattern` ignoring case as `fold` does, true or false (never NULL), in time
   * linear in the text. `%` is the pattern's only wildcard and `\` makes the next character
   * literal (`%`, `_` and `\` of the filter's text come escaped).
   */
  like(expr: string, pattern: string): string;
  /**
   * The two ORDER BY terms a sort on `custom[key]` takes (store/sql/list-sql.ts): its JSON type's
   * rank (missing or null, booleans, numbers, texts), then its value within that type (texts by
   * their collation key). Undefined: the shared SQL computes both from `customType`,
   * `customValue` and `collationKey`, which suits a backend whose columns take any type.
   */
  customSortTerm?(table: Table, key: string, term: 'rank' | 'value', params: SqlParams): string;
}

export interface SqlParams {
  /** Binds a value and returns its placeholder. */
  add(value: string | number | null): string;
  readonly values: (string | number | null)[];
}
