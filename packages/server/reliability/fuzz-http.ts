/**
 * The HTTP side of the endpoint fuzzer: raw requests (paths and query strings sent exactly as
 * generated, so malformed escapes and raw bytes reach the server), signing with a keyset's
 * secret key, and the checks every answer must pass.
 */
import { Agent, request as httpRequest } from 'node:http';
import type { RunningServer } from '@roster/testing';
import { signatureV2, sortedQuery, type SigningKeys } from '../src/auth/signature.ts';
import { parseQueryString, queryPairs } from '../src/http/url.ts';

/** Stands for the Access Manager token minted at setup, filled in when the request is sent. */
export const TOKEN = Symbol('token');

/** How a request to a keyset with a secret key is signed. */
export type Signing = 'none' | 'valid' | 'junk' | 'stale';

/** A request as generated: every piece already in its wire form. */
export interface FuzzRequest {
  method: string;
  /** Path as sent: percent escapes, raw bytes and all. */
  path: string;
  /** Query pairs as sent (`key=value`, or a bare `key` when the value is undefined). */
  query: [string, string | typeof TOKEN | undefined][];
  headers: Record<string, string>;
  body?: Buffer;
  signing: Signing;
}

export interface Target {
  name: 'open' | 'locked';
  server: RunningServer;
  keys: { publishKey: string; subscribeKey: string; secretKey?: string };
  /** A token minted for this keyset (locked only), sent as `auth`. */
  token?: string;
  /** Another one, for the revoke requests to revoke (so that `token` keeps working). */
  revocableToken?: string;
}

export interface Answer {
  status: number;
  text: string;
  json: unknown;
}

/**
 * A fresh connection per request: a kept-alive socket the server has just closed (after a
 * refused body, say) would fail the next request through no fault of that request.
 */
const agent = new Agent({ keepAlive: false, maxSockets: 64 });
const TIMEOUT_MS = 15_000;

export function closeAgent(): void {
  agent.destroy();
}

function rawQuery(request: FuzzRequest, token: string | undefined): string {
  return request.query.map(([key, value]) => (value === undefined ? key : `${key}=${value === TOKEN ? (token ?? '') : value}`)).join('&');
}

/** Adds `timestamp` and `signature` as the request's signing asks; the valid one as the SDKs compute it. */
function signedQuery(request: FuzzRequest, target: Target, query: string): string {
  const secretKey = target.keys.secretKey;
  if (request.signing === 'none' || secretKey === undefined) return query;
  const now = Math.floor(Date.now() / 1000);
  const join = (extra: string) => (query === '' ? extra : `${query}&${extra}`);
  if (request.signing === 'stale') return join(`timestamp=${now - 3600}&signature=v2.stale`);
  if (request.signing === 'junk') return join(`timestamp=${now}&signature=v2.${Buffer.from(query.slice(0, 20)).toString('base64url')}`);
  const withTimestamp = join(`timestamp=${now}`);
  const keys: SigningKeys = { publishKey: target.keys.publishKey, subscribeKey: target.keys.subscribeKey, secretKey };
  const body = request.body?.toString('utf8') ?? '';
  const signature = signatureV2(keys, request.method, request.path, sortedQuery(queryPairs(parseQueryString(withTimestamp))), body);
  return `${withTimestamp}&signature=${signature}`;
}

/** The path and query exactly as they go on the wire. */
export function wireUrl(request: FuzzRequest, target: Target): string {
  const query = signedQuery(request, target, rawQuery(request, target.token));
  return query === '' ? request.path : `${request.path}?${query}`;
}

/** A request the server left unanswered for `TIMEOUT_MS`: a hang. */
export class UnansweredError extends Error {
  constructor() {
    super(`no answer within ${TIMEOUT_MS} ms`);
  }
}

/** Sends one request; one left unanswered for 15 s is a failure (an `UnansweredError`). */
export function send(target: Target, request: FuzzRequest): Promise<Answer> {
  const { hostname, port } = new URL(target.server.url);
  const headers: Record<string, string> = { ...request.headers };
  if (request.body !== undefined) headers['content-length'] = String(request.body.length);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port, method: request.method, path: wireUrl(request, target), headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, text, json: parseJson(text) });
      });
    });
    outgoing.setTimeout(TIMEOUT_MS, () => outgoing.destroy(new UnansweredError()));
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// What every answer must look like

type Service = 'objects' | 'publish' | 'presence' | 'access-manager' | 'time' | 'subscribe' | 'plain';

/** Which envelope the server answers a path with, as app.ts decides for unmatched routes. */
function serviceOf(path: string): Service {
  if (path.startsWith('/v2/objects/')) return 'objects';
  if (path.startsWith('/publish/') || path.startsWith('/signal/')) return 'publish';
  if (path.startsWith('/v2/presence/')) return 'presence';
  if (path.startsWith('/v3/pam/')) return 'access-manager';
  if (path.startsWith('/time/')) return 'time';
  return path.startsWith('/v2/subscribe/') || path.startsWith('/v1/channel-registration/') ? 'subscribe' : 'plain';
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const LOCATION_TYPES = ['body', 'query', 'path', 'header'];
const isDetails = (value: unknown): boolean =>
  Array.isArray(value) &&
  value.every(
    (detail) =>
      isObject(detail) &&
      typeof detail['message'] === 'string' &&
      typeof detail['location'] === 'string' &&
      LOCATION_TYPES.includes(String(detail['locationType'])),
  );

/** `{status, error: {message, source: 'objects', details?}}` */
function isObjectsEnvelope(body: unknown, status: number): boolean {
  if (!isObject(body) || body['status'] !== status || !isObject(body['error'])) return false;
  const error = body['error'];
  return typeof error['message'] === 'string' && error['source'] === 'objects' && (error['details'] === undefined || isDetails(error['details']));
}

/** `{message, error: true, service, status}` (+ `payload` on refusals) */
function isFlatEnvelope(body: unknown, status: number, service?: string): boolean {
  return (
    isObject(body) &&
    typeof body['message'] === 'string' &&
    body['error'] === true &&
    typeof body['service'] === 'string' &&
    body['status'] === status &&
    (service === undefined || body['service'] === service)
  );
}

/** `{status, error: true, message}`: paths outside every PubNub family. */
const isPlainEnvelope = (body: unknown, status: number): boolean =>
  isObject(body) && body['status'] === status && body['error'] === true && typeof body['message'] === 'string' && body['service'] === undefined;

/** `[0, message, ...details]` */
const isPublishEnvelope = (body: unknown): boolean =>
  Array.isArray(body) && body.length >= 2 && body[0] === 0 && body.slice(1).every((item) => typeof item === 'string');

/** `{error: {message, source: 'grant', details}, service: 'Access Manager', status: 400}` */
function isGrantEnvelope(body: unknown): boolean {
  if (!isObject(body) || !isObject(body['error'])) return false;
  const error = body['error'];
  return (
    typeof error['message'] === 'string' &&
    error['source'] === 'grant' &&
    isDetails(error['details']) &&
    body['service'] === 'Access Manager' &&
    body['status'] === 400
  );
}

function isErrorEnvelope(path: string, status: number, body: unknown): boolean {
  // The balancer's answers: a URI over the ceiling, headers over theirs, or a request the HTTP parser refused.
  if ((status === 400 || status === 414 || status === 431) && isFlatEnvelope(body, status, 'Balancer')) return true;
  switch (serviceOf(path)) {
    case 'objects':
      return isObjectsEnvelope(body, status);
    case 'publish':
      return status === 403 ? isFlatEnvelope(body, status, 'Access Manager') : isPublishEnvelope(body);
    case 'access-manager':
      return isFlatEnvelope(body, status) || (status === 400 && isGrantEnvelope(body));
    case 'plain':
      return isPlainEnvelope(body, status);
    default:
      return isFlatEnvelope(body, status, status === 403 ? 'Access Manager' : undefined);
  }
}

/** What is wrong with an answer, or undefined: < 500, JSON, and a 4xx in its service's envelope. */
export function answerProblem(request: FuzzRequest, answer: Answer): string | undefined {
  if (answer.status >= 500 || answer.status < 200) return `status ${answer.status}`;
  if (answer.json === undefined) return 'the body is not JSON';
  if (answer.status >= 400 && !isErrorEnvelope(request.path, answer.status, answer.json))
    return `a ${answer.status} outside PubNub's error envelope for ${serviceOf(request.path)}`;
  if (answer.status < 300 && serviceOf(request.path) === 'objects' && !(isObject(answer.json) && answer.json['status'] === 200))
    return 'an objects 2xx without status 200';
  return undefined;
}

/** One line naming the request, for failure messages. */
export function describeRequest(request: FuzzRequest, target: Target): string {
  const body = request.body === undefined ? '' : ` body(${request.body.length})=${JSON.stringify(request.body.subarray(0, 300).toString('utf8'))}`;
  const url = wireUrl(request, target);
  return `${target.name}: ${request.method} ${url.length > 500 ? `${url.slice(0, 500)}…(${url.length})` : url} headers=${JSON.stringify(request.headers)}${body}`;
}
