import type { Custom } from '../../model/records.ts';
import { columnsOf, sortKeyColumnsOf, type ResourceDescriptor } from '../../model/resources.ts';
import { sortKey } from '../../query/collation.ts';
import { customText, rowWriter } from '../sql/rows.ts';

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
  /**
   * What an UPDATE from `current` to `record` assigns: `mask` has bit i set for each changed
   * column i of `columnsOf(resource)`, `values` holds each one's value, then its key when it has
   * one. Text is compared by value, `custom` by reference (another object is written again: it
   * has no index to update).
   */
  changes: (current: R, record: R) => { mask: number; values: (string | null)[] };
  /** The SET list of an UPDATE assigning the columns of `mask` (and their keys), in `changes`' order. */
  assignments: (mask: number) => string;
}

/** The sort key stored for a text value (`''` for NULL). */
export const storedKey = (value: string | null): string => sortKey(value);

export function keyedRow<R>(resource: ResourceDescriptor<R>): KeyedRow<R> {
  const own = columnsOf(resource);
  const keyed = sortKeyColumnsOf(resource);
  const keyedIndexes = keyed.map((column) => own.indexOf(column));
  const write = rowWriter(resource);
  const fields = resource.fields.map((field) => ({ name: field.name, json: field.type === 'json', keyed: field.sortKey }));
  return {
    columns: [...own, ...keyed.map((column) => `${column}_key`)],
    values: (record) => {
      const values = write(record);
      return [...values, ...keyedIndexes.map((index) => storedKey(values[index] ?? null))];
    },
    changes: (current, record) => {
      let mask = 0;
      const values: (string | null)[] = [];
      for (let index = 0; index < fields.length; index++) {
        const { name, json, keyed } = fields[index]!;
        const value = record[name] as unknown;
        if (value === current[name]) continue;
        mask |= 1 << index;
        if (json) {
          values.push(customText(value as Custom | null));
        } else {
          values.push(value as string | null);
          if (keyed) values.push(storedKey(value as string | null));
        }
      }
      return { mask, values };
    },
    assignments: (mask) =>
      fields
        .flatMap(({ keyed }, index) => ((mask & (1 << index)) === 0 ? [] : keyed ? [`${own[index]} = ?`, `${own[index]}_key = ?`] : [`${own[index]} = ?`]))
        .join(', '),
  };
}
