import type { Custom, CustomValue } from '../../model/records.ts';
import { sortKey } from '../../query/collation.ts';

/*
 * How values cross into PostgreSQL so that it compares them exactly as SQLite does.
 *
 * PostgreSQL's `text` and `jsonb` cannot hold U+0000, which a name or a custom value may hold.
 * Every text is therefore stored with U+0000 written as U+0001 U+0001 and U+0001 as U+0001
 * U+0002 (`encodeText`), and read back through `decodeText`. The mapping keeps equality, and
 * under `COLLATE "C"` (byte order, which is code point order) it keeps order and prefixes too.
 * Sort keys are stored as `bytea`, the UTF-8 bytes of `sortKey`, unchanged.
 */

const NEEDS_ESCAPE = /[\u0000\u0001]/;
const ESCAPED = /\u0001[\u0001\u0002]/g;

/** `text` as PostgreSQL stores it: U+0000 and U+0001 spelled with U+0001 before U+0001 or U+0002. */
export function encodeText(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[\u0000\u0001]/g, (char) => (char === '\u0000' ? '\u0001\u0001' : '\u0001\u0002'));
}

/** The text `encodeText` was given. */
export function decodeText(stored: string): string {
  if (!stored.includes('\u0001')) return stored;
  return stored.replace(ESCAPED, (pair) => (pair === '\u0001\u0001' ? '\u0000' : '\u0001'));
}

const SIGN = 1n << 63n;
const ALL_BITS = (1n << 64n) - 1n;

/**
 * A number as 16 hex digits whose text order (byte order) is the numbers' order: the IEEE 754
 * bits with the sign bit set for a positive number, all bits inverted for a negative one.
 * `-0` is `0`, as in SQLite. Custom numbers are compared and sorted in this form.
 */
export function orderedNumber(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value === 0 ? 0 : value);
  const bits = view.getBigUint64(0);
  return ((bits & SIGN) !== 0n ? ~bits & ALL_BITS : bits | SIGN).toString(16).padStart(16, '0');
}

/**
 * The `custom` object as the filters see it (`custom_q`): each value a string whose first
 * letter is its JSON type and the rest its value in comparable form (`s` and the text, `n` and
 * `orderedNumber`, `t`, `f`, `z` for null). Keys and texts are encoded as all text is.
 */
export function customQuery(custom: Custom | null): Record<string, string> | null {
  if (custom === null) return null;
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(custom)) query[encodeText(key)] = tagged(value);
  return query;
}

function tagged(value: CustomValue): string {
  if (typeof value === 'string') return `s${encodeText(value)}`;
  if (typeof value === 'number') return `n${orderedNumber(value)}`;
  if (value === null) return 'z';
  return value ? 't' : 'f';
}

/**
 * The `custom` object as sorts see it (`custom_k`): for each non-null value, what it sorts by
 * within its JSON type: a text's `sortKey`, a number's `orderedNumber`, `0` or `1` for false and
 * true. A null or missing value has none (it sorts first, with the key `''`).
 */
export function customSortKeys(custom: Custom | null): Record<string, string> | null {
  if (custom === null) return null;
  const keys: Record<string, string> = {};
  for (const [key, value] of Object.entries(custom)) {
    if (value === null) continue;
    keys[encodeText(key)] = typeof value === 'string' ? encodeText(sortKey(value)) : typeof value === 'number' ? orderedNumber(value) : value ? '1' : '0';
  }
  return keys;
}
