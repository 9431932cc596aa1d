/**
 * What a durable write costs with nothing of Roster in the way: a route that takes
 * `PATCH /v2/objects/{sub}/uuids/{id}` with a user's fields, writes them to a SQLite table shaped
 * like Roster's (WAL, `synchronous=NORMAL`, the row keyed by keyset and id, an index on `updated`
 * and one on the name), the writes of one event-loop turn in one transaction, the WAL checkpointed
 * from a thread of its own as Roster's store does, and answers the row once its transaction is
 * committed. No validation, eTag, event, outbox or cache: the floor under a real set on the same
 * storage.
 *
 * On Node's own `http` module by default; with `--fastify`, on Fastify with its JSON body parser
 * and @fastify/cors as Roster registers it: the framework's floor on the same storage, so that
 * Roster over it is Roster's own work.
 *
 *   node --import tsx bench/lib/sqlite-write-floor-server.ts <file> <users> [--fastify]  → prints `listening on http://127.0.0.1:PORT`
 */
import cors from '@fastify/cors';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { servePatches, type Answer, type Fields } from './patch-route.ts';

const [file = ':memory:', users = '10000'] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`
  CREATE TABLE IF NOT EXISTS uuids (sub_key TEXT NOT NULL, id TEXT NOT NULL, name TEXT, custom TEXT, updated TEXT NOT NULL, PRIMARY KEY (sub_key, id)) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS uuids_by_updated ON uuids (sub_key, updated, id);
  CREATE INDEX IF NOT EXISTS uuids_by_name ON uuids (sub_key, name, id);
`);
const insert = db.prepare(`INSERT OR REPLACE INTO uuids VALUES ('demo', ?, ?, '{}', ?)`);
db.transaction(() => {
  for (let n = 0; n < Number(users); n++) insert.run(`user-${n}`, `User ${n}`, new Date().toISOString());
})();

// As Roster's store: a thread copies WAL pages into the file (and fsyncs it) every 250 ms; the writer checkpoints only far behind.
if (file !== ':memory:') {
  db.pragma('wal_autocheckpoint = 20000');
  const checkpoints = `
    const { workerData } = require('node:worker_threads');
    const db = new (require(workerData.driver))(workerData.file);
    db.pragma('busy_timeout = 0');
    setInterval(() => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} }, 250);`;
  new Worker(checkpoints, { eval: true, workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file } }).unref();
}

const update = db.prepare(`UPDATE uuids SET name = ?, custom = ?, updated = ? WHERE sub_key = 'demo' AND id = ? RETURNING id, name, custom, updated`);
const [begin, commit] = [db.prepare('BEGIN IMMEDIATE'), db.prepare('COMMIT')];

/** Writes waiting for the end of this turn's transaction. */
let batch: { id: string; fields: Fields; answer: Answer }[] = [];

function write(id: string, fields: Fields, answer: Answer): void {
  batch.push({ id, fields, answer });
  if (batch.length === 1) setImmediate(flush);
}

function flush(): void {
  const writes = batch;
  batch = [];
  begin.run();
  const rows = writes.map(({ id, fields }) => update.get(fields.name ?? null, JSON.stringify(fields.custom ?? null), new Date().toISOString(), id));
  commit.run();
  writes.forEach(({ answer }, index) => {
    const row = rows[index] as { id: string; name: string; custom: string; updated: string } | undefined;
    if (!row) return answer(404, '{"status":404}');
    answer(200, JSON.stringify({ status: 200, data: { ...row, custom: JSON.parse(row.custom) as unknown } }));
  });
}

async function listenOnFastify(): Promise<string> {
  const app = Fastify({ logger: false });
  await app.register(cors, { origin: '*', methods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'], exposedHeaders: '*' });
  app.patch('/v2/objects/:subKey/uuids/:id', (request, reply) => {
    const { id } = request.params as { id: string };
    write(id, request.body as Fields, (status, body) => void reply.status(status).type('application/json').send(body));
    return reply;
  });
  return app.listen({ host: '127.0.0.1', port: 0 });
}

const url = process.argv.includes('--fastify') ? await listenOnFastify() : (await servePatches(write)).url;
console.log(`listening on ${url}`);
process.on('SIGTERM', () => process.exit(0));
