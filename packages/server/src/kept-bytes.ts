/**
 * What a node keeps in memory for reuse weighs: cached records and kept pages
 * (`approximateBytes`, for caches bounded in bytes: `WeighedMap`), and the texts later made of
 * them and kept beside them (`keepBeside`), counted by the cache that keeps the value.
 */

const STRING_BYTES = 16;
const OBJECT_BYTES = 32;
const ENTRY_BYTES = 16;
const SCALAR_BYTES = 8;

const BEYOND_LATIN1 = /[^\x00-\xff]/;

/**
 * The memory a text takes in V8, in bytes: one per character, two when any character is beyond
 * U+00FF. Testing the text also flattens a text built by concatenation into one string.
 */
export function textBytes(text: string): number {
  return BEYOND_LATIN1.test(text) ? 2 * text.length : text.length;
}

/**
 * About what `value` (plain JSON-like data: strings, numbers, booleans, null, arrays, objects)
 * holds in memory, walked once: each string as `textBytes` and each key at two bytes a character,
 * each object or array with a fixed overhead per entry.
 */
export function approximateBytes(value: unknown): number {
  if (typeof value === 'string') return STRING_BYTES + textBytes(value);
  if (typeof value !== 'object' || value === null) return SCALAR_BYTES;
  let bytes = OBJECT_BYTES;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) bytes += SCALAR_BYTES + approximateBytes(item);
  } else {
    const fields = value as Record<string, unknown>;
    for (const key in fields) bytes += ENTRY_BYTES + 2 * key.length + approximateBytes(fields[key]); // no array per object, as Object.entries makes
  }
  return bytes;
}

/** Told how much more (less, when negative) is kept beside a value it keeps, in bytes. */
export type KeptBeside = (bytes: number) => void;

const keepers = new WeakMap<object, KeptBeside>();

/** `value` is kept (by a cache) that counts through `beside` what is kept with it from now on. */
export function keptBy(value: object, beside: KeptBeside): void {
  keepers.set(value, beside);
}

/** `bytes` more (fewer, when negative) are kept beside `value`: counted by whoever keeps it, if anyone does. */
export function keepBeside(value: object, bytes: number): void {
  keepers.get(value)?.(bytes);
}
