import type { FastifyInstance } from 'fastify';
import { AccessChecker } from './auth/authorize.ts';
import { Keysets } from './model/keyset.ts';
import type { Config } from './config.ts';
import { buildApp } from './http/app.ts';
import type { ReadinessCheck } from './http/health.ts';
import { createLogger } from './http/logger.ts';
import { NodeMetrics } from './http/metrics.ts';
import { ObjectsService } from './objects/service.ts';
import { RealtimeHub } from './realtime/hub.ts';
import type { EventBus } from './realtime/bus.ts';
import { createBus } from './realtime/create-bus.ts';
import { createStore } from './store/create.ts';
import { timedStore } from './store/timed-store.ts';
import { VERSION } from './version.ts';

/** A running Roster node: its HTTP app over its store and real-time hub. */
export interface RosterNode {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Composition root: store → domain → real-time hub (over the event bus) → HTTP, listening on the configured address. */
export async function startNode(config: Config): Promise<RosterNode> {
  // One logger for requests and for the library modules (model/log.ts); one registry of metrics.
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  const metrics = new NodeMetrics();
  // A PostgreSQL store connects and migrates here; a SQLite one takes its file's lock.
  const store = timedStore(await createStore(config, { log: logger, observer: metrics.store }), metrics.storeDuration);
  // NATS JetStream's retention is the channel logs' settings, so every node replays as far back.
  const bus = await createBus(config.bus === 'in-process' ? undefined : config.bus, {
    maxAgeSeconds: config.channelLogSeconds,
    maxPerChannel: config.channelLogSize,
    onError: (error) => logger.error({ err: error }, 'event bus'),
    onStatus: (line) => logger.warn({}, `NATS event bus: ${line}`),
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const realtime = new RealtimeHub(
    {
      holdSeconds: config.subscribeHoldSeconds,
      channelLogSize: config.channelLogSize,
      channelLogSeconds: config.channelLogSeconds,
      channelLogMiB: config.channelLogMiB,
    },
    { bus, log: logger, delivered: metrics.delivered },
  );
  metrics.countHeldPolls(() => realtime.stats().held);
  const objects = new ObjectsService(store, realtime);
  const context = {
    keysets: new Keysets(config.keysets),
    store,
    objects,
    revocations: store.revocations,
    access: new AccessChecker(store.revocations),
    realtime,
  };
  const readiness: ReadinessCheck[] = [{ name: 'store', check: () => store.ping() }];
  if (bus.connected) readiness.push({ name: 'bus', check: () => busConnected(bus) });
  const app = buildApp(context, { logger, metrics, readiness });
  app.addHook('onClose', async () => store.close());
  app.addHook('onClose', async () => bus.close());
  const address = await app.listen({ host: config.host, port: config.port, listenTextResolver: (at) => `Roster ${VERSION} listening at ${at}` });
  return { app, url: address, close: () => app.close() };
}

/** The readiness check of a bus that can lose its connection (`EventBus.connected`). */
function busConnected(bus: EventBus): void {
  if (bus.connected?.() === false) throw new Error('the event bus is not connected (reconnecting to NATS)');
}
