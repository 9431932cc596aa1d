/**
 * Base64 over `btoa`/`atob`, which Node and browsers both have, in the URL-safe alphabet
 * (`-` and `_` for `+` and `/`) that PubNub uses for signatures and tokens.
 */

/** URL-safe base64 of `bytes`, with `=` padding (strip it where the format has none). */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * The bytes of base64 text in either alphabet, padded or not; undefined when it is not base64
 * (a character outside the alphabet, `=` anywhere but the end, or a length that leaves one
 * dangling character).
 */
export function fromBase64(text: string): Uint8Array | undefined {
  const standard = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(standard) || standard.length % 4 === 1) return undefined;
  const binary = atob(standard + '='.repeat((4 - (standard.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
