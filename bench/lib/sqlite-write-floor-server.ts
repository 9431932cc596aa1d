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
 * With `--roster-schema`, the storage is Roster's own rather than a table shaped like it: the
 * database its store opens (store/sqlite/connection.ts: every table and index, the stored sort
 * keys), and for each write the statements a Roster set runs on it: a savepoint, the UPDATE of
 * the changed columns with their sort keys (name, custom, updated, eTag, as keyed-row.ts writes
 * them), the read of the user's channels; once per transaction the outbox row of its events,
 * deleted about 100 ms later as Roster's outbox does. What it leaves out is Roster's
 * JavaScript: validation, the record cache, the decision and its eTag, the events, the hand-off.
 *
 *   node --import tsx bench/lib/sqlite-write-floor-server.ts <file> <users> [--fastify] [--roster-schema]  → prints `listening on http://127.0.0.1:PORT`
 */
import cors from '@fastify/cors';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { UUID_RESOURCE } from '../../packages/server/src/model/resources.ts';
import { now } from '../../packages/server/src/model/instant.ts';
import { openConnection } from '../../packages/server/src/store/sqlite/connection.ts';
import { keyedRow, storedKey } from '../../packages/server/src/store/sqlite/keyed-row.ts';
import type { UuidRecord } from '../../packages/server/src/model/records.ts';
import { servePatches, type Answer, type Fields } from './patch-route.ts';
import { userBody } from './seed.ts';

const [file = ':memory:', users = '10000'] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const rosterSchema = process.argv.includes('--roster-schema');

/** One storage's statements: what seeds it, what each write runs, and what a transaction adds at its end. */
interface Storage {
  db: Database.Database;
  seed(index: number): void;
  /** The row after the write, as the answer's JSON; undefined when there is no such user. */
  write(id: string, fields: Fields): string | undefined;
  /** Inside the transaction, after its writes. */
  end(texts: string[]): void;
}

/** A table shaped like Roster's uuids: the columns a set writes, the indexes on `updated` and the name. */
function likeRoster(): Storage {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS uuids (sub_key TEXT NOT NULL, id TEXT NOT NULL, name TEXT, custom TEXT, updated TEXT NOT NULL, PRIMARY KEY (sub_key, id)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS uuids_by_updated ON uuids (sub_key, updated, id);
    CREATE INDEX IF NOT EXISTS uuids_by_name ON uuids (sub_key, name, id);
  `);
  const insert = db.prepare(`INSERT OR REPLACE INTO uuids VALUES ('demo', ?, ?, '{}', ?)`);
  const update = db.prepare(`UPDATE uuids SET name = ?, custom = ?, updated = ? WHERE sub_key = 'demo' AND id = ? RETURNING id, name, custom, updated`);
  return {
    db,
    seed: (index) => insert.run(`user-${index}`, `User ${index}`, new Date().toISOString()),
    write(id, fields) {
      const row = update.get(fields.name ?? null, JSON.stringify(fields.custom ?? null), new Date().toISOString(), id) as
        { id: string; name: string; custom: string; updated: string } | undefined;
      return row && JSON.stringify({ status: 200, data: { ...row, custom: JSON.parse(row.custom) as unknown } });
    },
    end: () => {},
  };
}

/** Roster's own database and the statements of its sets (`--roster-schema`). */
function rosterStorage(): Storage {
  const db = openConnection({ path: file, synchronous: 'normal' });
  const row = keyedRow(UUID_RESOURCE);
  const bit = (name: string) => 1 << UUID_RESOURCE.fields.findIndex((field) => field.name === name);
  const insert = db.prepare(`INSERT OR REPLACE INTO uuids (sub_key, ${row.columns.join(', ')}) VALUES ('demo', ${row.columns.map(() => '?').join(', ')})`);
  // SET name = ?, name_key = ?, custom = ?, updated = ?, etag = ?
  const update = db.prepare(
    `UPDATE uuids SET ${row.assignments(bit('name') | bit('custom') | bit('updated') | bit('eTag'))} WHERE sub_key = 'demo' AND id = ?
     RETURNING id, name, external_id AS externalId, profile_url AS profileUrl, email, status, type, custom, updated, etag AS eTag`,
  );
  const memberOf = db.prepare(`SELECT channel_id AS id FROM memberships WHERE sub_key = 'demo' AND uuid_id = ?`).pluck();
  const [savepoint, release] = [db.prepare('SAVEPOINT write'), db.prepare('RELEASE write')];
  const outboxRow = db.prepare('INSERT INTO outbox_groups (records, created_at) VALUES (?, ?)');
  const removeRows = db.prepare('DELETE FROM outbox_groups WHERE id IN (SELECT value FROM json_each(?))');
  /** Outbox rows written, waiting to be deleted in a later transaction (as Roster's are, after their hand-off). */
  let delivered: number[] = [];
  let deleteDue = false;
  return {
    db,
    seed(index) {
      const updated = now();
      const fields = JSON.parse(userBody(index)) as Omit<UuidRecord, 'id' | 'profileUrl' | 'updated' | 'eTag'>;
      insert.run(...row.values({ ...fields, id: `user-${index}`, profileUrl: null, updated, eTag: updated.padEnd(32, '0') }));
    },
    write(id, fields) {
      savepoint.run();
      const name = fields.name ?? null;
      const updated = now();
      const written = update.get(name, storedKey(name), JSON.stringify(fields.custom ?? null), updated, updated.padEnd(32, '0'), id) as
        { custom: string } | undefined;
      memberOf.all(id);
      release.run();
      return written && JSON.stringify({ status: 200, data: { ...written, custom: JSON.parse(written.custom) as unknown } });
    },
    end(texts) {
      if (deleteDue) {
        removeRows.run(JSON.stringify(delivered));
        delivered = [];
        deleteDue = false;
      }
      if (texts.length === 0) return;
      delivered.push(Number(outboxRow.run(`[${texts.join(',')}]`, Date.now()).lastInsertRowid));
      if (delivered.length === 1) setTimeout(() => (deleteDue = true), 100);
    },
  };
}

const storage = rosterSchema ? rosterStorage() : likeRoster();
const { db } = storage;
db.transaction(() => {
  for (let n = 0; n < Number(users); n++) storage.seed(n);
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
  const answers = writes.map(({ id, fields }) => storage.write(id, fields));
  storage.end(answers.filter((text) => text !== undefined));
  commit.run();
  writes.forEach(({ answer }, index) => {
    const text = answers[index];
    if (text === undefined) answer(404, '{"status":404}');
    else answer(200, text);
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
