import type { FastifyInstance } from 'fastify';
import { Keysets } from './auth/keysets.ts';
import type { Config } from './config.ts';
import { buildApp } from './http/app.ts';
import { ObjectsService } from './objects/service.ts';
import { RealtimeHub } from './realtime/hub.ts';
import { SqliteStore } from './store/sqlite/index.ts';
import { SqliteRevocations } from './store/sqlite/revocations.ts';

/** A running Roster node: its HTTP app over its store and real-time hub. */
export interface RosterNode {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Composition root: store → domain → real-time hub → HTTP, listening on the configured address. */
export async function startNode(config: Config): Promise<RosterNode> {
  const store = new SqliteStore({ path: config.db, synchronous: config.synchronous });
  const realtime = new RealtimeHub({
    holdSeconds: config.subscribeHoldSeconds,
    channelLogSize: config.channelLogSize,
    channelLogSeconds: config.channelLogSeconds,
    channelLogMiB: config.channelLogMiB,
  });
  const objects = new ObjectsService(store, realtime);
  const context = { keysets: new Keysets(config.keysets), store, objects, revocations: new SqliteRevocations(store.db), realtime };
  const app = buildApp(context, config.logLevel);
  app.addHook('onClose', async () => store.close());
  const address = await app.listen({ host: config.host, port: config.port });
  return { app, url: address, close: () => app.close() };
}
