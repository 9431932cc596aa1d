import { columnsOf, sortKeyColumnsOf, type ResourceDescriptor } from '../../model/resources.ts';
import { sortKey } from '../../query/collation.ts';
import { rowWriter } from '../sql/rows.ts';

/**
 * How a record of one resource is written to SQLite: its columns (model/resources.ts), then the
 * sort key of each sortable text column (`<column>_key`, schema.ts). The keys are computed here,
 * in JavaScript, as PostgreSQL's are (postgres/rows.ts), and only for what a write changes:
 * SQLite never calls back into JavaScript to compute one, neither when it writes nor when it reads.
 */
export interface KeyedRow<R> {
  /** The record's columns, then its key columns. */
  columns: readonly string[];
  /** Values for `columns`. */
  values: (record: R) => (string | null)[];
  /** The values of the record's own columns alone, in `columnsOf(resource)` order. */
  own: (record: R) => (string | null)[];
  /** The key column of `column`, or undefined when it has none. */
  keyColumn: (column: string) => string | undefined;
}

/** The sort key stored for a text value (`''` for NULL). */
export const storedKey = (value: string | null): string => sortKey(value);

export function keyedRow<R>(resource: ResourceDescriptor<R>): KeyedRow<R> {
  const own = columnsOf(resource);
  const keyed = sortKeyColumnsOf(resource);
  const keyedIndexes = keyed.map((column) => own.indexOf(column));
  const write = rowWriter(resource);
  const keyColumns = new Map(keyed.map((column) => [column, `${column}_key`]));
  return {
    columns: [...own, ...keyed.map((column) => `${column}_key`)],
    values: (record) => {
      const values = write(record);
      return [...values, ...keyedIndexes.map((index) => storedKey(values[index] ?? null))];
    },
    own: write,
    keyColumn: (column) => keyColumns.get(column),
  };
}
