import cors from '@fastify/cors';
import Fastify, { LogController, type ConnectionError, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { badRequest, RosterError } from '../errors.ts';
import { SERVER_HEADER } from '../version.ts';
import { accessRoutes } from './access.ts';
import type { AppContext } from './context.ts';
import { registerCredentials } from './credentials.ts';
import { asRosterError, toWireError, type Service } from './error-envelope.ts';
import { membershipRoutes } from './memberships.ts';
import { metadataRoutes } from './metadata.ts';
import { realtimeRoutes } from './realtime.ts';
import { parseQueryString } from './url.ts';

/** PubNub's documented URI ceiling; longer requests get its 414. */
const MAX_URL_BYTES = 32 * 1024;
/** What PubNub's balancer answers to a longer one. */
const URI_TOO_LONG = { message: 'Request URI Too Long', error: true, service: 'Balancer', status: 414 };
/** A membership PATCH may carry 100 items of up to 32 KiB each. */
const BODY_LIMIT = 4 * 1024 * 1024;

/** Paths whose other methods are a 405 rather than a 404. */
const ALLOWED_METHODS: Record<string, readonly string[]> = {
  '/v2/objects/:subKey/uuids': ['GET'],
  '/v2/objects/:subKey/channels': ['GET'],
  '/v2/objects/:subKey/uuids/:id': ['GET', 'PATCH', 'DELETE'],
  '/v2/objects/:subKey/channels/:id': ['GET', 'PATCH', 'DELETE'],
  '/v2/objects/:subKey/uuids/:id/channels': ['GET', 'PATCH'],
  '/v2/objects/:subKey/channels/:id/uuids': ['GET', 'PATCH'],
};
const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Path prefixes of PubNub's endpoint families, for answers given before a route matched. */
const FAMILIES: readonly (readonly [string, Service])[] = [
  ['/v2/objects/', 'objects'],
  ['/publish/', 'publish'],
  ['/v2/presence/', 'presence'],
  ['/v3/pam/', 'access-manager'],
  ['/time/', 'time'],
  ['/v2/subscribe/', 'subscribe'],
  ['/v1/channel-registration/', 'subscribe'],
];

function serviceOf(request: FastifyRequest): Service {
  const configured = request.routeOptions.config?.service;
  if (configured) return configured;
  const path = request.url;
  return FAMILIES.find(([prefix]) => path.startsWith(prefix))?.[1] ?? 'plain';
}

/** Longest path a 404 echoes; a path may be long, and the query is never echoed (it may hold auth). */
const MAX_ECHOED_PATH = 100;

/** A 404 naming what was asked for: `Not found: GET /x`. */
function notFound(request: FastifyRequest): RosterError {
  const path = request.url.split('?', 1)[0]!;
  const shown = path.length > MAX_ECHOED_PATH ? `${path.slice(0, MAX_ECHOED_PATH)}…` : path;
  return new RosterError('NOT_FOUND', `Not found: ${request.method} ${shown}`);
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: RosterError): FastifyReply {
  const wire = toWireError(error, serviceOf(request));
  return reply.status(wire.status).type(wire.contentType).send(JSON.stringify(wire.body));
}

/** The router's refusals: a path that does not percent-decode, or a parameter over the URI ceiling. */
function answerRouterError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return reply.status(414).type('application/json').send(URI_TOO_LONG);
  return sendError(request, reply, badRequest('path', 'path', 'The path is not validly percent-encoded.'));
}

/**
 * Requests the HTTP parser refuses before any route sees them (raw non-ASCII bytes in the URL,
 * oversize headers, a timeout): answered as PubNub's balancer would, not in Fastify's shape.
 */
function answerClientError(error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
  const body = JSON.stringify({ message, error: true, service: 'Balancer', status });
  if (!socket.writable) return void socket.destroy(error);
  socket.end(`HTTP/1.1 ${status} ${message}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  lingerAndDrop(socket);
}

/** How long a refused connection's remaining input is read and dropped before the socket closes. */
const LINGER_MS = 2000;

/**
 * A client still sending a refused request (a 1 MB URL, say) would get a reset instead of the
 * answer if the socket closed at once: read what it sends and drop it, for a bounded time. The
 * HTTP parser's own listener goes, so it does not report the same error for every chunk.
 */
function lingerAndDrop(socket: Socket): void {
  socket.removeAllListeners('data');
  socket.on('data', () => undefined);
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

function parseJsonBody(request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  request.rawBody = text;
  if (text.trim() === '') return done(null, undefined);
  try {
    done(null, JSON.parse(text));
  } catch (error) {
    const message = error instanceof Error ? error.message : 'malformed JSON';
    done(new RosterError('INVALID_INPUT', 'Request payload contained invalid input.', [
      { message: `The body is not valid JSON: ${message}`, location: 'body', locationType: 'body' },
    ]));
  }
}

/** The HTTP application: parsing, CORS, routes and the one error path. */
export function buildApp(context: AppContext, logLevel = 'info'): FastifyInstance {
  const app = Fastify({
    // Every answer names the server and its version, set here once rather than per reply.
    serverFactory: (handler) =>
      createServer({ maxHeaderSize: MAX_URL_BYTES + 16 * 1024 }, (request, response) => {
        response.setHeader('Server', SERVER_HEADER);
        handler(request, response);
      }),
    logger: { level: logLevel },
    logController: new LogController({ disableRequestLogging: true }),
    // Requests are not logged, so a child logger per request would be built only to be dropped.
    childLoggerFactory: (logger) => logger,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_URL_BYTES, querystringParser: parseQueryString },
    return503OnClosing: true,
    // The router's own refusals (a path that does not percent-decode, an over-long parameter)
    // would otherwise answer in Fastify's error shape rather than PubNub's.
    frameworkErrors: answerRouterError,
    clientErrorHandler: answerClientError,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  // Python's SDK has sent PATCH bodies with no Content-Type, and PubNub took them as JSON.
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    if (request.headers['content-type'] === undefined) return parseJsonBody(request, body, done);
    return done(new RosterError('UNSUPPORTED_MEDIA_TYPE', 'Request payload must be in JSON format.'));
  });

  void app.register(cors, {
    origin: '*',
    methods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Content-Type', 'If-Match', 'Content-Encoding', 'Roster-Custom-Merge'],
    exposedHeaders: '*',
  });

  app.addHook('onRequest', (request, reply, done) => {
    if (request.url.length > MAX_URL_BYTES / 3 && Buffer.byteLength(request.url) > MAX_URL_BYTES) {
      void reply.status(414).type('application/json').send(URI_TOO_LONG);
      return;
    }
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const rosterError = asRosterError(error);
    if (rosterError.status >= 500) request.log.error({ err: error, method: request.method, url: request.url }, 'request failed');
    return sendError(request, reply, rosterError);
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, notFound(request)));

  // Signed requests are checked before any route runs; a valid one has full access.
  registerCredentials(app, context);

  metadataRoutes(app, context);
  accessRoutes(app, context);
  membershipRoutes(app, context);
  realtimeRoutes(app, context);
  for (const [url, allowed] of Object.entries(ALLOWED_METHODS)) {
    const method = ALL_METHODS.filter((m) => !allowed.includes(m));
    app.route({
      method,
      url,
      handler: async (request, reply) => {
        void reply.header('Allow', allowed.join(', '));
        return sendError(request, reply, new RosterError('METHOD_NOT_ALLOWED', `Use ${allowed.join(', ')} on this path.`));
      },
    });
  }
  return app;
}
