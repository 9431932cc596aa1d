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

/** Bump when the cursor's encoding changes: cursors of another format are then refused as foreign. */
const CURSOR_FORMAT = 2;

/**
 * A short hash of the query a cursor belongs to. The collation's version is part of it: a
 * cursor holds sort keys, which mean nothing to another version of the collation.
 */
export function fingerprint(parts: readonly (string | undefined)[]): string {
  return createHash('sha256')
    .update(JSON.stringify([COLLATION_VERSION, CURSOR_FORMAT, ...parts]))
    .digest('base64url')
    .slice(0, 11);
}

/** What a list's cursors are made for: which list, its sort as normalized (`name:desc,id:asc`) and its filter as sent. */
export interface ListIdentity {
  resource: string;
  subKey: string;
  ownerId: string | undefined;
  sort: string;
  filter: string;
}

/** The fingerprint a list's cursors carry: a cursor of another keyset, owner, sort or filter is refused. */
export function listFingerprint(list: ListIdentity): string {
  return fingerprint([list.resource, list.subKey, list.ownerId, list.sort, list.filter]);
}

/**
 * How many values a cursor of this sort holds, one per ORDER BY term of the store's list SQL:
 * one per column key, two per custom key (its JSON type's rank, then its value), and the listed
 * id, which ends every order to make it total.
 */
export function cursorWidth(sort: readonly SortKey[]): number {
  return sort.reduce((width, key) => width + (key.field.kind === 'custom' ? 2 : 1), 1);
}

/** The tag byte before each value of a cursor. */
const NULL_VALUE = 0;
const TEXT_VALUE = 1;
const NUMBER_VALUE = 2;

/**
 * The values as bytes: per value a tag, then nothing (null), an 8-byte double (number), or a
 * 4-byte length and the UTF-8 bytes (text). Not JSON: a sort key holds control characters,
 * which JSON writes as six bytes each, so eight keys of `SORT_KEY_BYTES` (collation.ts) made a
 * cursor longer than a URL may be; this way they take about 11 KB of base64url at most.
 */
function valueBytes(values: readonly CursorValue[]): Buffer {
  const parts = values.flatMap((value): Buffer[] => {
    if (value === null) return [Buffer.of(NULL_VALUE)];
    if (typeof value === 'number') {
      const number = Buffer.alloc(9, NUMBER_VALUE);
      number.writeDoubleBE(value, 1);
      return [number];
    }
    const text = Buffer.from(value, 'utf8');
    const head = Buffer.alloc(5, TEXT_VALUE);
    head.writeUInt32BE(text.length, 1);
    return [head, text];
  });
  return Buffer.concat(parts);
}

/** `valueBytes` read back; `undefined` when the bytes are not such values. */
function valuesOf(bytes: Buffer): CursorValue[] | undefined {
  const values: CursorValue[] = [];
  let at = 0;
  while (at < bytes.length) {
    const tag = bytes[at++];
    if (tag === NULL_VALUE) {
      values.push(null);
    } else if (tag === NUMBER_VALUE && at + 8 <= bytes.length) {
      const number = bytes.readDoubleBE(at);
      if (!Number.isFinite(number)) return undefined;
      values.push(number);
      at += 8;
    } else if (tag === TEXT_VALUE && at + 4 <= bytes.length) {
      const end = at + 4 + bytes.readUInt32BE(at);
      if (end > bytes.length) return undefined;
      values.push(bytes.toString('utf8', at + 4, end));
      at = end;
    } else {
      return undefined;
    }
  }
  return values;
}

export function encodeCursor(direction: Cursor['direction'], values: readonly CursorValue[], print: string): string {
  return `${direction === 'next' ? 'n' : 'p'}${print}${valueBytes(values).toString('base64url')}`;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Decodes `start` (a next cursor) or `end` (a prev cursor); a foreign, damaged or misshapen one is a 400. */
export function decodeCursor(text: string, param: 'start' | 'end', expected: CursorExpectation): Cursor {
  const { print } = expected;
  const direction = text[0] === 'n' ? 'next' : text[0] === 'p' ? 'prev' : undefined;
  if (!direction || text.slice(1, 1 + print.length) !== print) {
    throw invalid(param, 'query', `The '${param}' cursor is not valid for this list, sort and filter.`);
  }
  const payload = text.slice(1 + print.length);
  const values = BASE64URL.test(payload) ? valuesOf(Buffer.from(payload, 'base64url')) : undefined;
  if (values === undefined) throw invalid(param, 'query', `The '${param}' cursor is damaged.`);
  if (values.length !== expected.width) {
    throw invalid(direction === 'next' ? 'start' : 'end', 'query', 'The cursor does not match this sort.');
  }
  return { direction, values };
}
