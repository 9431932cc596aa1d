/**
 * Signed requests for the signature tests, sent byte for byte as written. The signer is written
 * here from PubNub's description (wire-protocol.md §10.1), not taken from src/auth, so that a
 * mistake in the server's verifier cannot hide behind the same mistake in the test.
 */
import { createHmac } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';

export interface Keys {
  publishKey: string;
  subscribeKey: string;
  secretKey: string;
}

/** Query values the tests sign: kept to characters PubNub's encoding leaves as they are. */
const PLAIN_VALUE = /^[A-Za-z0-9._-]*$/;

function sortedQuery(query: Readonly<Record<string, string>>): string {
  return Object.keys(query)
    .sort()
    .map((key) => {
      const value = query[key]!;
      if (!PLAIN_VALUE.test(key) || !PLAIN_VALUE.test(value)) throw new Error(`sign only plain query values: ${key}=${value}`);
      return `${key}=${value}`;
    })
    .join('&');
}

/**
 * Signature v2 over `signedPath` (the path as the client signs it: as sent for JS, unescaped ids
 * for Python's App Context calls). Publish is signed as GET; the body counts for POST and PATCH.
 */
export function signV2(keys: Keys, method: string, signedPath: string, query: Readonly<Record<string, string>>, body = ''): string {
  const signedMethod = signedPath.startsWith('/publish') ? 'GET' : method.toUpperCase();
  const withBody = signedMethod === 'POST' || signedMethod === 'PATCH' ? body : '';
  const input = `${signedMethod}\n${keys.publishKey}\n${signedPath}\n${sortedQuery(query)}\n${withBody}`;
  return `v2.${createHmac('sha256', keys.secretKey).update(input, 'utf8').digest('base64url')}`;
}

/** Signature v1, Python's form for POST publish: no method, no body, padded URL-safe base64. */
export function signV1(keys: Keys, signedPath: string, query: Readonly<Record<string, string>>): string {
  const input = `${keys.subscribeKey}\n${keys.publishKey}\n${signedPath}\n${sortedQuery(query)}`;
  return createHmac('sha256', keys.secretKey).update(input, 'utf8').digest('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** `query` plus a fresh `timestamp` and the signature `sign` computes over them. */
export function signedQuery(query: Readonly<Record<string, string>>, sign: (query: Record<string, string>) => string): Record<string, string> {
  const stamped = { ...query, timestamp: String(nowSeconds()) };
  return { ...stamped, signature: sign(stamped) };
}

export interface RawAnswer {
  status: number;
  text: string;
}

const agent = new Agent({ keepAlive: false, maxSockets: 32 });

/** Sends `path` exactly as given (no normalization, unlike fetch) with `query` appended. */
export function sendRaw(baseUrl: string, method: string, path: string, query: Readonly<Record<string, string>>, body?: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const search = Object.entries(query)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((done, fail) => {
    const request = httpRequest({ agent, hostname, port, method, path: search === '' ? path : `${path}?${search}`, headers, timeout: 15_000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => done({ status: response.statusCode ?? 0, text }));
      response.on('error', fail);
    });
    request.on('timeout', () => request.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
    request.on('error', fail);
    request.end(body);
  });
}

export function closeSigningAgent(): void {
  agent.destroy();
}
