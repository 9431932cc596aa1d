import { createHash } from 'node:crypto';
import { invalid } from '../errors.ts';
import { COLLATION_VERSION } from './collation.ts';
import type { SortKey } from './sort.ts';

/**
 * Opaque page cursors. A cursor holds the sort values of the row a page starts after (`next`)
 * or ends before (`prev`), plus a fingerprint of the query it belongs to, so it is only valid
 * with the same list, sort and filter.
 */
export type CursorValue = string | number | null;

export interface Cursor {
  direction: 'next' | 'prev';
  /** The sort-component values of the row the page starts after (next) or ends before (prev). */
  values: CursorValue[];
}

/** What a decoded cursor must match: the query's fingerprint and its sort's `cursorWidth`. */
export interface CursorExpectation {
  print: string;
  width: number;
}

/**
 * A short hash of the query a cursor belongs to. The collation's version is part of it: a
 * cursor holds sort keys, which mean nothing to another version of the collation.
 */
export function fingerprint(parts: readonly (string | undefined)[]): string {
  return createHash('sha256')
    .update(JSON.stringify([COLLATION_VERSION, ...parts]))
    .digest('base64url')
    .slice(0, 11);
}

/**
 * How many values a cursor of this sort holds, one per ORDER BY term of the store's list SQL:
 * one per column key, two per custom key (its JSON type's rank, then its value), and the listed
 * id, which ends every order to make it total.
 */
export function cursorWidth(sort: readonly SortKey[]): number {
  return sort.reduce((width, key) => width + (key.field.kind === 'custom' ? 2 : 1), 1);
}

export function encodeCursor(direction: Cursor['direction'], values: readonly CursorValue[], print: string): string {
  const payload = Buffer.from(JSON.stringify(values)).toString('base64url');
  return `${direction === 'next' ? 'n' : 'p'}${print}${payload}`;
}

/** Decodes `start` (a next cursor) or `end` (a prev cursor); a foreign, damaged or misshapen one is a 400. */
export function decodeCursor(text: string, param: 'start' | 'end', expected: CursorExpectation): Cursor {
  const { print } = expected;
  const direction = text[0] === 'n' ? 'next' : text[0] === 'p' ? 'prev' : undefined;
  if (!direction || text.slice(1, 1 + print.length) !== print) {
    throw invalid(param, 'query', `The '${param}' cursor is not valid for this list, sort and filter.`);
  }
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(text.slice(1 + print.length), 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || !values.every((v) => v === null || typeof v === 'string' || typeof v === 'number')) {
    throw invalid(param, 'query', `The '${param}' cursor is damaged.`);
  }
  if (values.length !== expected.width) {
    throw invalid(direction === 'next' ? 'start' : 'end', 'query', 'The cursor does not match this sort.');
  }
  return { direction, values: values as CursorValue[] }; // every element checked just above
}
