/**
 * Query strings decoded the RFC 3986 way: `%XX` only, and `+` stays a plus (PubNub SDKs send
 * `%20` for spaces, and Python sends raw `+` in tokens). Repeated keys keep every value.
 */
export type QueryValues = Record<string, string | string[]>;

function decode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a malformed escape is taken literally rather than failing the whole request
  }
}

export function parseQueryString(text: string): QueryValues {
  const values: QueryValues = Object.create(null) as QueryValues;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decode(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? '' : decode(pair.slice(equals + 1));
    const existing = values[key];
    if (existing === undefined) values[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else values[key] = [existing, value];
  }
  return values;
}

/** The last value of a parameter (a repeated scalar parameter: last one wins). */
export function single(query: QueryValues, key: string): string | undefined {
  const value = query[key];
  return Array.isArray(value) ? value.at(-1) : value;
}

export function all(query: QueryValues, key: string): string[] {
  const value = query[key];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
