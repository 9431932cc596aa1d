/**
 * What a durable write to PostgreSQL costs with nothing of Roster in the way: a route on Node's
 * own `http` module that takes `PATCH /v2/objects/{sub}/uuids/{id}` with a user's fields and
 * writes them to a table made as Roster's `uuids` table is (the very statements of Roster's first
 * migration: every column and index), with postgres.js on a pool of Roster's size and PostgreSQL's
 * default durability (`synchronous_commit` on), as a Roster node connects. Each request is one
 * autocommit UPDATE of `name`, `custom` and `updated`, answered with the row once it is committed.
 * `updated` is indexed, so every UPDATE adds an entry to each of the table's six indexes, as
 * Roster's sets do. No validation, eTag, sort key, event, outbox or bus: the floor under a set on
 * the same storage.
 *
 *   node --import tsx bench/lib/postgres-write-floor-server.ts <database url> <users>  → prints `listening on http://127.0.0.1:PORT`
 */
import postgres from 'postgres';
import { MIGRATIONS } from '../../packages/server/src/store/postgres/schema.ts';
import { servePatches } from './patch-route.ts';

/** Roster's pool size (store/postgres/connection.ts). */
const POOL = 10;

const [url, users = '10000'] = process.argv.slice(2);
if (!url) throw new Error('usage: postgres-write-floor-server.ts <database url> <users>');
const sql = postgres(url, { max: POOL, onnotice: () => {} });

// The statements of Roster's first migration that make the uuids table and its indexes.
const uuidsTable = MIGRATIONS[0]!.sql.split(';').filter((statement) => /\bON uuids\b|\bTABLE uuids\b/.test(statement));
for (const statement of uuidsTable) await sql.unsafe(statement);
await sql.unsafe(`
  INSERT INTO uuids (sub_key, id, name, email, external_id, status, type, custom, updated, etag,
    id_key, name_key, external_id_key, profile_url_key, email_key, status_key, type_key)
  SELECT 'demo', 'user-' || n, 'User ' || n, 'user' || n || '@example.com', 'ext-' || n, 'active', 'member',
    '{"team":"team-' || n % 20 || '"}', to_char(now(), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), md5(n::text),
    convert_to('user-' || n, 'UTF8'), convert_to('User ' || n, 'UTF8'), convert_to('ext-' || n, 'UTF8'), '',
    convert_to('user' || n || '@example.com', 'UTF8'), convert_to('active', 'UTF8'), convert_to('member', 'UTF8')
  FROM generate_series(0, ${Number(users) - 1}) AS n`);
// Opens every pooled connection now, so that the bench can read their backends' CPU.
await Promise.all(Array.from({ length: POOL }, () => sql`SELECT pg_sleep(0.05)`));

const UPDATE = `UPDATE uuids SET name = $2, custom = $3, updated = $4 WHERE sub_key = 'demo' AND id = $1 RETURNING id, name, custom, updated`;

const { server, url: listening } = await servePatches((id, fields, answer) => {
  const values = [id, fields.name ?? null, JSON.stringify(fields.custom ?? null), new Date().toISOString()];
  sql.unsafe(UPDATE, values, { prepare: true }).then(
    ([row]) => {
      if (!row) return answer(404, '{"status":404}');
      answer(200, JSON.stringify({ status: 200, data: { ...row, custom: JSON.parse(String(row['custom'])) as unknown } }));
    },
    (error: Error) => answer(500, JSON.stringify({ status: 500, error: error.message })),
  );
});
console.log(`listening on ${listening}`);
process.on('SIGTERM', () => server.close(() => void sql.end({ timeout: 1 }).then(() => process.exit(0))));
