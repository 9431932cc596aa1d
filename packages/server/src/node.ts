import type { FastifyInstance } from 'fastify';
import { AccessChecker } from './auth/authorize.ts';
import { Keysets, type Keyset } from './model/keyset.ts';
import type { Config } from './config.ts';
import { readTlsFiles } from './config/tls-files.ts';
import { ChannelGroupsService } from './groups/service.ts';
import { secretDigest } from './http/admin-keysets.ts';
import { buildApp } from './http/app.ts';
import type { ReadinessCheck } from './http/health.ts';
import { createLogger } from './http/logger.ts';
import { NodeMetrics } from './http/metrics.ts';
import { openRateLimits, RateLimitStoreError, rateLimitsEnabled, type RateLimits } from './http/rate-limit.ts';
import { MessagesService } from './messages/service.ts';
import { ExpiryPurge } from './messages/purge.ts';
import { Outbox } from './objects/outbox.ts';
import { ObjectsService } from './objects/service.ts';
import { KeysetRegistry } from './keysets/registry.ts';
import { createPresenceStore } from './presence/create.ts';
import { PresenceService } from './presence/service.ts';
import { RealtimeHub } from './realtime/hub.ts';
import type { EventBus } from './realtime/bus.ts';
import { createBus } from './realtime/create-bus.ts';
import { TimetokenClock } from './realtime/timetoken.ts';
import { createStore } from './store/create.ts';
import { timedStore } from './store/timed-store.ts';
import { VERSION } from './version.ts';

/** A running Roster node: its HTTP app over its store and real-time hub. */
export interface RosterNode {
  app: FastifyInstance;
  url: string;
  /** The keysets it serves now: the config file's and those the admin API made, as the database holds them (keysets/registry.ts). */
  servedKeysets(): Keyset[];
  close(): Promise<void>;
}

/**
 * Connections the kernel queues for the node before it accepts them (capped by
 * `net.core.somaxconn`). Node's 511 overflows when thousands of long-polling subscribers
 * reconnect at once (a node restarted, a balancer moving them): the connections it drops are
 * reset, and each of those clients waits out a retry.
 */
const LISTEN_BACKLOG = 4096;

/** Composition root: store → domain → real-time hub (over the event bus) and presence → HTTP, listening on the configured address. */
export async function startNode(config: Config): Promise<RosterNode> {
  // One logger for requests and for the library modules (model/log.ts); one registry of metrics.
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  // Both or neither is set (config.ts); each file is read and checked before anything opens.
  const tls = config.tlsCert === undefined || config.tlsKey === undefined ? undefined : readTlsFiles(config.tlsCert, config.tlsKey);
  const metrics = new NodeMetrics({ enabled: config.metrics === 'on' });
  // A PostgreSQL store connects and migrates here; a SQLite one takes its file's lock.
  const opened = await createStore(config, { log: logger, observer: metrics.store });
  const store = metrics.enabled ? timedStore(opened, metrics.storeDuration) : opened;
  // NATS JetStream's retention is the channel logs' settings, so every node replays as far back.
  // One clock for the hub's timetokens and the bus's stamps: a message sent after a handshake answered here is after it.
  const clock = new TimetokenClock();
  const bus = await createBus(config.bus === 'in-process' ? undefined : config.bus, {
    clock,
    maxAgeSeconds: config.channelLogSeconds,
    maxPerChannel: config.channelLogSize,
    onError: (error) => logger.error({ err: error }, 'event bus'),
    onStatus: (line) => logger.warn({}, `NATS event bus: ${line}`),
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  // Presence lives in this process, or in the Redis every node of a cluster shares (`--presence`).
  const presenceStore = await createPresenceStore(config.presence, { log: logger }).catch(async (error: unknown) => {
    await store.close();
    await bus.close();
    throw error;
  });
  const realtime = new RealtimeHub(
    {
      holdSeconds: config.subscribeHoldSeconds,
      channelLogSize: config.channelLogSize,
      channelLogSeconds: config.channelLogSeconds,
      channelLogMiB: config.channelLogMiB,
    },
    { bus, clock, log: logger, delivered: metrics.delivered },
  );
  metrics.countHeldPolls(() => realtime.stats().held);
  // Each change's events are recorded in its transaction; the relay hands over what a failed hand-off or a killed node left.
  const outbox = new Outbox(store.outbox, realtime, { log: logger });
  const objects = new ObjectsService(store, outbox);
  // Publishes are kept in history after the bus took them; expired ones are deleted every minute.
  const messages = new MessagesService(store.messages, realtime);
  const purge = new ExpiryPurge(messages, logger);
  // The keysets served are the stored ones: the config file's seed them, the admin API adds and changes them.
  const keysets = new Keysets([]);
  const keysetRegistry = new KeysetRegistry(store.keysets, keysets, { log: logger });
  await keysetRegistry.seed(config.keysetEntries).catch(async (error: unknown) => {
    await store.close();
    await bus.close();
    await presenceStore.close();
    throw error;
  });
  // Joins, leaves, timeouts and state changes go out on `{channel}-pnpres` through the hub.
  const presence = new PresenceService(presenceStore, realtime, keysets, { log: logger });
  const rateLimits = await rateLimitsOf(config, keysets).catch(async (error: unknown) => {
    await presenceStore.close();
    await store.close();
    await bus.close();
    throw error;
  });
  const context = {
    keysets,
    store,
    objects,
    revocations: store.revocations,
    access: new AccessChecker(store.revocations),
    realtime,
    messages,
    presence,
    channelGroups: new ChannelGroupsService(store.channelGroups),
    keysetRegistry,
    adminSecretDigest: config.adminSecret === undefined ? undefined : secretDigest(config.adminSecret),
  };
  const readiness: ReadinessCheck[] = [{ name: 'store', check: () => store.ping() }];
  if (bus.connected) readiness.push({ name: 'bus', check: () => busConnected(bus) });
  if (config.presence !== 'in-process') readiness.push({ name: 'presence', check: () => presenceStore.ping() });
  // A balancer's idle timeout must outlast a held poll (docs/deployment.md): the node's, a minute more.
  const keepAliveMs = Math.round((config.subscribeHoldSeconds + 60) * 1000); // Node takes whole milliseconds only
  const app = buildApp(context, { logger, metrics, readiness, tls, rateLimits, keepAliveMs });
  app.addHook('onClose', async () => {
    await keysetRegistry.stop();
    // Its timers stop before the bus closes: a tick under way may still announce timeouts.
    await presence.stop();
    await presenceStore.close();
    await purge.stop();
    await outbox.close();
    await store.close();
  });
  app.addHook('onClose', async () => bus.close());
  if (rateLimits) app.addHook('onClose', async () => rateLimits.close());
  // Fastify names the address http:// whatever server it was given.
  const scheme = (at: string) => (tls === undefined ? at : at.replace(/^http:/, 'https:'));
  const address = await app.listen({
    host: config.host,
    port: config.port,
    backlog: LISTEN_BACKLOG,
    listenTextResolver: (at) => `Roster ${VERSION} listening at ${scheme(at)}`,
  });
  outbox.start();
  purge.start();
  keysetRegistry.start();
  presence.start();
  return { app, url: scheme(address), servedKeysets: () => keysets.all(), close: () => app.close() };
}

/** The node's request limits, or undefined when none is set; a Redis store is connected here. */
async function rateLimitsOf(config: Config, keysets: Keysets): Promise<RateLimits | undefined> {
  const settings = {
    perClient: config.rateLimitPerClient,
    perKeyset: config.rateLimitPerKeyset,
    windowSeconds: config.rateLimitWindowSeconds,
    store: config.rateLimitStore,
  };
  // With the admin API on, a keyset may be given a limit at any time: the limits are counted from the start.
  if (config.adminSecret === undefined && !rateLimitsEnabled(settings, keysets.all())) return undefined;
  return openRateLimits(settings, keysets).catch((error: unknown) => {
    if (!(error instanceof RateLimitStoreError)) throw error;
    throw new Error(`${error.message} (set by --rate-limit-store / ROSTER_RATE_LIMIT_STORE / "rateLimitStore" in the config file)`, { cause: error });
  });
}

/** The readiness check of a bus that can lose its connection (`EventBus.connected`). */
function busConnected(bus: EventBus): void {
  if (bus.connected?.() === false) throw new Error('the event bus is not connected (reconnecting to NATS)');
}
