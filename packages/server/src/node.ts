import type { FastifyInstance } from 'fastify';
import { AccessChecker } from './auth/authorize.ts';
import { Keysets } from './model/keyset.ts';
import type { Config } from './config.ts';
import { buildApp } from './http/app.ts';
import { ObjectsService } from './objects/service.ts';
import { RealtimeHub } from './realtime/hub.ts';
import { InProcessBus } from './realtime/in-process-bus.ts';
import { createStore } from './store/create.ts';

/** A running Roster node: its HTTP app over its store and real-time hub. */
export interface RosterNode {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Composition root: store → domain → real-time hub (over the event bus) → HTTP, listening on the configured address. */
export async function startNode(config: Config): Promise<RosterNode> {
  // A PostgreSQL store connects and migrates here; a SQLite one takes its file's lock.
  const store = await createStore(config);
  const bus = new InProcessBus();
  const realtime = new RealtimeHub(
    {
      holdSeconds: config.subscribeHoldSeconds,
      channelLogSize: config.channelLogSize,
      channelLogSeconds: config.channelLogSeconds,
      channelLogMiB: config.channelLogMiB,
    },
    { bus },
  );
  const objects = new ObjectsService(store, realtime);
  const context = { keysets: new Keysets(config.keysets), store, objects, revocations: store.revocations, access: new AccessChecker(store.revocations), realtime };
  const app = buildApp(context, config.logLevel);
  app.addHook('onClose', async () => store.close());
  app.addHook('onClose', async () => bus.close());
  const address = await app.listen({ host: config.host, port: config.port });
  return { app, url: address, close: () => app.close() };
}
