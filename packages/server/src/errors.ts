/**
 * Every failure the server answers with is a `RosterError`: a closed code, an HTTP status and,
 * where one field is at fault, where it sits. `http/error-envelope.ts` is the only place that
 * turns one into the wire envelope.
 */
import type { ErrorDetail, LocationType } from '@roster/protocol';

export const ERROR_STATUS = {
  INVALID_INPUT: 400,
  INVALID_FILTER: 400,
  INVALID_CURSOR: 400,
  INVALID_SUBSCRIBE_KEY: 400,
  INVALID_PUBLISH_KEY: 400,
  /** The admin API needs `Authorization: Bearer` with the node's admin secret (http/admin-keysets.ts). */
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  /** The same thing exists already (a message action added twice). */
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Over a rate limit (`--rate-limit-per-client`, `--rate-limit-per-keyset`): try again after `Retry-After` seconds. */
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  /** The machine's storage failed (an I/O error, a read-only file system): try again later. */
  STORAGE_UNAVAILABLE: 503,
  /** The event bus (NATS) cannot be reached: the message was not published; try again later. */
  BUS_UNAVAILABLE: 503,
  /** The shared presence store (Redis) cannot be reached: presence was neither read nor changed; try again later. */
  PRESENCE_UNAVAILABLE: 503,
  /** The disk is full: the write was not applied; reads still work. */
  INSUFFICIENT_STORAGE: 507,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A detail's shape on the wire is the protocol's: `{message, location, locationType}`. */
export type { ErrorDetail, LocationType } from '@roster/protocol';

export class RosterError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[];
  /** Extra data some envelopes carry, e.g. the channels an Access Manager refusal names. */
  readonly payload: unknown;

  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = [], payload?: unknown) {
    super(message);
    this.name = 'RosterError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = details;
    this.payload = payload;
  }
}

/** A 400 naming one offending field. */
export function invalid(location: string, locationType: LocationType, message: string): RosterError {
  return new RosterError('INVALID_INPUT', 'Request payload contained invalid input.', [{ message, location, locationType }]);
}

/**
 * A 400 whose message says what is wrong: for the publish, subscribe and presence envelopes,
 * which show only the message (the objects envelope shows `details` too).
 */
export function badRequest(location: string, locationType: LocationType, message: string): RosterError {
  return new RosterError('INVALID_INPUT', message, [{ message, location, locationType }]);
}

export function notFound(): RosterError {
  return new RosterError('NOT_FOUND', 'Requested object was not found.');
}

/**
 * A 429: `limit` requests per `windowSeconds` are spent, by this client on this subscribe key
 * (`scope` `client`) or by all clients of the keyset together (`keyset`).
 */
export function tooManyRequests(scope: 'client' | 'keyset', limit: number, windowSeconds: number, retryAfterSeconds: number): RosterError {
  const whose = scope === 'client' ? 'from this client for this subscribe key' : 'for this subscribe key, from all its clients together';
  const window = windowSeconds === 1 ? 'a second' : `${windowSeconds} seconds`;
  return new RosterError('TOO_MANY_REQUESTS', `Too many requests ${whose} (at most ${limit} in ${window}); retry after ${retryAfterSeconds} s.`);
}

export function isRosterError(value: unknown): value is RosterError {
  return value instanceof RosterError;
}

/** An error in one line: its message, and its code (`ECONNREFUSED`) when the message lacks it (a connection that failed). */
export function failureReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
