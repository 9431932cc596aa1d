/**
 * Comparing records' content (apply.ts): `custom` objects through their canonical JSON, object
 * keys sorted by UTF-16 code unit (the order of `sort()`), so equal content serializes equally.
 */

/** Sorts a few keys in place, allocating nothing (records' `custom` objects hold a handful). */
function sortKeys(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > key; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = key;
  }
  return keys;
}

/** JSON with object keys sorted. */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const object = value as Record<string, unknown>;
  const keys = sortKeys(Object.keys(object));
  let json = '{';
  for (let i = 0; i < keys.length; i++) json += `${i === 0 ? '' : ','}${JSON.stringify(keys[i])}:${canonical(object[keys[i]!])}`;
  return `${json}}`;
}

/** Whether two records' `fields` have the same content, `custom` compared whatever the order of its keys. */
export function sameContent(a: object, b: object, fields: readonly string[]): boolean {
  for (const field of fields) {
    const x = (a as Record<string, unknown>)[field] ?? null;
    const y = (b as Record<string, unknown>)[field] ?? null;
    if (x === y) continue;
    if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object' || canonical(x) !== canonical(y)) return false;
  }
  return true;
}
