/**
 * What a durable write costs with nothing of Roster in the way: a route on Node's own `http`
 * module that takes `PATCH /v2/objects/{sub}/uuids/{id}` with a user's fields, writes them to a
 * SQLite table shaped like Roster's (WAL, `synchronous=NORMAL`, the row keyed by keyset and id, an
 * index on `updated` and one on the name), the writes of one event-loop turn in one transaction,
 * and answers the row once its transaction is committed. No validation, eTag, event, outbox or
 * cache: the floor under a real set on the same storage.
 *
 *   node --import tsx bench/lib/sqlite-write-floor-server.ts <file> <users>  → prints `listening on http://127.0.0.1:PORT`
 */
import Database from 'better-sqlite3';
import { createServer, type ServerResponse } from 'node:http';

const [file = ':memory:', users = '10000'] = process.argv.slice(2);
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

const update = db.prepare(`UPDATE uuids SET name = ?, custom = ?, updated = ? WHERE sub_key = 'demo' AND id = ? RETURNING id, name, custom, updated`);
const [begin, commit] = [db.prepare('BEGIN IMMEDIATE'), db.prepare('COMMIT')];

/** Writes waiting for the end of this turn's transaction. */
let batch: { id: string; fields: { name?: string; custom?: unknown }; res: ServerResponse }[] = [];

function flush(): void {
  const writes = batch;
  batch = [];
  begin.run();
  const rows = writes.map(({ id, fields }) => update.get(fields.name ?? null, JSON.stringify(fields.custom ?? null), new Date().toISOString(), id));
  commit.run();
  writes.forEach(({ res }, index) => {
    const row = rows[index] as { id: string; name: string; custom: string; updated: string } | undefined;
    const body = row ? JSON.stringify({ status: 200, data: { ...row, custom: JSON.parse(row.custom) as unknown } }) : '{"status":404}';
    res.writeHead(row ? 200 : 404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
}

const server = createServer((req, res) => {
  const id = /^\/v2\/objects\/[^/]+\/uuids\/([^/?]+)/.exec(req.url ?? '')?.[1];
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (id === undefined || req.method !== 'PATCH') return void res.writeHead(404).end();
    batch.push({ id, fields: JSON.parse(Buffer.concat(chunks).toString()) as { name?: string; custom?: unknown }, res });
    if (batch.length === 1) setImmediate(flush);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
