import { createHmac, timingSafeEqual } from 'node:crypto';
import { formatSignatureV1, formatSignatureV2, sortedQuery, stringToSignV1, stringToSignV2 } from '@roster/protocol';

/** How far a signed request's `timestamp` may be from our clock, in seconds. */
export const SIGNATURE_WINDOW_SECONDS = 60;

/** One query parameter, decoded. */
export type QueryPair = readonly [key: string, value: string];

/** The parts of an HTTP request a signature covers, already split from its URL. */
export interface SignedParts {
  method: string;
  /** The path exactly as received, still percent-encoded, without the query. */
  rawPath: string;
  /** Every query parameter, decoded (`+` stays a plus), a repeated key once per value; in any order. */
  query: readonly QueryPair[];
  /** The body text as received ('' when there is none). */
  body: string;
}

export interface SigningKeys {
  publishKey: string;
  subscribeKey: string;
  secretKey: string;
}

/** `unsigned`: no `signature` param. `stale`: timestamp missing or outside the window. */
export type SignatureCheck = 'unsigned' | 'valid' | 'invalid' | 'stale';

/** Percent-encoding and the canonical query are the protocol's (`@roster/protocol`), shared with the SDK. */
export { pubnubEncode, sortedQuery } from '@roster/protocol';

/** HMAC-SHA256 through `node:crypto`, synchronous as `checkSignature` is (Web Crypto is async). */
function hmac(secretKey: string, input: string): Buffer {
  return createHmac('sha256', secretKey).update(input, 'utf8').digest();
}

/** Signature v2 (JS and Python): `v2.` + unpadded URL-safe base64 of HMAC-SHA256; `query` is {@link sortedQuery}'s. */
export function signatureV2(keys: SigningKeys, method: string, path: string, query: string, body: string): string {
  return formatSignatureV2(hmac(keys.secretKey, stringToSignV2({ method, publishKey: keys.publishKey, path, query, body })));
}

/** Signature v1 (Python POST publish): no method, no body, padded URL-safe base64. */
export function signatureV1(keys: SigningKeys, path: string, query: string): string {
  return formatSignatureV1(hmac(keys.secretKey, stringToSignV1({ subscribeKey: keys.subscribeKey, publishKey: keys.publishKey, path, query })));
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** One path segment percent-decoded, or undefined when its escapes are not valid UTF-8. */
function strictDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A decoded segment holding one of these would split the path, re-escape to another id, or cut it. */
const RESOURCE_CHANGING = /[/%?#]/;

/**
 * The path as PubNub's Python SDK signs an App Context request, when that differs from the path
 * as sent; undefined when Python never signs such a path, or when decoding could change which
 * resource or route the path addresses.
 *
 * Python (pubnub/python `pubnub/utils.py` `sign_request`) signs `endpoint.get_path()`, and its
 * objects_v2 endpoints build that path with the uuid or channel id unescaped (e.g. `GetUuid`:
 * `"/v2/objects/%s/uuids/%s" % (subscribe_key, uuid)`); its httpx transport then percent-encodes
 * the path on the wire (`httpx._urlparse.quote`: all but unreserved characters, `!$&'()*+,;=:@/`
 * and valid `%XX`). So the id `a b` is sent as `/uuids/a%20b` but signed as `/uuids/a b`. Its
 * publish, signal, subscribe, presence and revoke paths escape names first (`utils.url_encode`)
 * and are signed as sent, as are all the JS SDK's. No recorded request shows it: the Python
 * cassettes drop `signature`, and none has an id that needs escaping.
 *
 * Each segment is decoded on its own and none may decode to `/`, `%`, `?` or `#`: then the
 * decoded segments are exactly the route parameters the router hands the handler, and the
 * signature covers the resources the request acts on. (Without that rule a signature for
 * `uuids/a%2Fb` would pass on `uuids/a%252Fb`, a different user.)
 */
export function pythonSignedPath(rawPath: string): string | undefined {
  if (!rawPath.startsWith('/v2/objects/') || !rawPath.includes('%')) return undefined;
  const segments = rawPath.split('/').map(strictDecode);
  if (segments.some((segment) => segment === undefined || RESOURCE_CHANGING.test(segment))) return undefined;
  return segments.join('/');
}

/**
 * Checks a request's `signature` against the keyset's secret key: over the path as sent, or
 * over Python's unescaped form where {@link pythonSignedPath} allows one; `timestamp` must be
 * within ±60 s of `nowSeconds`.
 */
export function checkSignature(parts: SignedParts, keys: SigningKeys, nowSeconds: number): SignatureCheck {
  const { rawPath, query: pairs } = parts;
  const signatures = pairs.filter(([key]) => key === 'signature').map(([, value]) => value);
  if (signatures.length === 0) return 'unsigned';
  if (signatures.length > 1) return 'invalid';
  const timestamps = pairs.filter(([key]) => key === 'timestamp').map(([, value]) => value);
  const timestamp = timestamps.length === 1 && /^\d{1,12}$/.test(timestamps[0]!) ? Number(timestamps[0]) : NaN;
  if (!(Math.abs(nowSeconds - timestamp) <= SIGNATURE_WINDOW_SECONDS)) return 'stale';

  const given = signatures[0]!;
  const query = sortedQuery(pairs);
  const unescaped = pythonSignedPath(rawPath);
  const paths = unescaped === undefined ? [rawPath] : [rawPath, unescaped];
  const isV2 = given.startsWith('v2.');
  // v1 covers neither method nor body, so it is taken only where Python uses it: POST publish.
  if (!isV2 && !(parts.method.toUpperCase() === 'POST' && rawPath.startsWith('/publish/'))) return 'invalid';
  let matched = false;
  for (const path of paths) {
    const expected = isV2 ? signatureV2(keys, parts.method, path, query, parts.body) : signatureV1(keys, path, query);
    matched = sameText(expected, given) || matched; // no early exit: the same work either way
  }
  return matched ? 'valid' : 'invalid';
}
