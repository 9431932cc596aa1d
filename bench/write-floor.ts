/**
 * What a set costs above the storage it writes to. "set one user" (bench/http.ts) runs on a
 * Roster node, on a write floor of the same storage (node:http and the same table and durability,
 * nothing else) and on the bare route answering the same bytes, under wrk and then autocannon,
 * in turns (Roster, floors, bare, then bare, floors, Roster) so that whatever else the machine
 * does falls on all of them.
 *
 *   node --import tsx bench/write-floor.ts [seconds] [--postgres]
 *
 * SQLite (the default): a node on its own file against lib/sqlite-write-floor-server.ts (WAL,
 * `synchronous=NORMAL`, group commit, checkpoints on a thread), on node:http and on Fastify with
 * Roster's CORS plugin: Roster over the Fastify floor is what its own work costs; and on Fastify
 * with Roster's own database and the statements of its sets (`--roster-schema`): Roster over that
 * is what its JavaScript costs, the floor over the plain Fastify one what Roster's tables,
 * indexes, savepoints and outbox rows cost. `--postgres`: a
 * node on a cluster's store and bus (`--store postgres://… --bus nats://…`, a database and
 * JetStream stream of the run's own, as bench/profile.ts makes them) against
 * lib/postgres-write-floor-server.ts (Roster's uuids table in a database of its own, one
 * autocommit UPDATE a request); the CPU per request of each server's PostgreSQL backends and of
 * the NATS server is printed beside the server's own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarios } from './http.ts';
import { load, type LoadResult } from './lib/load.ts';
import { startBaseline, startPostgresWriteFloor, startRoster, startSqliteWriteFloor, type Target } from './lib/processes.ts';
import { seedUsers, send } from './lib/seed.ts';
import { benchStream, createDatabase, servicesUnavailable, type BenchDatabase, type BenchStream } from './lib/services.ts';
import type { SharedProcesses } from './lib/shared-cpu.ts';
import { wrkInstalled, wrkLoad } from './lib/wrk.ts';

const USERS = 10_000;
const CONNECTIONS = 50;
const onPostgres = process.argv.includes('--postgres');
const seconds = Number(process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? 10);
const set = scenarios(USERS).find((scenario) => scenario.name.startsWith('set'))!;

/** A server measured: what it is called in the table, and the processes it works through. */
interface Measured {
  name: string;
  target: Target;
  shared?: SharedProcesses;
}

/** What a run made besides its servers, removed after it. */
interface Resources {
  dir: string;
  databases: BenchDatabase[];
  stream?: BenchStream;
}

/** The Roster node and the write floors of the store measured, each seeded with `USERS` users. */
async function startStorage(resources: Resources, servers: Target[]): Promise<[Measured, ...Measured[]]> {
  if (!onPostgres) {
    const roster = await startRoster();
    servers.push(roster);
    await seedUsers(roster.url, USERS);
    const floor = await startSqliteWriteFloor(join(resources.dir, 'floor.db'), USERS);
    servers.push(floor);
    const fastifyFloor = await startSqliteWriteFloor(join(resources.dir, 'fastify-floor.db'), USERS, { fastify: true });
    servers.push(fastifyFloor);
    const rosterSchemaFloor = await startSqliteWriteFloor(join(resources.dir, 'roster-schema-floor.db'), USERS, { fastify: true, rosterSchema: true });
    servers.push(rosterSchemaFloor);
    return [
      { name: 'Roster (SQLite)', target: roster },
      { name: "Roster's storage on Fastify", target: rosterSchemaFloor },
      { name: 'SQLite write floor on Fastify', target: fastifyFloor },
      { name: 'SQLite write floor', target: floor },
    ];
  }
  const unavailable = await servicesUnavailable();
  if (unavailable) throw new Error(`--postgres: ${unavailable}`);
  const [rosterDatabase, floorDatabase] = [await createDatabase(), await createDatabase()];
  resources.databases.push(rosterDatabase, floorDatabase);
  resources.stream = benchStream('write-floor');
  const roster = await startRoster({ args: ['--store', rosterDatabase.url, '--bus', resources.stream.url] });
  servers.push(roster);
  await seedUsers(roster.url, USERS);
  const floor = await startPostgresWriteFloor(floorDatabase.url, USERS);
  servers.push(floor);
  // As autovacuum would have by the time a table is this full (and must: PostgreSQL plans the
  // statements a connection keeps on the statistics of when it first ran them).
  await Promise.all([rosterDatabase.analyze(), floorDatabase.analyze()]);
  return [
    { name: 'Roster (PostgreSQL + NATS)', target: roster, shared: { postgres: rosterDatabase, nats: true } },
    { name: 'PostgreSQL write floor', target: floor, shared: { postgres: floorDatabase, nats: true } },
  ];
}

/** The generators, each driving a server with the set's requests (the bare route with same-size ones). */
function generators(baseline: Measured, bytes: number): Record<string, (server: Measured) => Promise<LoadResult>> {
  const shape = { method: set.roster.method, headers: set.roster.headers, body: set.sample.body, seconds, connections: CONNECTIONS };
  const path = (server: Measured) => (server === baseline ? `/bytes/${bytes}` : set.sample.path);
  return {
    wrk: (server) =>
      wrkLoad({
        ...shape,
        url: `${server.target.url}${path(server)}`,
        vary: server === baseline ? { ...set.wrk!, path: `/bytes/${bytes}?user={user}` } : set.wrk,
        pid: server.target.pid,
        ...(server.shared && { shared: server.shared }),
      }),
    autocannon: (server) =>
      load({
        ...shape,
        url: `${server.target.url}${path(server)}`,
        ...(server === baseline ? {} : { next: set.roster.next }),
        pid: server.target.pid,
        ...(server.shared && { shared: server.shared }),
      }),
  };
}

/** One table row: a server's two turns under one generator. */
function row(generator: string, server: Measured, [first, second]: LoadResult[]): string {
  const pair = (pick: (turn: LoadResult) => number) => `${Math.round(pick(first!))}, ${Math.round(pick(second!))}`;
  const shared = onPostgres
    ? ['postgres', 'nats'].map((name) =>
        server.shared?.[name as keyof SharedProcesses] ? pair((turn) => turn.sharedMicrosPerRequest[name] ?? Number.NaN) : '—',
      )
    : [];
  return `| ${[generator, server.name, pair((turn) => turn.requestsPerSecond), pair((turn) => turn.cpuMicrosPerRequest), ...shared, `${second!.p50} / ${second!.p99}`].join(' | ')} |`;
}

async function run(resources: Resources, servers: Target[]): Promise<void> {
  const [roster, ...floors] = await startStorage(resources, servers);
  const bare = await startBaseline();
  servers.push(bare);
  const baseline: Measured = { name: 'bare node:http', target: bare, shared: onPostgres ? { nats: true } : {} };
  const bytes = Buffer.byteLength(await send(undefined, `${roster.target.url}${set.sample.path}`, set.sample.method, set.sample.body));
  console.log(`set one user, ${CONNECTIONS} connections, ${seconds} s a turn; the bare route answers ${bytes} bytes`);
  const sharedColumns = onPostgres ? ['PostgreSQL backends CPU µs/req', 'NATS server CPU µs/req'] : [];
  const columns = ['generator', 'server', 'req/s (turn 1, turn 2)', 'server CPU µs/req (turn 1, turn 2)', ...sharedColumns, 'p50 / p99 ms'];
  console.log(`| ${columns.join(' | ')} |\n|${' --- |'.repeat(columns.length)}`);
  for (const [generator, drive] of Object.entries(generators(baseline, bytes))) {
    if (generator === 'wrk' && !wrkInstalled()) continue;
    const results = new Map<Measured, LoadResult[]>();
    for (const server of [roster, ...floors, baseline, baseline, ...floors.toReversed(), roster]) {
      const result = await drive(server);
      if (result.errors + result.non2xx > 0) throw new Error(`${server.name}: ${result.errors} errors, ${result.non2xx} non-2xx`);
      results.set(server, [...(results.get(server) ?? []), result]);
    }
    for (const [server, turns] of results) console.log(row(generator, server, turns));
  }
}

const resources: Resources = { dir: mkdtempSync(join(tmpdir(), 'roster-write-floor-')), databases: [] };
const servers: Target[] = [];
try {
  await run(resources, servers);
} finally {
  for (const server of servers) await server.stop();
  for (const database of resources.databases) await database.drop();
  await resources.stream?.delete();
  rmSync(resources.dir, { recursive: true, force: true });
}
