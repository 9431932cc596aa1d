import { createHash } from 'node:crypto';
import { invalid } from '../errors.ts';
import type { Cursor } from '../store/store.ts';
import { COLLATION_VERSION } from './collation.ts';

/**
 * Opaque page cursors. A cursor holds the sort values of the row a page starts after (`next`)
 * or ends before (`prev`), plus a fingerprint of the query it belongs to, so it is only valid
 * with the same list, sort and filter.
 */
export type CursorValue = string | number | null;

/**
 * A short hash of the query a cursor belongs to. The collation's version is part of it: a
 * cursor holds sort keys, which mean nothing to another version of the collation.
 */
export function fingerprint(parts: readonly (string | undefined)[]): string {
  return createHash('sha256').update(JSON.stringify([COLLATION_VERSION, ...parts])).digest('base64url').slice(0, 11);
}

export function encodeCursor(direction: Cursor['direction'], values: readonly CursorValue[], print: string): string {
  const payload = Buffer.from(JSON.stringify(values)).toString('base64url');
  return `${direction === 'next' ? 'n' : 'p'}${print}${payload}`;
}

/** Decodes `start` (a next cursor) or `end` (a prev cursor); a foreign or damaged one is a 400. */
export function decodeCursor(text: string, param: 'start' | 'end', print: string): Cursor {
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
  return { direction, values: values as CursorValue[] }; // every element checked just above
}
