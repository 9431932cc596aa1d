import type { FastifyPluginAsync } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CounterFamily, HistogramFamily } from './metric-families.ts';
import Type from 'typebox';
import type { DeliveredCounter } from '../realtime/delivery.ts';
import { UNOBSERVED, type StoreObserver } from '../store/observer.ts';
import type { DurationSink } from '../store/timed-store.ts';
import { answer } from './answers.ts';
import type { RequestObserver } from './request-log.ts';

/** Request latency buckets, in seconds: sub-millisecond reads up to long-polls held for minutes. */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Store call latency buckets, in seconds: a cached read takes microseconds. */
const STORE_BUCKETS = [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
/** Writes per group commit. */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** A request counter's and latency histogram's series for one method, route and status class. */
interface RequestSeries {
  count: () => void;
  observe: (seconds: number) => void;
}

/**
 * A node's Prometheus metrics (prom-client), each registry of its own so that nodes in one
 * process do not mix. Names start with `roster_`; the process's own (`process_*`, `nodejs_*`) are
 * prom-client's defaults. What is observed on every request or store call is kept in plain
 * numbers (metric-families.ts) in a series looked up once; prom-client formats it when scraped.
 *
 * @example
 * const metrics = new NodeMetrics();
 * const store = timedStore(new SqliteStore({ path, synchronous: 'normal', observer: metrics.store }), metrics.storeDuration);
 * const hub = new RealtimeHub(options, { delivered: metrics.delivered });
 * metrics.countHeldPolls(() => hub.stats().held);
 *
 * Built with `enabled: false` (`--metrics off`), every observer is a no-op, nothing is collected
 * and `metricsRoutes` adds no route; the composition root then leaves the store untimed.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly enabled: boolean;
  readonly #requests = new CounterFamily({
    name: 'roster_http_requests_total',
    help: 'Requests answered, by method, route pattern and status class.',
    labelNames: ['method', 'route', 'status'] as const,
    registry: this.registry,
  });
  readonly #latency = new HistogramFamily({
    name: 'roster_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being written, by method, route pattern and status class; subscribe includes the hold.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registry: this.registry,
  });
  readonly #delivered = new Counter({
    name: 'roster_subscribe_delivered_total',
    help: 'Envelopes handed to subscribers in long-poll answers: published messages and App Context events.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly #storeLatency = new HistogramFamily({
    name: 'roster_store_query_duration_seconds',
    help: 'Time a store call takes as the domain sees it, by operation.',
    labelNames: ['operation'] as const,
    buckets: STORE_BUCKETS,
    registry: this.registry,
  });
  readonly #batch = new Histogram({
    name: 'roster_store_group_commit_writes',
    help: 'Write transactions committed together in one SQLite transaction.',
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  readonly #cache = new CounterFamily({
    name: 'roster_store_record_cache_lookups_total',
    help: 'Gets by id, answered from the record cache (hit) or read from SQLite (miss).',
    labelNames: ['result'] as const,
    registry: this.registry,
  });
  /** Per route (its config object, one per route) and status class: the request counter's and histogram's series. */
  readonly #byRoute = new WeakMap<object, RequestSeries[]>();
  /** The same for requests no route matched, by method. */
  readonly #unmatched = new Map<string, RequestSeries[]>();

  constructor({ enabled = true }: { enabled?: boolean } = {}) {
    this.enabled = enabled;
    if (enabled) collectDefaultMetrics({ register: this.registry });
    else Object.assign(this, DISABLED);
  }

  /** Counts and times every answered request (request-log.ts `CompletedRequests`). */
  readonly request: RequestObserver = ({ request, reply, route, config }) => {
    const byStatus = this.#statusSeries(request.method, route, config);
    const status = Math.floor(reply.statusCode / 100);
    const series = (byStatus[status] ??= this.#series(request.method, route ?? 'unmatched', `${status}xx`));
    series.count();
    series.observe(reply.elapsedTime / 1000);
  };

  #statusSeries(method: string, route: string | undefined, config: object | undefined): RequestSeries[] {
    if (route === undefined || config === undefined) {
      let unmatched = this.#unmatched.get(method);
      if (unmatched === undefined) this.#unmatched.set(method, (unmatched = []));
      return unmatched;
    }
    let byStatus = this.#byRoute.get(config);
    if (byStatus === undefined) this.#byRoute.set(config, (byStatus = []));
    return byStatus;
  }

  #series(method: string, route: string, status: string): RequestSeries {
    const labels = { method, route, status };
    return { count: this.#requests.child(labels), observe: this.#latency.child(labels) };
  }

  /** For `timedStore`: each operation's latency series. */
  readonly storeDuration: DurationSink = (operation) => this.#storeLatency.child({ operation });

  /** What the SQLite store reports of its group commits and record cache. */
  readonly store: StoreObserver = (() => {
    const hit = this.#cache.child({ result: 'hit' });
    const miss = this.#cache.child({ result: 'miss' });
    return {
      groupCommit: (writes: number) => this.#batch.observe(writes),
      recordCache: (found: boolean) => (found ? hit() : miss()),
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
    if (!this.enabled) return;
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

const ignore = (): void => {};

/** The observers of a node whose metrics are off: each does nothing. */
const DISABLED: Pick<NodeMetrics, 'request' | 'storeDuration' | 'store' | 'delivered'> = {
  request: ignore,
  storeDuration: () => ignore,
  store: UNOBSERVED,
  delivered: ignore,
};

/** `GET /metrics`: the registry in Prometheus's text format, outside PubNub's namespace; no route when metrics are off. */
export const metricsRoutes: FastifyPluginAsync<{ metrics: NodeMetrics }> = async (app, { metrics }) => {
  if (!metrics.enabled) return;
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
