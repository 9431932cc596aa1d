import type { SqlDialect, SqlParams } from '../../query/dialect.ts';
import { ALIAS, TABLE_NAME } from '../sql/tables.ts';
import { SORT_KEY_COLUMNS, SORT_KEY_FUNCTION } from './schema.ts';

class PositionalParams implements SqlParams {
  readonly values: (string | number | null)[] = [];
  add(value: string | number | null): string {
    this.values.push(value);
    return '?';
  }
}

/**
 * A JSON path naming one top-level key, quoted so any key text is safe. NUL is written as an
 * escape: SQLite reads the path as a C string, so a raw NUL would cut it short ('bad JSON path').
 */
export function jsonKeyPath(key: string): string {
  return `$."${key.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\u0000', '\\u0000')}"`;
}

export const sqliteDialect: SqlDialect = {
  params: () => new PositionalParams(),
  column: (table, column) => `${ALIAS[table]}.${column}`,
  customValue: (table, key, params) => `json_extract(${ALIAS[table]}.custom, ${params.add(jsonKeyPath(key))})`,
  customType: (table, key, params) =>
    `(CASE json_type(${ALIAS[table]}.custom, ${params.add(jsonKeyPath(key))})` +
    ` WHEN 'integer' THEN 'number' WHEN 'real' THEN 'number' ELSE json_type(${ALIAS[table]}.custom, ${params.add(jsonKeyPath(key))}) END)`,
  // `fold` is registered on every connection (see connection.ts): Unicode-aware upper case, for LIKE.
  fold: (expr) => `fold(${expr})`,
  // The generated `<column>_key` columns of schema.ts.
  sortKey: (table, column) =>
    SORT_KEY_COLUMNS[TABLE_NAME[table] as keyof typeof SORT_KEY_COLUMNS].includes(column) ? `${ALIAS[table]}.${column}_key` : undefined,
  // The function those columns are generated with (connection.ts registers it).
  collationKey: (expr) => `${SORT_KEY_FUNCTION}(${expr})`,
  // `like_match` (connection.ts) folds case as `fold` does and runs in time linear in the text;
  // SQLite's LIKE can take text × pattern steps per row, seconds for a crafted pattern.
  like: (expr, pattern) => `like_match(${expr}, ${pattern})`,
};
