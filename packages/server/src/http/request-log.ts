import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

declare module 'fastify' {
  interface FastifyRequest {
    /** How long a subscribe long-poll was held before it answered, in ms; null when it answered at once or is no poll. */
    heldMs: number | null;
    /** The failure the error handler answered with (a 5xx), for the request's line; null when none. */
    failure: unknown;
  }
  interface FastifyContextConfig {
    /** An operations route (`/health`, `/metrics`…): its requests are logged at `debug`, not `info`. */
    ops?: boolean;
  }
}

/** A request whose answer has been handed to the socket. */
export interface CompletedRequest {
  request: FastifyRequest;
  reply: FastifyReply;
  /** The route's pattern (`/v2/objects/:subKey/uuids/:id`); undefined when no route matched. */
  route: string | undefined;
  /** An operations route (`config.ops`). */
  ops: boolean;
  /** The matched route's config, one object per route (a key for per-route state); undefined when none matched. */
  config: object | undefined;
}

/** Told of every completed request (request-log.ts, metrics.ts). */
export type RequestObserver = (completed: CompletedRequest) => void;

/**
 * Fastify's log controller, made the one place that sees each request end: Fastify calls
 * `requestCompleted` when an answer has been written, whatever the route, 404s and framework
 * refusals included. It writes the request's line and tells the observers (metrics). A
 * long-poll's line comes when it answers; a poll whose client went away before is never answered.
 */
export class CompletedRequests extends LogController {
  readonly #observers: RequestObserver[];

  constructor(observers: RequestObserver[]) {
    super({ disableRequestLogging: true });
    this.#observers = observers;
  }

  override incomingRequest(): void {}

  override requestCompleted(_error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    // Fastify builds `routeOptions` anew on each read: read once for every observer.
    const { url, config } = request.routeOptions;
    const completed: CompletedRequest = { request, reply, route: url, ops: config?.ops === true, config: url === undefined ? undefined : config };
    for (const observe of this.#observers) observe(completed);
  }
}

/** Milliseconds to one decimal: a line need not carry nanoseconds. */
const tenths = (ms: number): number => Math.round(ms * 10) / 10;

/** The subscribe key a route's `:subKey` names, or undefined (`/time/0`, a 404). */
function subKeyOf(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, unknown> | undefined;
  const subKey = params?.['subKey'];
  return typeof subKey === 'string' ? subKey : undefined;
}

function bytesOf(reply: FastifyReply): number | undefined {
  const length = reply.getHeader('content-length');
  return length === undefined ? undefined : Number(length);
}

/**
 * One line per request: method, route pattern (never the path or query as sent: those may hold
 * an `auth` token or a `signature`), status, duration, subscribe key, request id, answer bytes,
 * and for a held long-poll how long it was held. Operations routes log at `debug`, failures of
 * the server at `error` with what failed.
 */
export function requestLine(log: Logger): RequestObserver {
  return ({ request, reply, route, ops }) => {
    const status = reply.statusCode;
    const level = ops ? 'debug' : status >= 500 ? 'error' : 'info';
    if (!log.isLevelEnabled(level)) return;
    const line: Record<string, unknown> = {
      reqId: request.id,
      method: request.method,
      route,
      status,
      ms: tenths(reply.elapsedTime),
      subKey: subKeyOf(request),
      bytes: bytesOf(reply),
    };
    if (request.heldMs !== null) line['heldMs'] = tenths(request.heldMs);
    if (request.failure !== null) line['err'] = request.failure;
    log[level](line, 'request');
  };
}

/** Ids a client may send in `X-Request-Id` to find its request in the logs; anything else is replaced. */
const CLIENT_ID = /^[\w.:-]{1,64}$/;

/**
 * Request ids: the client's `X-Request-Id` when it is short and plain, else this process's tag
 * and a counter (`3f9a1c-1b`), unique across restarts and nodes.
 */
export function requestIds(): (raw: IncomingMessage) => string {
  const tag = randomBytes(3).toString('hex');
  let count = 0;
  return (raw) => {
    const given = raw.headers['x-request-id'];
    if (typeof given === 'string' && CLIENT_ID.test(given)) return given;
    count += 1;
    return `${tag}-${count.toString(36)}`;
  };
}
