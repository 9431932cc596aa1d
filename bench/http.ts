/**
 * Request-rate scenarios: one user read, a filtered and sorted list of 100 with its count, one
 * user written (last, as its writes rename users the list selects by name).
 * Each runs against a Roster node and against the bare `node:http` route answering a body of the
 * same size (`lib/baseline-server.ts`), under the same load, in this same run; and, to tell
 * framework cost from Roster's own, against that route on bare Fastify.
 * Every run is made twice, under autocannon (in this process) and under wrk (`lib/wrk.ts`, a C
 * client in its own process, so that the client's CPU does not cap the figures). Under each, the
 * servers of a scenario are measured in turns whose order alternates (Roster's nodes, the bare
 * route, the Fastify floor, then back), so that a slow spell of the host falls on all of them.
 * The set is measured in the same turns against each node's storage floor too (`Servers.storageFloors`):
 * what the same PATCH costs on that storage with none of Roster's JavaScript.
 * Every scenario also runs on a node with the cluster's store and bus (`--store postgres://…
 * --bus nats://…`, a database and stream of the bench's own), against the same baseline figures,
 * unless PostgreSQL or NATS is missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, type LoadOptions, type LoadResult } from './lib/load.ts';
import { startBaseline, startFastifyFloor, startPostgresWriteFloor, startRoster, startSqliteWriteFloor, type Target } from './lib/processes.ts';
import { inTurnsEach } from './lib/turns.ts';
import { assertClean, check, type GeneratorFigures, type HttpScenario, type Target as Goal } from './lib/report.ts';
import { seedUsers, send } from './lib/seed.ts';
import { benchStream, createDatabase, servicesUnavailable } from './lib/services.ts';
import { WRK_MISSING, wrkInstalled, wrkLoad, type WrkVary } from './lib/wrk.ts';

export interface HttpOptions {
  seconds: number;
  users: number;
  /** Connections of each generator (wrk's on its one thread). */
  connections: number;
  /** Turns of each server per scenario and generator, of `seconds` each. */
  rounds: number;
  /** `required`: fail without wrk; `when-installed`: say in one line that it is missing and measure with autocannon alone. */
  wrk: 'required' | 'when-installed';
}

export interface Scenario {
  name: string;
  /** The target on the SQLite node, and on the PostgreSQL + NATS node (issue 18's lower ones there). */
  goals: { sqlite: Goal; postgres: Goal };
  /** The load on Roster; `next` varies each request. */
  roster: Omit<LoadOptions, 'url' | 'seconds' | 'pid'>;
  /** The same variation for wrk, in Lua (none: the sample's request every time). */
  wrk?: WrkVary;
  /** A request like the scenario's, to learn the response size. */
  sample: { method: string; path: string; body?: string };
  /** Items the sample's `data` must hold, so that the load measures a full answer. */
  items?: number;
  /** Also measured against each node's storage floor (`Servers.storageFloors`): the set, whose storage is most of its cost. */
  storageFloor?: true;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const LIST_FILTER = 'status == "active" && name like "User 1*"';
const LIST_PATH = `/v2/objects/demo/uuids?limit=100&include=custom,status,type&count=true&sort=name:desc&filter=${encodeURIComponent(LIST_FILTER)}`;
const GET_PATH = '/v2/objects/demo/uuids/{user}?include=custom,status,type';
const SET_PATH = '/v2/objects/demo/uuids/{user}?include=custom';

const rateGoal = (atLeast: number): Goal => ({ measure: 'rate vs bare node:http', atLeast, unit: 'share' });

export function scenarios(users: number): Scenario[] {
  const randomUser = () => `user-${Math.floor(Math.random() * users)}`;
  let writes = 0;
  const setBody = () => JSON.stringify({ name: `Renamed ${++writes}`, custom: { team: `team-${writes % 20}`, level: writes % 100, verified: true } });
  return [
    {
      name: 'get one user',
      goals: { sqlite: rateGoal(0.5), postgres: rateGoal(0.4) },
      roster: { next: () => ({ path: GET_PATH.replace('{user}', randomUser()) }) },
      wrk: { script: 'random-user', path: GET_PATH, users },
      sample: { method: 'GET', path: GET_PATH.replace('{user}', 'user-1') },
    },
    {
      name: 'list 100 users, filtered and sorted',
      goals: { sqlite: rateGoal(0.15), postgres: rateGoal(0.1) },
      roster: {},
      sample: { method: 'GET', path: LIST_PATH },
      items: 100,
    },
    {
      name: 'set one user',
      goals: { sqlite: rateGoal(0.35), postgres: rateGoal(0.2) },
      roster: {
        method: 'PATCH',
        headers: JSON_HEADERS,
        next: () => ({ path: SET_PATH.replace('{user}', randomUser()), body: setBody() }),
      },
      wrk: { script: 'set-user', path: SET_PATH, users },
      sample: { method: 'PATCH', path: SET_PATH.replace('{user}', 'user-1'), body: setBody() },
      storageFloor: true,
    },
  ];
}

interface Servers {
  /** The Roster nodes measured, each under the same load: SQLite first, then PostgreSQL + NATS when present. */
  rosters: Target[];
  baseline: Target;
  floor: Target;
  /**
   * Per Roster node, in the same order, the write floor of its store: the same PATCH on the same
   * storage with none of Roster's JavaScript (SQLite: Roster's own database and set statements on
   * Fastify; PostgreSQL: Roster's uuids table, one autocommit UPDATE a request, on node:http).
   */
  storageFloors: Target[];
}

/** The sample request on `roster`: its answer's size, after checking it holds a full page where one is expected. */
async function sampleBytes(scenario: Scenario, roster: Target): Promise<number> {
  const { method, path, body } = scenario.sample;
  const sample = await send(undefined, `${roster.url}${path}`, method, body);
  const items = (JSON.parse(sample) as { data: unknown[] }).data.length;
  if (scenario.items !== undefined && items !== scenario.items) throw new Error(`${scenario.name}: ${items} items, not ${scenario.items}`);
  return Buffer.byteLength(sample);
}

/** A load generator: how it drives a Roster node with the scenario's requests, and the bare routes with same-size ones. */
interface Generator {
  roster(scenario: Scenario, roster: Target): Promise<LoadResult>;
  sameSize(scenario: Scenario, target: Target, responseBytes: number): Promise<LoadResult>;
}

function autocannon(options: HttpOptions): Generator {
  const common = { seconds: options.seconds, connections: options.connections };
  return {
    roster: (scenario, roster) => load({ ...common, ...scenario.roster, url: `${roster.url}${scenario.sample.path}`, pid: roster.pid }),
    sameSize: (scenario, target, bytes) =>
      load({
        ...common,
        url: `${target.url}/bytes/${bytes}`,
        method: scenario.roster.method,
        headers: scenario.roster.headers,
        body: scenario.sample.body,
        pid: target.pid,
      }),
  };
}

/** wrk; the bare routes get the same Lua variation (the user id in a query they ignore, the changing body), so the client does the same work for every target. */
function wrk(options: HttpOptions): Generator {
  const common = { seconds: options.seconds, connections: options.connections };
  const shape = (scenario: Scenario) => ({ method: scenario.roster.method, headers: scenario.roster.headers, body: scenario.sample.body });
  return {
    roster: (scenario, roster) => wrkLoad({ ...common, ...shape(scenario), url: `${roster.url}${scenario.sample.path}`, vary: scenario.wrk, pid: roster.pid }),
    sameSize: (scenario, target, bytes) =>
      wrkLoad({
        ...common,
        ...shape(scenario),
        url: `${target.url}/bytes/${bytes}`,
        vary: scenario.wrk && { ...scenario.wrk, path: `/bytes/${bytes}?user={user}` },
        pid: target.pid,
      }),
  };
}

const nodeName = (rosters: Target[], roster: Target) => (rosters.indexOf(roster) === 0 ? 'SQLite' : 'PostgreSQL');

/**
 * One scenario under one generator: every Roster node, the bare route and the Fastify floor (at
 * the first node's answer size), and each node's storage floor where the scenario asks, in turns.
 */
async function measure(
  label: string,
  generator: Generator,
  scenario: Scenario,
  { rosters, baseline, floor, storageFloors }: Servers,
  { responseBytes, rounds }: { responseBytes: number; rounds: number },
): Promise<GeneratorFigures[]> {
  const withStorage = scenario.storageFloor ? storageFloors : [];
  const servers = [
    ...rosters.map((roster) => ({ name: `Roster (${nodeName(rosters, roster)})`, run: () => generator.roster(scenario, roster) })),
    { name: 'baseline', run: () => generator.sameSize(scenario, baseline, responseBytes) },
    { name: 'Fastify floor', run: () => generator.sameSize(scenario, floor, responseBytes) },
    ...withStorage.map((target, index) => ({ name: `storage floor (${nodeName(rosters, rosters[index]!)})`, run: () => generator.roster(scenario, target) })),
  ];
  const measured = await inTurnsEach(
    rounds,
    servers.map(({ run }) => run),
  );
  measured.forEach((result, index) => assertClean(`${label}, ${servers[index]!.name}: ${scenario.name}`, result));
  const baselineResult = measured[rosters.length]!;
  const floorResult = measured[rosters.length + 1]!;
  return measured.slice(0, rosters.length).map((result, index) => {
    const ratio = result.requestsPerSecond / baselineResult.requestsPerSecond;
    const goal = index === 0 ? scenario.goals.sqlite : scenario.goals.postgres;
    const storageFloor = withStorage.length > 0 ? measured[rosters.length + 2 + index] : undefined;
    return { roster: result, baseline: baselineResult, floor: floorResult, storageFloor, ratio, check: check(goal, ratio), turns: rounds };
  });
}

/** One scenario under autocannon, then under wrk when it is used: one row per Roster node. */
async function runScenario(scenario: Scenario, servers: Servers, options: HttpOptions, withWrk: boolean): Promise<HttpScenario[]> {
  const { method, path } = scenario.sample;
  const sizes: number[] = [];
  for (const roster of servers.rosters) sizes.push(await sampleBytes(scenario, roster));
  const sizing = { responseBytes: sizes[0]!, rounds: options.rounds };
  const byAutocannon = await measure('autocannon', autocannon(options), scenario, servers, sizing);
  const byWrk = withWrk ? await measure('wrk', wrk(options), scenario, servers, sizing) : undefined;
  return byAutocannon.map((figures, index) => ({
    name: scenario.name,
    request: `${method} ${path}`,
    responseBytes: sizes[index]!,
    ...figures,
    wrk: byWrk?.[index],
  }));
}

/** The HTTP scenarios on a SQLite node, and on a PostgreSQL + NATS node against the same baseline (or why not). */
export interface HttpResults {
  sqlite: HttpScenario[];
  postgres: HttpScenario[] | { skipped: string };
}

export async function runHttpScenarios(options: HttpOptions): Promise<HttpResults> {
  const withWrk = wrkInstalled();
  if (!withWrk && options.wrk === 'required') throw new Error(`${WRK_MISSING}: the bench measures every scenario with it beside autocannon`);
  if (!withWrk) console.log(`  ${WRK_MISSING}: measuring with autocannon alone, no wrk columns`);
  const unavailable = await servicesUnavailable();
  if (unavailable) console.log(`  PostgreSQL + NATS node skipped: ${unavailable}`);
  const databases = unavailable ? [] : [await createDatabase(), await createDatabase()];
  const [database, floorDatabase] = databases;
  const stream = unavailable ? undefined : benchStream('http');
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-http-'));
  const servers: Target[] = [];
  const start = async <T extends Target>(starting: Promise<T>): Promise<T> => {
    const server = await starting;
    servers.push(server);
    return server;
  };
  try {
    const baseline = await start(startBaseline());
    const floor = await start(startFastifyFloor());
    const rosters = [await start(startRoster())];
    const storageFloors = [await start(startSqliteWriteFloor(join(dir, 'storage-floor.db'), options.users, { fastify: true, rosterSchema: true }))];
    if (database && floorDatabase && stream) {
      rosters.push(await start(startRoster({ args: ['--store', database.url, '--bus', stream.url] })));
      storageFloors.push(await start(startPostgresWriteFloor(floorDatabase.url, options.users)));
    }
    for (const roster of rosters) await seedUsers(roster.url, options.users);
    for (const db of databases) await db.analyze();
    const sqlite: HttpScenario[] = [];
    const postgres: HttpScenario[] = [];
    for (const scenario of scenarios(options.users)) {
      const [onSqlite, onPostgres] = await runScenario(scenario, { rosters, baseline, floor, storageFloors }, options, withWrk);
      sqlite.push(onSqlite!);
      if (onPostgres) postgres.push(onPostgres);
    }
    return { sqlite, postgres: unavailable ? { skipped: unavailable } : postgres };
  } finally {
    for (const server of servers) await server.stop();
    for (const db of databases) await db.drop();
    await stream?.delete();
    rmSync(dir, { recursive: true, force: true });
  }
}
