import cors from '@fastify/cors';
import Fastify, {
  type ConnectionError,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { consoleRoutes } from './console.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { badRequest, RosterError } from '../errors.ts';
import { JsonText } from '../objects/wire-text.ts';
import { adminKeysetRoutes } from './admin-keysets.ts';
import { methodNotAllowed } from './allowed-methods.ts';
import { registerBodyParsers } from './body.ts';
import { channelMemberRoutes } from './channel-members.ts';
import { channelRegistrationRoutes } from './channel-registration.ts';
import { channelRoutes } from './channels.ts';
import type { AppContext } from './context.ts';
import { registerCredentials } from './credentials.ts';
import { asRosterError, serviceOfPath, toWireError, type Service } from './error-envelope.ts';
import { grantRoutes } from './grant.ts';
import { healthRoutes, type ReadinessCheck } from './health.ts';
import { historyRoutes } from './history.ts';
import { messageActionRoutes } from './message-actions.ts';
import { messageCountRoutes } from './message-counts.ts';
import { metricsRoutes, type NodeMetrics } from './metrics.ts';
import { openApiRoutes, RouteCatalog } from './openapi.ts';
import { presenceRoutes } from './presence.ts';
import { publishRoutes } from './publish.ts';
import { rateLimitPlugin, type RateLimits } from './rate-limit.ts';
import { closableResponses, continueWhenRead, LINGER_MS } from './response.ts';
import { CompletedRequests, requestIds, requestLine } from './request-log.ts';
import { compileRouteSchema } from './schema.ts';
import { signalRoutes } from './signal.ts';
import { subscribeRoutes } from './subscribe.ts';
import { timeRoutes } from './time.ts';
import { uuidMembershipRoutes } from './uuid-memberships.ts';
import { uuidRoutes } from './uuids.ts';
import { parseQueryString } from './url.ts';

/** PubNub's documented URI ceiling; longer requests get its 414. */
const MAX_URL_BYTES = 32 * 1024;
/** What PubNub's balancer answers to a longer one. */
const URI_TOO_LONG = { message: 'Request URI Too Long', error: true, service: 'Balancer', status: 414 };
/** The body limit of routes that set none: each route that takes a body sets its own (body.ts). */
const BODY_LIMIT = 64 * 1024;

/** Which service's envelope answers: the matched route's, else the one of the path's family. */
function serviceOf(request: FastifyRequest): Service {
  return request.routeOptions.config?.service ?? serviceOfPath(request.url);
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
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large']
        : [400, 'Bad Request'];
  const body = JSON.stringify({ message, error: true, service: 'Balancer', status });
  if (!socket.writable) return void socket.destroy(error);
  socket.end(
    `HTTP/1.1 ${status} ${message}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
  );
  lingerAndDrop(socket);
}

/**
 * At shutdown, how long connections still open may take to finish, in milliseconds: the node
 * waits for them before it closes its database, and a client that never sends (or never ends) its
 * request would otherwise hold it up for ever. Under systemd's stop timeout (90 s) and Kubernetes'
 * grace period (30 s).
 */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * From shutdown on, a connection whose request is under way closes once it is answered rather
 * than staying open as keep-alive: its answer says `Connection: close` (`responses`), and one
 * whose head went out before shutdown closes 1 ms after it ends (Node reads the keep-alive time
 * anew as each answer ends; Fastify closes the idle ones). Whatever is still open
 * `SHUTDOWN_GRACE_MS` later is cut.
 */
function closeConnectionsOnShutdown(server: Server, responses: { close: () => void }): void {
  responses.close();
  server.keepAliveTimeout = 1;
  const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
  server.once('close', () => clearTimeout(cut));
}

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

/** What an app is given beside the routes' context. */
export interface AppOptions {
  /** The node's logger (logger.ts): request lines and Fastify's own messages. */
  logger: Logger;
  /** What `GET /ready` checks: the store, and on a cluster the bus. */
  readiness: readonly ReadinessCheck[];
  /** Serves `GET /metrics`, and counts and times every request. */
  metrics: NodeMetrics;
  /** PEM certificate and key: the app serves HTTPS with them, else plain HTTP. */
  tls?: { cert: Buffer; key: Buffer } | undefined;
  /** Request limits (rate-limit.ts), when any is set. */
  rateLimits?: RateLimits | undefined;
  /**
   * How long an idle keep-alive connection stays open, in milliseconds (Node's own server: 5 s).
   * Longer than the idle timeout of a balancer keeping connections to the node, which must
   * outlast a held long-poll: one sending a request into a connection the node is closing gets a
   * reset, and answers a PATCH or POST so cut with a 502 rather than send it again. The other
   * timeouts stay Node's: a request must arrive whole within 300 s, its headers within 60 s.
   */
  keepAliveMs: number;
}

/** The HTTP application: parsing, CORS, routes, the one error path, and the operations routes. */
export function buildApp(context: AppContext, { logger, readiness, metrics, tls, rateLimits, keepAliveMs }: AppOptions): FastifyInstance {
  const responses = closableResponses();
  const app = Fastify({
    // Every answer names the server and its version and allows any origin to read it (CORS),
    // added by the response itself rather than by a hook per request; preflights are the plugin's.
    serverFactory: (handler) => {
      const options = { maxHeaderSize: MAX_URL_BYTES + 16 * 1024, keepAliveTimeout: keepAliveMs, ServerResponse: responses.Response };
      const server = tls === undefined ? createServer(options, handler) : createHttpsServer({ ...options, ...tls }, handler);
      return server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
        continueWhenRead(request, response);
        handler(request, response);
      });
    },
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request, written when it is answered (request-log.ts), and its metrics.
    logController: new CompletedRequests([requestLine(logger), metrics.request]),
    genReqId: requestIds(),
    // That line carries the request id itself: a child logger per request would be built for nothing.
    childLoggerFactory: (parent) => parent,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_URL_BYTES, querystringParser: parseQueryString },
    return503OnClosing: true,
    // The router's own refusals (a path that does not percent-decode, an over-long parameter)
    // would otherwise answer in Fastify's error shape rather than PubNub's.
    frameworkErrors: answerRouterError,
    clientErrorHandler: answerClientError,
  });

  registerBodyParsers(app);

  // In a scope of its own, the plugin's hook runs for its preflight route (`OPTIONS *`) only.
  void app.register(async (preflights) => {
    await preflights.register(cors, {
      origin: '*',
      methods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Content-Type', 'If-Match', 'Content-Encoding', 'Roster-Custom-Merge', 'X-Request-Id'],
      exposedHeaders: '*',
    });
  });
  if (rateLimits) void app.register(rateLimitPlugin, { limits: rateLimits, logger });

  app.addHook('onRequest', (request, reply, done) => {
    if (request.url.length > MAX_URL_BYTES / 3 && Buffer.byteLength(request.url) > MAX_URL_BYTES) {
      void reply.status(414).type('application/json').send(URI_TOO_LONG);
      return;
    }
    done();
  });

  app.addHook('preClose', (done) => {
    closeConnectionsOnShutdown(app.server, responses);
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const rosterError = asRosterError(error);
    // The request's line logs it, at `error` (request-log.ts); the URL as sent may hold credentials.
    if (rosterError.status >= 500) request.failure = error;
    return sendError(request, reply, rosterError);
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, notFound(request)));

  registerCredentials(app);
  app.decorateRequest('heldMs', null);
  app.decorateRequest('failure', null);
  app.setValidatorCompiler(compileRouteSchema);
  // Answers are serialized as without a schema: route answer schemas (answers.ts) document them.
  // App Context answers come as UTF-8 JSON already (objects/wire-text.ts): Fastify's types want a
  // string, and it sends a Buffer as it is (a kept page's answer is then encoded once, not per send).
  app.setSerializerCompiler(() => (data) => (data instanceof JsonText ? (data.bytes as unknown as string) : JSON.stringify(data)));

  // One plugin per resource, each with its literal paths (README "Repository layout"); every
  // route takes a request through parse → auth → validate (route-steps.ts).
  const answerOtherMethods = methodNotAllowed(app);
  const catalog = new RouteCatalog(app);
  const options = { context };
  void app.register(uuidRoutes, options);
  void app.register(channelRoutes, options);
  void app.register(uuidMembershipRoutes, options);
  void app.register(channelMemberRoutes, options);
  void app.register(publishRoutes, options);
  void app.register(signalRoutes, options);
  void app.register(historyRoutes, options);
  void app.register(messageCountRoutes, options);
  void app.register(messageActionRoutes, options);
  void app.register(subscribeRoutes, options);
  void app.register(presenceRoutes, options);
  void app.register(timeRoutes, options);
  void app.register(grantRoutes, options);
  void app.register(channelRegistrationRoutes, options);
  // Operations, outside PubNub's namespace.
  void app.register(healthRoutes, { checks: readiness });
  void app.register(metricsRoutes, { metrics });
  void app.register(openApiRoutes, { catalog });
  void app.register(adminKeysetRoutes, options);
  void app.register(catalog.sealed);
  void app.register(answerOtherMethods);
  // Static files after the 405 table and the OpenAPI catalog are sealed: not endpoints of the API.
  void app.register(consoleRoutes);
  return app;
}
