/** Ordered query parameters; a key may repeat (`sort=a&sort=b`). */
export type QueryParams = ReadonlyArray<readonly [key: string, value: string]>;

/**
 * PubNub's percent-encoding: `encodeURIComponent` plus `!~*'()`, so only `A-Z a-z 0-9 - _ .`
 * stay literal and a space is `%20`, never `+`. Request signatures are computed over this form,
 * so it must match the server's byte for byte.
 */
export function encodeComponent(value: string): string {
  return encodeURIComponent(value).replace(/[!~*'()]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `k=v&k=v` with every value encoded by {@link encodeComponent}, in the given order. */
export function encodeQuery(query: QueryParams): string {
  return query.map(([key, value]) => `${key}=${encodeComponent(value)}`).join('&');
}

/** A path from segments, each encoded so an id holding `/` stays one segment. */
export function encodePath(...segments: readonly string[]): string {
  return segments.map((segment) => `/${encodeComponent(segment)}`).join('');
}
