import type { Custom } from '../../model/records.ts';
import { columnsOf, sortKeyColumnsOf, type ResourceDescriptor } from '../../model/resources.ts';
import { sortKey } from '../../query/collation.ts';
import { rowWriter } from '../sql/rows.ts';
import { customQuery, customSortKeys } from './codec.ts';

/** One stored value as postgres.js binds it: text, a JSON object (for `jsonb`), or NULL. */
export type StoredValue = string | Record<string, string> | null;

/**
 * How a record of one resource is stored: its columns (model/resources.ts), then the comparable
 * forms of `custom`, then the sort key of each sortable text column. Keys and comparable forms
 * are computed here, in JavaScript, so they are the very keys SQLite computes.
 */
export interface StoredShape<R> {
  columns: readonly string[];
  values: (record: R) => StoredValue[];
  /** The columns whose values depend on the collation (`COLLATION_STAMP`): the keys and `custom_k`. */
  keyColumns: readonly string[];
  keyValues: (record: R) => StoredValue[];
}

export function storedShape<R>(resource: ResourceDescriptor<R>): StoredShape<R> {
  const own = columnsOf(resource);
  const keyed = sortKeyColumnsOf(resource);
  const write = rowWriter(resource);
  const keyedIndexes = keyed.map((column) => own.indexOf(column));
  const customOf = (record: R) => (record as { custom: Custom | null }).custom;
  const keyValues = (record: R, values = write(record)): StoredValue[] => [
    customSortKeys(customOf(record)),
    ...keyedIndexes.map((index) => sortKey(values[index] ?? null)),
  ];
  return {
    columns: [...own, 'custom_q', 'custom_k', ...keyed.map((column) => `${column}_key`)],
    values: (record) => {
      const values = write(record);
      return [...values, customQuery(customOf(record)), ...keyValues(record, values)];
    },
    keyColumns: ['custom_k', ...keyed.map((column) => `${column}_key`)],
    keyValues: (record) => keyValues(record),
  };
}

/** `$from, $from+1, …` for `count` values. */
export function placeholders(count: number, from = 1): string {
  return Array.from({ length: count }, (_, index) => `$${from + index}`).join(', ');
}
