/**
 * Request signatures (Access Manager v3 "signature v2", and the v1 PubNub's Python SDK still
 * uses for POST publish): the text that is signed, and how the MAC is written. Which requests
 * need one and how old a `timestamp` may be is the server's policy, not this module's.
 */
import { toBase64Url } from './base64.ts';
import { pubnubEncode, type QueryParams } from './percent-encoding.ts';

/** HMAC-SHA256 of `message` (UTF-8) keyed with `secretKey` (UTF-8): 32 bytes. */
export type HmacSha256 = (secretKey: string, message: string) => Uint8Array | Promise<Uint8Array>;

/** What signature v2 covers. */
export interface SignatureV2Input {
  /** The HTTP method, any case. */
  readonly method: string;
  readonly publishKey: string;
  /** The path exactly as sent (percent-encoded). */
  readonly path: string;
  /** The query in canonical form: {@link sortedQuery} of every parameter sent. */
  readonly query: string;
  /** The body text as sent; only POST and PATCH bodies are covered. */
  readonly body?: string | undefined;
}

/** What signature v1 covers: no method and no body. */
export interface SignatureV1Input {
  readonly subscribeKey: string;
  readonly publishKey: string;
  readonly path: string;
  /** {@link sortedQuery} of every parameter sent. */
  readonly query: string;
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The canonical query both signature versions sign: every parameter but `signature`, sorted
 * by key then value (UTF-16 code units), values {@link pubnubEncode}d, joined with `&`.
 * @example sortedQuery([['b', '2'], ['a', 'x y']]) // 'a=x%20y&b=2'
 */
export function sortedQuery(query: QueryParams): string {
  return query
    .filter(([key]) => key !== 'signature')
    .sort(([keyA, valueA], [keyB, valueB]) => byCodeUnits(keyA, keyB) || byCodeUnits(valueA, valueB))
    .map(([key, value]) => `${key}=${pubnubEncode(value)}`)
    .join('&');
}

/**
 * `METHOD\npublishKey\npath\nquery\nbody`. Publish is signed as GET whatever its method, and the
 * body is covered only when the signed method is POST or PATCH (so never for publish), as the
 * official JS SDK signs.
 */
export function stringToSignV2(input: SignatureV2Input): string {
  const method = input.path.startsWith('/publish') ? 'GET' : input.method.toUpperCase();
  const body = method === 'POST' || method === 'PATCH' ? (input.body ?? '') : '';
  return `${method}\n${input.publishKey}\n${input.path}\n${input.query}\n${body}`;
}

/** `subscribeKey\npublishKey\npath\nquery`. */
export function stringToSignV1(input: SignatureV1Input): string {
  return `${input.subscribeKey}\n${input.publishKey}\n${input.path}\n${input.query}`;
}

/** The `signature` parameter for a v2 MAC: `v2.` + unpadded URL-safe base64. */
export function formatSignatureV2(mac: Uint8Array): string {
  return `v2.${toBase64Url(mac).replace(/=+$/, '')}`;
}

/** The `signature` parameter for a v1 MAC: padded URL-safe base64, no prefix. */
export function formatSignatureV1(mac: Uint8Array): string {
  return toBase64Url(mac);
}

/** {@link HmacSha256} through Web Crypto, which browsers and Node 20+ both have. */
export async function webCryptoHmacSha256(secretKey: string, message: string): Promise<Uint8Array> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', encoder.encode(secretKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(message)));
}

/**
 * The v2 `signature` parameter for a request. HMAC runs through Web Crypto unless `hmac` is
 * given (a server may pass `node:crypto`'s). A secret key belongs on servers only.
 * @example await signatureV2('sec-c-…', { method: 'GET', publishKey: 'pub-c-…', path, query: sortedQuery(params) })
 */
export async function signatureV2(secretKey: string, input: SignatureV2Input, hmac: HmacSha256 = webCryptoHmacSha256): Promise<string> {
  return formatSignatureV2(await hmac(secretKey, stringToSignV2(input)));
}
