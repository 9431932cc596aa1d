import type { FastifyPluginAsync } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import Type from 'typebox';
import type { DeliveredCounter } from '../realtime/delivery.ts';
import type { StoreObserver } from '../store/observer.ts';
import type { DurationSink } from '../store/timed-store.ts';
import { answer } from './answers.ts';
import type { RequestObserver } from './request-log.ts';

/** Request latency buckets, in seconds: sub-millisecond reads up to long-polls held for minutes. */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Store call latency buckets, in seconds: a cached read takes microseconds. */
const STORE_BUCKETS = [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
/** Writes per group commit. */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** `2xx`, `4xx`… */
const statusClass = (status: number): string => `${Math.floor(status / 100)}xx`;

type Observe = (value: number) => void;

/**
 * A node's Prometheus metrics (prom-client), each registry of its own so that nodes in one
 * process do not mix. Names start with `roster_`; the process's own (`process_*`, `nodejs_*`) are
 * prom-client's defaults. Every observation on a hot path goes to a labelled child looked up once.
 *
 * @example
 * const metrics = new NodeMetrics();
 * const store = timedStore(new SqliteStore({ path, synchronous: 'normal', observer: metrics.store }), metrics.storeDuration);
 * const hub = new RealtimeHub(options, { delivered: metrics.delivered });
 * metrics.countHeldPolls(() => hub.stats().held);
 */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly #requests = new Counter({
    name: 'roster_http_requests_total',
    help: 'Requests answered, by method, route pattern and status class.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly #latency = new Histogram({
    name: 'roster_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being written, by method, route pattern and status class; subscribe includes the hold.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  readonly #delivered = new Counter({
    name: 'roster_subscribe_delivered_total',
    help: 'Envelopes handed to subscribers in long-poll answers: published messages and App Context events.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly #storeLatency = new Histogram({
    name: 'roster_store_query_duration_seconds',
    help: 'Time a store call takes as the domain sees it, by operation.',
    labelNames: ['operation'] as const,
    buckets: STORE_BUCKETS,
    registers: [this.registry],
  });
  readonly #batch = new Histogram({
    name: 'roster_store_group_commit_writes',
    help: 'Write transactions committed together in one SQLite transaction.',
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  readonly #cache = new Counter({
    name: 'roster_store_record_cache_lookups_total',
    help: 'Gets by id, answered from the record cache (hit) or read from SQLite (miss).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  /** Per `method route status`: the request counter's and histogram's children. */
  readonly #byRequest = new Map<string, { count: () => void; observe: Observe }>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts and times every answered request (request-log.ts `CompletedRequests`). */
  readonly request: RequestObserver = ({ request, reply, route: pattern }) => {
    const route = pattern ?? 'unmatched';
    const status = statusClass(reply.statusCode);
    const key = `${request.method} ${route} ${status}`;
    let children = this.#byRequest.get(key);
    if (children === undefined) {
      const labels = { method: request.method, route, status };
      const counter = this.#requests.labels(labels);
      const histogram = this.#latency.labels(labels);
      children = { count: () => counter.inc(), observe: (seconds) => histogram.observe(seconds) };
      this.#byRequest.set(key, children);
    }
    children.count();
    children.observe(reply.elapsedTime / 1000);
  };

  /** For `timedStore`: each operation's latency child. */
  readonly storeDuration: DurationSink = (operation) => {
    const child = this.#storeLatency.labels({ operation });
    return (seconds) => child.observe(seconds);
  };

  /** What the SQLite store reports of its group commits and record cache. */
  readonly store: StoreObserver = (() => {
    const hit = this.#cache.labels({ result: 'hit' });
    const miss = this.#cache.labels({ result: 'miss' });
    return {
      groupCommit: (writes: number) => this.#batch.observe(writes),
      recordCache: (found: boolean) => (found ? hit.inc() : miss.inc()),
    };
  })();

  /** For the hub: envelopes in each subscribe answer, by kind. */
  readonly delivered: DeliveredCounter = (() => {
    const messages = this.#delivered.labels({ kind: 'message' });
    const events = this.#delivered.labels({ kind: 'event' });
    return (messageCount: number, eventCount: number) => {
      if (messageCount > 0) messages.inc(messageCount);
      if (eventCount > 0) events.inc(eventCount);
    };
  })();

  /** Reads the number of held long-polls when scraped. */
  countHeldPolls(read: () => number): void {
    new Gauge({
      name: 'roster_subscribe_held_polls',
      help: 'Subscribe long-polls held open now, waiting for something to deliver.',
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
}

/** `GET /metrics`: the registry in Prometheus's text format, outside PubNub's namespace. */
export const metricsRoutes: FastifyPluginAsync<{ metrics: NodeMetrics }> = async (app, { metrics }) => {
  app.get('/metrics', { config: { ops: true }, schema: metricsSchema }, async (_request, reply) => {
    void reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};

const metricsSchema = {
  summary: 'Prometheus metrics',
  description: "The node's metrics in Prometheus's text format (prom-client): requests, long-polls, deliveries, the store, the process.",
  tags: ['Operations'],
  response: { 200: answer('Prometheus text exposition format 0.0.4.', Type.String(), 'text/plain') },
};
