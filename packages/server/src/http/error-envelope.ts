import type { ObjectsErrorBody, PublishBody, ServiceErrorBody } from '@roster/protocol';
import { RosterError, type ErrorCode } from '../errors.ts';

/**
 * Which family of PubNub endpoints answers: they use different error shapes. `plain` is for paths
 * of no family: `{"status":404,"error":true,"message":"…"}`.
 */
export type Service = 'objects' | 'access-manager' | 'publish' | 'presence' | 'subscribe' | 'time' | 'history' | 'actions' | 'channel-registry' | 'plain';

/** Path prefixes of PubNub's endpoint families. */
const FAMILIES: readonly (readonly [string, Service])[] = [
  ['/v2/objects/', 'objects'],
  ['/publish/', 'publish'],
  ['/signal/', 'publish'],
  ['/v2/presence/', 'presence'],
  ['/v3/pam/', 'access-manager'],
  ['/time/', 'time'],
  ['/v2/subscribe/', 'subscribe'],
  ['/v1/channel-registration/', 'channel-registry'],
  ['/v3/history/', 'history'],
  ['/v3/history-with-actions/', 'history'],
  ['/v1/message-actions/', 'actions'],
];

/** The family a path belongs to, by its prefix: for answers given before a route matched, and for route schemas. */
export function serviceOfPath(path: string): Service {
  return FAMILIES.find(([prefix]) => path.startsWith(prefix))?.[1] ?? 'plain';
}

export interface WireError {
  status: number;
  contentType: string;
  body: unknown;
}

const JSON_TYPE = 'application/json';
/** What PubNub's publish, subscribe, presence and time endpoints answer with. */
export const JS_TYPE = 'text/javascript; charset="UTF-8"';

/** Errors thrown by the HTTP framework itself, by status. */
const FRAMEWORK_ERRORS: Record<number, [ErrorCode, string]> = {
  404: ['NOT_FOUND', 'Not found.'],
  405: ['METHOD_NOT_ALLOWED', 'Method not allowed.'],
  413: ['PAYLOAD_TOO_LARGE', 'Request payload is too large.'],
  414: ['URI_TOO_LONG', 'Request URI Too Long'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'Request payload must be in JSON format.'],
};

/**
 * PostgreSQL out of reach or refusing work (postgres.js puts the reason in `code`): a lost or
 * refused connection, SQLSTATE classes 08 (connection), 53 (resources) and 57P (shutting down).
 * The transaction did not commit, so the request was not applied.
 */
const POSTGRES_UNAVAILABLE = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|CONNECTION_(CLOSED|DESTROYED|ENDED)|CONNECT_TIMEOUT|08\w{3}|53\w{3}|57P0\d)$/;

/**
 * Failures of the machine, not of the request, by SQLite's result code (better-sqlite3 puts it
 * in `code`): a full disk is a 507, any other failure to read or write the files a 503. SQLite
 * rolls back what failed, so neither leaves a write half applied.
 */
function storageError(error: unknown): RosterError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'SQLITE_FULL') return new RosterError('INSUFFICIENT_STORAGE', 'The server is out of disk space: the request was not applied.');
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || POSTGRES_UNAVAILABLE.test(code)) {
    return new RosterError('STORAGE_UNAVAILABLE', 'The server cannot use its storage right now: the request was not applied.');
  }
  return undefined;
}

/** Normalizes anything thrown into a RosterError; storage failures become a 507 or 503, unknown ones a 500. */
export function asRosterError(error: unknown): RosterError {
  if (error instanceof RosterError) return error;
  const storage = storageError(error);
  if (storage) return storage;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const known = FRAMEWORK_ERRORS[status];
    if (known) return new RosterError(known[0], known[1]);
    const message = error instanceof Error ? error.message : 'Bad request.';
    return new RosterError('INVALID_INPUT', 'Request payload contained invalid input.', [{ message, location: 'body', locationType: 'body' }]);
  }
  return new RosterError('INTERNAL', 'An unexpected error occurred while processing the request.');
}

/** The one place a RosterError becomes PubNub's wire envelope for the answering service. */
export function toWireError(error: RosterError, service: Service): WireError {
  if (service === 'plain') return { status: error.status, contentType: JSON_TYPE, body: { status: error.status, error: true, message: error.message } };
  if (service === 'objects') {
    const details = error.details.length > 0 ? { details: error.details } : {};
    return {
      status: error.status,
      contentType: JSON_TYPE,
      body: { status: error.status, error: { message: error.message, source: 'objects', ...details } } satisfies ObjectsErrorBody,
    };
  }
  if (service === 'publish' && error.status < 500 && error.status !== 403) {
    // Publish names every oversize body so, however it was found to be over (publish.ts, body.ts).
    const message = error.code === 'PAYLOAD_TOO_LARGE' ? 'Message Too Large' : error.message;
    const body: PublishBody = [0, message, ...error.details.map((d) => d.message)];
    return { status: error.status, contentType: JS_TYPE, body };
  }
  if (service === 'access-manager' && error.status === 400 && error.details.length > 0) {
    // Grant validation, as in cassette pam/grant_token_invalid_ttl.json.
    const body = { error: { message: error.message, source: 'grant', details: error.details }, service: 'Access Manager', status: 400 };
    return { status: 400, contentType: JS_TYPE, body };
  }
  // Message Persistence and Message Actions have envelopes of their own; their 403s are Access Manager's, as below.
  if (service === 'history' && error.code !== 'FORBIDDEN') {
    // As PubNub's `{"status":400,"error":true,"error_message":"Invalid Arguments","channels":{}}`. The
    // envelope has no `details`, so a message that does not name its field says it at the end.
    const field = error.code === 'INVALID_INPUT' ? error.details[0]?.location : undefined;
    const message = field === undefined || error.message.includes(field) ? error.message : `${error.message} (${field})`;
    const body = { status: error.status, error: true, error_message: message, channels: {} };
    return { status: error.status, contentType: JS_TYPE, body };
  }
  if (service === 'actions' && error.code !== 'FORBIDDEN') {
    // As PubNub's `{"status":409,"error":{"source":"actions","message":"Action Already Added"}}`.
    const details = error.details.length > 0 ? { details: error.details } : {};
    return { status: error.status, contentType: JSON_TYPE, body: { status: error.status, error: { message: error.message, source: 'actions', ...details } } };
  }
  if (service === 'channel-registry') {
    // PubNub's channel registry answers in JSON: `{"error":true,"message":…,"service":"channel-registry","status":400}`,
    // here with `details` naming the field at fault; its 403s are Access Manager's, as below.
    if (error.code === 'FORBIDDEN') return { status: error.status, contentType: JSON_TYPE, body: serviceErrorBody(error, service) };
    const details = error.details.length > 0 ? { details: error.details } : {};
    const body = { error: true, message: error.message, ...details, service: 'channel-registry', status: error.status };
    return { status: error.status, contentType: JSON_TYPE, body };
  }
  return { status: error.status, contentType: JS_TYPE, body: serviceErrorBody(error, service) };
}

/** The envelope of publish (403, 5xx), subscribe, presence, time and Access Manager. */
function serviceErrorBody(error: RosterError, service: Service): ServiceErrorBody {
  const payload = error.payload === undefined ? {} : { payload: error.payload };
  // Refusals come from Access Manager whichever service was asked; those naming resources say "Forbidden".
  const refused = error.code === 'FORBIDDEN';
  const message = refused && error.payload !== undefined ? 'Forbidden' : error.message;
  return {
    message,
    ...payload,
    error: true,
    service: refused ? 'Access Manager' : serviceName(service),
    status: error.status,
  };
}

function serviceName(service: Service): string {
  switch (service) {
    case 'presence':
      return 'Presence';
    case 'access-manager':
      return 'Access Manager';
    case 'history':
      return 'History';
    case 'actions':
      return 'Message Actions';
    case 'channel-registry':
      return 'channel-registry';
    default:
      return service === 'time' ? 'Time' : service === 'publish' ? 'Publish' : 'Subscribe';
  }
}
