/**
 * What a set costs above the storage it writes to. "set one user" (bench/http.ts) runs on a
 * Roster node (SQLite), on the SQLite write floor (lib/sqlite-write-floor-server.ts: node:http and
 * the same table, durability and group commit, nothing else) and on the bare route answering the
 * same bytes, under wrk and then autocannon, in turns (Roster, floor, bare, then bare, floor,
 * Roster) so that whatever else the machine does falls on all three.
 *
 *   node --import tsx bench/write-floor.ts [seconds]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarios } from './http.ts';
import { load, type LoadResult } from './lib/load.ts';
import { startBaseline, startRoster, startSqliteWriteFloor, type Target } from './lib/processes.ts';
import { seedUsers, send } from './lib/seed.ts';
import { wrkInstalled, wrkLoad } from './lib/wrk.ts';

const USERS = 10_000;
const CONNECTIONS = 50;
const seconds = Number(process.argv[2] ?? 10);
const set = scenarios(USERS).find((scenario) => scenario.name.startsWith('set'))!;
const dir = mkdtempSync(join(tmpdir(), 'roster-write-floor-'));
const servers: Target[] = [];

try {
  const roster = await startRoster();
  servers.push(roster);
  await seedUsers(roster.url, USERS);
  const floor = await startSqliteWriteFloor(join(dir, 'floor.db'), USERS);
  servers.push(floor);
  const baseline = await startBaseline();
  servers.push(baseline);
  const bytes = Buffer.byteLength(await send(undefined, `${roster.url}${set.sample.path}`, set.sample.method, set.sample.body));
  const shape = { method: set.roster.method, headers: set.roster.headers, body: set.sample.body, seconds, connections: CONNECTIONS };
  const paths = new Map<Target, string>([
    [roster, set.sample.path],
    [floor, set.sample.path],
    [baseline, `/bytes/${bytes}`],
  ]);
  const generators = {
    wrk: (target: Target) =>
      wrkLoad({
        ...shape,
        url: `${target.url}${paths.get(target)}`,
        vary: target === baseline ? { ...set.wrk!, path: `/bytes/${bytes}?user={user}` } : set.wrk,
        pid: target.pid,
      }),
    autocannon: (target: Target) =>
      load({
        ...shape,
        url: `${target.url}${paths.get(target)}`,
        ...(target === baseline ? {} : { next: set.roster.next }),
        pid: target.pid,
      }),
  };
  const names = new Map<Target, string>([
    [roster, 'Roster (SQLite)'],
    [floor, 'SQLite write floor'],
    [baseline, 'bare node:http'],
  ]);
  console.log(`set one user, ${CONNECTIONS} connections, ${seconds} s a turn; the bare route answers ${bytes} bytes`);
  console.log('| generator | server | req/s (turn 1, turn 2) | server CPU µs/req (turn 1, turn 2) | p50 / p99 ms |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [generator, run] of Object.entries(generators)) {
    if (generator === 'wrk' && !wrkInstalled()) continue;
    const results = new Map<Target, LoadResult[]>();
    for (const target of [roster, floor, baseline, baseline, floor, roster]) {
      const result = await run(target);
      if (result.errors + result.non2xx > 0) throw new Error(`${names.get(target)}: ${result.errors} errors, ${result.non2xx} non-2xx`);
      results.set(target, [...(results.get(target) ?? []), result]);
    }
    for (const [target, [first, second]] of results) {
      const rates = `${Math.round(first!.requestsPerSecond)}, ${Math.round(second!.requestsPerSecond)}`;
      const cpu = `${first!.cpuMicrosPerRequest.toFixed(0)}, ${second!.cpuMicrosPerRequest.toFixed(0)}`;
      console.log(`| ${generator} | ${names.get(target)} | ${rates} | ${cpu} | ${second!.p50} / ${second!.p99} |`);
    }
  }
} finally {
  for (const server of servers) await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
