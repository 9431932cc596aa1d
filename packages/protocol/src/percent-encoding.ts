/** Ordered query parameters; a key may repeat (`sort=a&sort=b`). */
export type QueryParams = ReadonlyArray<readonly [key: string, value: string]>;

/** What `encodeURIComponent` leaves literal but PubNub escapes. */
const ALSO_ESCAPED = /[!~*'()]/g;

/** A surrogate pair, or else a lone surrogate (no lookbehind, which older Safari lacks). */
const SURROGATES = /[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uD800-\uDFFF]/g;

/**
 * PubNub's percent-encoding: every character but `A-Z a-z 0-9 - _ .` becomes `%XX` of its
 * UTF-8 bytes (upper-case hex), so a space is `%20`, never `+`. Request signatures are computed
 * over this form, so server and SDK must produce it byte for byte. Never throws: a lone
 * surrogate (not Unicode text) is written as U+FFFD, as `TextEncoder` and browsers' URL
 * encoding do.
 * @example pubnubEncode('a b/ü') // 'a%20b%2F%C3%BC'
 */
export function pubnubEncode(value: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    encoded = encodeURIComponent(value.replace(SURROGATES, (match) => (match.length === 2 ? match : '\uFFFD')));
  }
  return encoded.replace(ALSO_ESCAPED, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `k=v&k=v` with every value encoded by {@link pubnubEncode}, in the given order. */
export function encodeQuery(query: QueryParams): string {
  return query.map(([key, value]) => `${key}=${pubnubEncode(value)}`).join('&');
}

/** A path from segments, each encoded so an id holding `/` stays one segment: `/a/b%2Fc`. */
export function encodePath(...segments: readonly string[]): string {
  return segments.map((segment) => `/${pubnubEncode(segment)}`).join('');
}
