import { isUtf8 } from 'node:buffer';
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, RequestPayload } from 'fastify';
import { RosterError } from '../errors.ts';
import { DEFAULT_LIMITS, type KeysetLimits } from '../model/keyset.ts';
import { header, type AppContext } from './context.ts';
import { inflateBody } from './inflate.ts';

/**
 * Request bodies. A route that takes one reads at most its own `bodyLimit` (route option; a
 * larger body is a 413 before it is read), as JSON, inflated first when `Content-Encoding` says
 * gzip or deflate (any other encoding is a 415, never ignored). Routes that take none (GET,
 * DELETE, OPTIONS, and the 405s) do not read what is sent: it cannot make them fail.
 * Publish reads its message as text instead (publish.ts), inflated the same way.
 */

type Done = (error: Error | null, value?: unknown) => void;

declare module 'fastify' {
  interface FastifyRequest {
    /** The body limit this request is read with when its route's follows the keysets (`keysetBodyLimit`), else null: the route's own. */
    readLimit: number | null;
  }
}

/**
 * The body as sent, inflated, as text; kept as `rawBody` for signatures (credentials.ts). A 400
 * naming `body` when its bytes are not UTF-8 (JSON text is, RFC 8259 §8.1): decoded as they
 * were, each bad byte would be stored as U+FFFD, a change nobody asked for.
 */
export function bodyText(request: FastifyRequest, body: Buffer): string {
  const bytes = inflateBody(body, header(request, 'content-encoding'), request.readLimit ?? request.routeOptions.bodyLimit);
  if (!isUtf8(bytes)) {
    throw new RosterError('INVALID_INPUT', 'Request payload contained invalid input.', [
      { message: 'The body is not valid UTF-8 text.', location: 'body', locationType: 'body' },
    ]);
  }
  const text = bytes.toString('utf8');
  request.rawBody = text;
  return text;
}

function parseJsonBody(request: FastifyRequest, body: Buffer, done: Done): void {
  let text: string;
  try {
    text = bodyText(request, body);
  } catch (error) {
    return done(error instanceof Error ? error : new Error(String(error)));
  }
  if (text.trim() === '') return done(null, undefined);
  try {
    done(null, JSON.parse(text));
  } catch (error) {
    const message = error instanceof Error ? error.message : 'malformed JSON';
    done(
      new RosterError('INVALID_INPUT', 'Request payload contained invalid input.', [
        { message: `The body is not valid JSON: ${message}`, location: 'body', locationType: 'body' },
      ]),
    );
  }
}

/** Every content type, to routes that take no body: what is sent is let through unread. */
export function ignoreBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_request, payload, done) => {
    payload.resume();
    done(null, undefined);
  });
}

/** JSON bodies for the routes registered after this, on `app` and its plugins. */
export function registerBodyParsers(app: FastifyInstance): void {
  app.decorateRequest('readLimit', null);
  // Fastify reads a DELETE or OPTIONS body unless told these methods carry none.
  for (const method of ['DELETE', 'OPTIONS']) app.addHttpMethod(method, { hasBody: false, overrideExisting: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => parseJsonBody(request, body as Buffer, done));
  // Python's SDK has sent PATCH bodies with no Content-Type, and PubNub took them as JSON.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    if (request.headers['content-type'] === undefined) return parseJsonBody(request, body as Buffer, done);
    return done(new RosterError('UNSUPPORTED_MEDIA_TYPE', 'Request payload must be in JSON format.'));
  });
}

/** The largest of `limit` over the node's keysets (and the defaults, should there be none). */
function largest(context: AppContext, limit: (limits: KeysetLimits) => number): number {
  return Math.max(limit(DEFAULT_LIMITS), ...context.keysets.all().map((keyset) => limit(keyset.limits)));
}

/** Route options that read a body up to a limit following the keysets: spread them into the route's. */
export interface KeysetBodyLimit {
  /** Fastify's own limit, out of the way: `preParsing` applies the one of the moment. */
  bodyLimit: number;
  /** A callback hook, not an async one: no promise and no extra turn for every request with a body. */
  preParsing: (request: FastifyRequest, reply: FastifyReply, payload: RequestPayload, done: (error: Error | null, payload?: RequestPayload) => void) => void;
}

function tooLarge(): RosterError {
  return new RosterError('PAYLOAD_TOO_LARGE', 'Request payload is too large.');
}

/**
 * A body limit of the largest `limit` over the keysets served when the request comes, so a
 * keyset made or given larger limits in the console (keysets/registry.ts) takes bodies as large
 * as a keyset of the config file would. A declared length over it is refused before anything is
 * read; a body of no declared length stops being read at it. Recomputed only when the keysets change.
 */
function keysetBodyLimit(context: AppContext, limit: (limits: KeysetLimits) => number): KeysetBodyLimit {
  let revision = -1;
  let current = 0;
  const now = (): number => {
    if (context.keysets.revision !== revision) {
      revision = context.keysets.revision;
      current = largest(context, limit);
    }
    return current;
  };
  return {
    bodyLimit: Number.MAX_SAFE_INTEGER,
    preParsing(request, _reply, payload, done) {
      const max = now();
      request.readLimit = max;
      const declared = request.headers['content-length'];
      if (declared !== undefined && Number(declared) > max) return done(tooLarge());
      // Node's HTTP parser reads no more than a declared length, and Fastify checks it all came.
      done(null, declared === undefined ? limited(payload, max) : payload);
    },
  };
}

/** `payload`, failing with a 413 once more than `max` bytes came. */
function limited(payload: RequestPayload, max: number): RequestPayload {
  let bytes = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(bytes > max ? tooLarge() : null, chunk);
    },
  });
  payload.on('error', (error) => limiter.destroy(error));
  return payload.pipe(limiter);
}

/**
 * The body limit of a user or channel PATCH: one record (decisions.md "Limits"), as JSON that
 * may take three times its bytes. Python's SDK escapes non-ASCII text, and `é` (2 bytes stored)
 * is sent as `\u00e9`, an emoji (4 bytes) as two such escapes. 96 KiB by default.
 */
export const objectBodyLimit = (context: AppContext): KeysetBodyLimit => keysetBodyLimit(context, (limits) => 3 * limits.maxRecordBytes);

/**
 * The body limit of a membership PATCH: as many records as it may hold items, and a quarter
 * more for JSON's own bytes; about 3.9 MiB by default. Items that escape most of their text
 * may need more requests.
 */
export const membershipBodyLimit = (context: AppContext): KeysetBodyLimit =>
  keysetBodyLimit(context, (limits) => Math.ceil(limits.maxPatchItems * limits.maxRecordBytes * 1.25));
