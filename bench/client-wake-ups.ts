/**
 * Why one get costs a server more CPU under wrk than under autocannon (docs/benchmarks.md, "A get
 * under wrk pays for waking wrk"). On loopback, the server's write of an answer runs the client's
 * side of TCP too and, when the client is blocked waiting, wakes it: that is the server's system
 * time. How often the client waits depends on the two processes together, not on what the
 * server's code does; so beside Roster's node, the bare route and bare Fastify, this measures the
 * bare route slowed by a busy loop to about Roster's CPU per get: where it is waited on as often
 * and pays as much system time as Roster, that part of Roster's cost is the kernel's and the
 * client's, not Roster's.
 *
 *   node --import tsx bench/client-wake-ups.ts [seconds] [--spin µs]
 *
 * "get one user" of bench/http.ts (random users, SQLite node) and same-size answers from the bare
 * routes. Every server under each generator is one load; the eight take 2 turns of `seconds`
 * (default 5) each, the order alternating, so that a slow spell of the host falls on all alike.
 * `--spin`: the slowed route's busy loop per answer, µs (default 15; pick it so that its CPU per
 * request lands near Roster's). Prints per request: server CPU and its system part, and how often
 * the client blocked waiting (`LoadResult.clientWaitsPerRequest`).
 */
import { scenarios } from './http.ts';
import { load, type LoadResult } from './lib/load.ts';
import { startBaseline, startFastifyFloor, startRoster, type Target } from './lib/processes.ts';
import { seedUsers, send } from './lib/seed.ts';
import { inTurnsEach } from './lib/turns.ts';
import { WRK_MISSING, wrkInstalled, wrkLoad } from './lib/wrk.ts';

const USERS = 10_000;
const CONNECTIONS = 50;
const ROUNDS = 2;
const USAGE = 'usage: node --import tsx bench/client-wake-ups.ts [seconds] [--spin µs]';
const spinAt = process.argv.indexOf('--spin');
const spinMicros = spinAt === -1 ? 15 : Number(process.argv[spinAt + 1]);
const plain = process.argv.slice(2).filter((arg, index, args) => !arg.startsWith('--') && args[index - 1] !== '--spin');
const seconds = Number(plain[0] ?? 5);
if (plain.length > 1 || !(seconds > 0) || !(spinMicros > 0) || process.argv.some((arg) => arg.startsWith('--') && arg !== '--spin')) throw new Error(USAGE);
const get = scenarios(USERS).find((scenario) => scenario.name.startsWith('get'))!;

interface Server {
  name: string;
  target: Target;
  /** Its path, `{user}` where a random user's id goes. */
  path: string;
}

const drive: Record<'autocannon' | 'wrk', (server: Server) => Promise<LoadResult>> = {
  autocannon: ({ target, path }) =>
    load({
      url: target.url,
      seconds,
      connections: CONNECTIONS,
      pid: target.pid,
      next: () => ({ path: path.replace('{user}', `user-${Math.floor(Math.random() * USERS)}`) }),
    }),
  wrk: ({ target, path }) =>
    wrkLoad({ url: `${target.url}${path.replace('{user}', 'user-0')}`, seconds, connections: CONNECTIONS, pid: target.pid, vary: { ...get.wrk!, path } }),
};

function row(generator: string, server: Server, result: LoadResult): string {
  const cells = [
    generator,
    server.name,
    Math.round(result.requestsPerSecond).toLocaleString('en-US'),
    result.cpuMicrosPerRequest.toFixed(1),
    result.systemMicrosPerRequest.toFixed(1),
    result.clientWaitsPerRequest.toFixed(2),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** Starts a server and adds it to `servers` (stopped at the end) at once. */
async function started<T extends Target>(servers: Target[], start: Promise<T>): Promise<T> {
  const target = await start;
  servers.push(target);
  return target;
}

async function run(servers: Target[]): Promise<void> {
  if (!wrkInstalled()) throw new Error(WRK_MISSING);
  const roster = await started(servers, startRoster());
  await seedUsers(roster.url, USERS);
  const bytes = Buffer.byteLength(await send(undefined, `${roster.url}${get.sample.path}`));
  const sameSize = `/bytes/${bytes}?user={user}`;
  const measured: Server[] = [
    { name: 'Roster (SQLite)', target: roster, path: get.wrk!.path },
    { name: 'bare node:http', target: await started(servers, startBaseline()), path: sameSize },
    { name: 'bare Fastify', target: await started(servers, startFastifyFloor()), path: sameSize },
    { name: `bare node:http + ${spinMicros} µs busy`, target: await started(servers, startBaseline(spinMicros)), path: sameSize },
  ];
  console.log(`get one user, ${CONNECTIONS} connections, ${ROUNDS} turns of ${seconds} s each; the bare routes answer ${bytes} bytes`);
  const columns = ['generator', 'server', 'req/s', 'server CPU µs/req', 'of it, system µs/req', 'client waits/req'];
  console.log(`| ${columns.join(' | ')} |\n|${' --- |'.repeat(columns.length)}`);
  const loads = Object.entries(drive).flatMap(([generator, measure]) => measured.map((server) => ({ generator, server, run: () => measure(server) })));
  const results = await inTurnsEach(
    ROUNDS,
    loads.map((load) => load.run),
  );
  results.forEach((result, index) => {
    const { generator, server } = loads[index]!;
    if (result.errors + result.non2xx > 0) throw new Error(`${generator}, ${server.name}: ${result.errors} errors, ${result.non2xx} non-2xx`);
    console.log(row(generator, server, result));
  });
}

const servers: Target[] = [];
try {
  await run(servers);
} finally {
  await Promise.all(servers.map((server) => server.stop()));
}
