import { encodeComponent, type QueryParams } from './encode.ts';
import type { HttpMethod } from './request.ts';

/** What signature v2 covers. */
export interface SignatureInput {
  readonly method: HttpMethod;
  readonly publishKey: string;
  /** The path exactly as sent (percent-encoded). */
  readonly path: string;
  /** Every query parameter that is sent, `timestamp` included, `signature` excluded. */
  readonly query: QueryParams;
  readonly body?: string;
}

/**
 * The string signature v2 signs:
 * `METHOD \n publishKey \n path \n sortedQuery \n body`, where sortedQuery orders the
 * parameters by key (then value, for repeated keys) and encodes values as they are sent.
 * Publish is signed as GET whatever its method, and only POST and PATCH bodies are covered.
 */
export function stringToSign(input: SignatureInput): string {
  const method = input.path.startsWith('/publish') ? 'GET' : input.method;
  const sorted = [...input.query]
    .sort(([keyA, valueA], [keyB, valueB]) => compare(keyA, keyB) || compare(valueA, valueB))
    .map(([key, value]) => `${key}=${encodeComponent(value)}`)
    .join('&');
  const body = input.method === 'POST' || input.method === 'PATCH' ? (input.body ?? '') : '';
  return `${method}\n${input.publishKey}\n${input.path}\n${sorted}\n${body}`;
}

/**
 * `v2.` + unpadded base64url(HMAC-SHA256(secretKey, stringToSign)). Uses Web Crypto, so it
 * runs in browsers and Node alike (but a secret key belongs on servers only).
 */
export async function signatureV2(secretKey: string, input: SignatureInput): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', encoder.encode(secretKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(stringToSign(input))));
  let binary = '';
  for (const byte of mac) binary += String.fromCharCode(byte);
  return `v2.${btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

function compare(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
