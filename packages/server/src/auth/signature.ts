import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a signed request's `timestamp` may be from our clock, in seconds. */
export const SIGNATURE_WINDOW_SECONDS = 60;

/** The parts of an HTTP request a signature covers. */
export interface SignedParts {
  method: string;
  /** Path and query exactly as received (`request.raw.url`). */
  rawUrl: string;
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

const UNRESERVED = /^[A-Za-z0-9\-_.]$/;

/** PubNub's percent-encoding: everything but `A–Z a–z 0–9 - _ .` becomes `%XX` of its UTF-8 bytes. */
export function pubnubEncode(value: string): string {
  let out = '';
  for (const char of value) {
    if (UNRESERVED.test(char)) out += char;
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Every query pair in order of appearance, decoded (`+` stays a plus, as PubNub SDKs mean it). */
export function queryPairs(rawQuery: string): [string, string][] {
  return rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals < 0 ? [decode(pair), ''] : [decode(pair.slice(0, equals)), decode(pair.slice(equals + 1))];
    });
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Every parameter but `signature`, sorted by key then value, values PubNub-encoded. */
export function sortedQuery(pairs: readonly [string, string][]): string {
  return pairs
    .filter(([key]) => key !== 'signature')
    .sort(([keyA, valueA], [keyB, valueB]) => byCodeUnits(keyA, keyB) || byCodeUnits(valueA, valueB))
    .map(([key, value]) => `${key}=${pubnubEncode(value)}`)
    .join('&');
}

const urlSafe = (base64: string) => base64.replace(/\+/g, '-').replace(/\//g, '_');

function hmac(secretKey: string, input: string): string {
  return createHmac('sha256', secretKey).update(input, 'utf8').digest('base64');
}

/** Signature v2 (JS and Python): `v2.` + unpadded URL-safe base64 of HMAC-SHA256. */
export function signatureV2(keys: SigningKeys, method: string, path: string, query: string, body: string): string {
  const signedMethod = path.startsWith('/publish') ? 'GET' : method.toUpperCase();
  const withBody = signedMethod === 'POST' || signedMethod === 'PATCH' ? body : '';
  const input = `${signedMethod}\n${keys.publishKey}\n${path}\n${query}\n${withBody}`;
  return `v2.${urlSafe(hmac(keys.secretKey, input)).replace(/=+$/, '')}`;
}

/** Signature v1 (Python POST publish): no method, no body, padded URL-safe base64. */
export function signatureV1(keys: SigningKeys, path: string, query: string): string {
  return urlSafe(hmac(keys.secretKey, `${keys.subscribeKey}\n${keys.publishKey}\n${path}\n${query}`));
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
  const questionMark = parts.rawUrl.indexOf('?');
  const rawPath = questionMark < 0 ? parts.rawUrl : parts.rawUrl.slice(0, questionMark);
  const pairs = queryPairs(questionMark < 0 ? '' : parts.rawUrl.slice(questionMark + 1));
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
