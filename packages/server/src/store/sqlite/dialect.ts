import type { SqlDialect, SqlParams } from '../../query/dialect.ts';
import type { Table } from '../../query/fields.ts';

/** Table aliases every SQLite list statement uses. */
export const ALIAS: Record<Table, string> = { uuid: 'u', channel: 'c', membership: 'm' };

class PositionalParams implements SqlParams {
  readonly values: (string | number | null)[] = [];
  add(value: string | number | null): string {
    this.values.push(value);
    return '?';
  }
}

/** A JSON path naming one top-level key, quoted so any key text is safe. */
export function jsonKeyPath(key: string): string {
  return `$."${key.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

export const sqliteDialect: SqlDialect = {
  params: () => new PositionalParams(),
  column: (table, column) => `${ALIAS[table]}.${column}`,
  customValue: (table, key, params) => `json_extract(${ALIAS[table]}.custom, ${params.add(jsonKeyPath(key))})`,
  customType: (table, key, params) =>
    `(CASE json_type(${ALIAS[table]}.custom, ${params.add(jsonKeyPath(key))})` +
    ` WHEN 'integer' THEN 'number' WHEN 'real' THEN 'number' ELSE json_type(${ALIAS[table]}.custom, ${params.add(jsonKeyPath(key))}) END)`,
  // `fold` is registered on every connection (see connection.ts): Unicode-aware upper case.
  fold: (expr) => `fold(${expr})`,
  like: (expr, pattern) => `${expr} LIKE ${pattern} ESCAPE '\\'`,
};
