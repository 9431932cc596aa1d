import { AtMostEvery } from '../at-most-every.ts';
import rateLimit from '@fastify/rate-limit';
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { failureReason, tooManyRequests } from '../errors.ts';
import type { Keyset, Keysets } from '../model/keyset.ts';
import { connectRedis, redisPlaceOf, type RedisPlace } from '../redis.ts';
import { routeKeyset } from './credentials.ts';
import { queryOf } from './context.ts';
import { single } from './url.ts';

/** A node's request limits, per rate-limit window; `0` is no limit. A keyset's `rateLimit` overrides each. */
export interface RateLimitSettings {
  /** Requests one client (its `uuid`, else its address) may make to one keyset per window. */
  perClient: number;
  /** Requests all clients together may make to one keyset per window. */
  perKeyset: number;
  windowSeconds: number;
  /** `memory` (this node's own counts) or `redis://…` (counts shared by every node naming that Redis; `?prefix=` before its keys). */
  store: string;
}

/** Rate limits ready to register (`rateLimitPlugin`): the settings and, for a shared store, its open Redis connection. */
export interface RateLimits {
  settings: RateLimitSettings;
  keysets: Keysets;
  redis: { client: Redis; prefix: string } | undefined;
  /** Closes the Redis connection, if any. */
  close(): Promise<void>;
}

/** The Redis of `--rate-limit-store` could not be reached, or its URL is not one; the message says why, without the password. */
export class RateLimitStoreError extends Error {
  override readonly name = 'RateLimitStoreError';
}

/** How long a Redis command may take before the request goes on unlimited (see `rateLimitPlugin`). */
const REDIS_COMMAND_MS = 1000;
/** Counters kept in memory: past this many clients and keysets at once, the longest unused are forgotten. */
const MEMORY_COUNTERS = 100_000;
/** A Redis that stays unreachable is logged at most this often. */
const WARN_EVERY_MS = 30_000;
const DEFAULT_PREFIX = 'roster-rate-limit:';

/** Whether any limit is set, on the node or on a keyset; without one the node counts nothing. */
export function rateLimitsEnabled(settings: RateLimitSettings, keysets: readonly Keyset[]): boolean {
  const positive = (value: number | undefined) => value !== undefined && value > 0;
  return settings.perClient > 0 || settings.perKeyset > 0 || keysets.some((k) => positive(k.rateLimit?.perClient) || positive(k.rateLimit?.perKeyset));
}

/**
 * Readies the limits: with a `redis://` store, connects to it first.
 * @throws RateLimitStoreError when the URL is not a Redis URL or Redis does not answer within 5 s.
 */
export async function openRateLimits(settings: RateLimitSettings, keysets: Keysets): Promise<RateLimits> {
  if (settings.store === 'memory') return { settings, keysets, redis: undefined, close: () => Promise.resolve() };
  const { options, prefix, shown } = redisOptions(settings.store);
  const client = await connectRedis(options, {
    commandTimeoutMs: REDIS_COMMAND_MS,
    unreachable: (reason, cause) => new RateLimitStoreError(`Cannot reach the rate-limit Redis at ${shown}: ${reason}`, { cause }),
  });
  return {
    settings,
    keysets,
    redis: { client, prefix },
    close: () =>
      client.quit().then(
        () => undefined,
        () => client.disconnect(),
      ),
  };
}

function redisOptions(url: string): { options: RedisPlace; prefix: string; shown: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RateLimitStoreError('The rate-limit store must be memory or a redis:// URL (redis://host:6379)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new RateLimitStoreError('The rate-limit store must be memory or a redis:// URL');
  const prefix = parsed.searchParams.get('prefix') ?? DEFAULT_PREFIX;
  for (const key of parsed.searchParams.keys()) {
    if (key !== 'prefix') throw new RateLimitStoreError(`The rate-limit store URL option ${JSON.stringify(key)} is not one (prefix)`);
  }
  const database = parsed.pathname.replace(/^\//, '');
  if (database !== '' && !/^\d+$/.test(database)) throw new RateLimitStoreError('The rate-limit store URL names a database by its number: redis://host:6379/0');
  const { place, shown } = redisPlaceOf(parsed);
  return { options: place, prefix, shown };
}

/** Longest counter key kept as it is; see `counterKey`. */
const MAX_KEY_LENGTH = 200;

/**
 * A counter's key, short whatever the request: the `uuid` and subscribe key are counted before the
 * route checks them, so they may be as long as the URL (32 KiB). Kept whole, 100,000 counters of
 * such keys would hold gigabytes of the node's memory (or of Redis's); a longer key is counted
 * under its SHA-256 instead.
 */
function counterKey(scope: string, parts: unknown): string {
  const key = JSON.stringify(parts);
  return key.length <= MAX_KEY_LENGTH ? `${scope}:${key}` : `${scope}#sha256:${createHash('sha256').update(key).digest('base64url')}`;
}

/** The client a request counts for: its `uuid` when it names one, else the address it comes from. */
function clientOf(request: FastifyRequest): string {
  const uuid = single(queryOf(request), 'uuid');
  return uuid === undefined || uuid === '' ? `address ${request.ip}` : `uuid ${uuid}`;
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/**
 * Counts each request that names a served keyset (its route’s `:subKey`; the admin API’s aside) against that keyset’s
 * per-client limit, then its per-keyset limit; a request over either answers 429 in its
 * service's envelope with `Retry-After` (seconds). Requests naming no keyset (`/time`, `/health`,
 * `/ready`, `/metrics`) are not counted; a subscribe long-poll counts once. Registered before the
 * routes, after CORS (so a 429 carries CORS headers).
 *
 * When the Redis store fails (down, or slower than 1 s), requests go on unlimited and a warning is
 * logged (at most every 30 s): an outage of the counters does not become an outage of the node.
 */
export const rateLimitPlugin = fastifyPlugin<{ limits: RateLimits; logger: Logger }>(async (app, { limits, logger }) => {
  const { settings, keysets, redis } = limits;
  const windowMs = settings.windowSeconds * 1000;
  await app.register(rateLimit, {
    global: false,
    ...(redis === undefined ? {} : { redis: redis.client, nameSpace: redis.prefix }),
  });
  const limitOf = (request: FastifyRequest, scope: 'perClient' | 'perKeyset'): number => routeKeyset(keysets, request)?.rateLimit?.[scope] ?? settings[scope];
  // `cache` sizes each limiter's in-memory counters (the library reads it, its types omit it).
  const common = { timeWindow: windowMs, cache: MEMORY_COUNTERS };
  const perClient = app.createRateLimit({
    ...common,
    max: (request) => limitOf(request, 'perClient'),
    keyGenerator: (request) => counterKey('client', [subscribeKeyOf(request), clientOf(request)]),
  });
  const perKeyset = app.createRateLimit({
    ...common,
    max: (request) => limitOf(request, 'perKeyset'),
    keyGenerator: (request) => counterKey('keyset', subscribeKeyOf(request)),
  });
  const storeFailure = new AtMostEvery(WARN_EVERY_MS);
  const check = async (limiter: Limiter, request: FastifyRequest, reply: FastifyReply, scope: 'client' | 'keyset'): Promise<void> => {
    let result: Awaited<ReturnType<Limiter>>;
    try {
      result = await limiter(request);
    } catch (error) {
      if (storeFailure.due())
        logger.warn({ reason: failureReason(error) }, 'rate limits: the Redis store failed; requests go on unlimited until it answers again');
      return;
    }
    if (result.isAllowed || !result.isExceeded) return;
    const retryAfter = Math.max(1, result.ttlInSeconds);
    void reply.header('Retry-After', String(retryAfter));
    throw tooManyRequests(scope, result.max, settings.windowSeconds, retryAfter);
  };
  app.addHook('onRequest', async (request, reply) => {
    const keyset = routeKeyset(keysets, request);
    // The admin API names a keyset it manages, not one a client uses: its requests count for none.
    if (keyset === undefined || request.url.startsWith('/admin/')) return;
    if ((keyset.rateLimit?.perClient ?? settings.perClient) > 0) await check(perClient, request, reply, 'client');
    if ((keyset.rateLimit?.perKeyset ?? settings.perKeyset) > 0) await check(perKeyset, request, reply, 'keyset');
  });
});

function subscribeKeyOf(request: FastifyRequest): string {
  return (request.params as { subKey: string }).subKey;
}
