import type { FastifyInstance } from 'fastify';
import { Keysets } from './auth/keysets.ts';
import type { Config } from './config.ts';
import { buildApp } from './http/app.ts';
import type { ObjectEventSink } from './objects/events.ts';
import { ObjectsService } from './objects/service.ts';
import { SqliteStore } from './store/sqlite/index.ts';

/** A running Roster node: its HTTP app over its store. */
export interface RosterNode {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Composition root: store → domain → HTTP, listening on the configured address. */
export async function startNode(config: Config): Promise<RosterNode> {
  const store = new SqliteStore({ path: config.db, synchronous: config.synchronous });
  const events: ObjectEventSink = { publish: () => {} };
  const objects = new ObjectsService(store, events);
  const app = buildApp({ keysets: new Keysets(config.keysets), store, objects }, config.logLevel);
  app.addHook('onClose', async () => store.close());
  const address = await app.listen({ host: config.host, port: config.port });
  return { app, url: address, close: () => app.close() };
}
