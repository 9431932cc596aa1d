import type { FastifyInstance, FastifyRequest } from 'fastify';
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

/** The body as sent, inflated, as text; kept as `rawBody` for signatures (credentials.ts). */
export function bodyText(request: FastifyRequest, body: Buffer): string {
  const text = inflateBody(body, header(request, 'content-encoding'), request.routeOptions.bodyLimit).toString('utf8');
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

/**
 * The `bodyLimit` of a user or channel PATCH: one record (decisions.md "Limits"), as JSON that
 * may take three times its bytes. Python's SDK escapes non-ASCII text, and `é` (2 bytes stored)
 * is sent as `\u00e9`, an emoji (4 bytes) as two such escapes. 96 KiB by default.
 */
export const objectBodyLimit = (context: AppContext): number => largest(context, (limits) => 3 * limits.maxRecordBytes);

/**
 * The `bodyLimit` of a membership PATCH: as many records as it may hold items, and a quarter
 * more for JSON's own bytes; about 3.9 MiB by default. Items that escape most of their text
 * may need more requests.
 */
export const membershipBodyLimit = (context: AppContext): number =>
  largest(context, (limits) => Math.ceil(limits.maxPatchItems * limits.maxRecordBytes * 1.25));
