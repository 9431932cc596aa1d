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
 * Every scenario also runs on a node with the cluster's store and bus (`--store postgres://…
 * --bus nats://…`, a database and stream of the bench's own), against the same baseline figures,
 * unless PostgreSQL or NATS is missing.
 */
import { load, type LoadOptions, type LoadResult } from './lib/load.ts';
import { startBaseline, startFastifyFloor, startRoster, type Target } from './lib/processes.ts';
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
    },
  ];
}

interface Servers {
  /** The Roster nodes measured, each under the same load: SQLite first, then PostgreSQL + NATS when present. */
  rosters: Target[];
  baseline: Target;
  floor: Target;
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

/** One scenario under one generator: every Roster node, the bare route and the Fastify floor (at the first node's answer size), in turns. */
async function measure(
  label: string,
  generator: Generator,
  scenario: Scenario,
  { rosters, baseline, floor }: Servers,
  { responseBytes, rounds }: { responseBytes: number; rounds: number },
): Promise<GeneratorFigures[]> {
  const servers = [
    ...rosters.map((roster) => ({ name: `Roster (${nodeName(rosters, roster)})`, run: () => generator.roster(scenario, roster) })),
    { name: 'baseline', run: () => generator.sameSize(scenario, baseline, responseBytes) },
    { name: 'Fastify floor', run: () => generator.sameSize(scenario, floor, responseBytes) },
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
    return { roster: result, baseline: baselineResult, floor: floorResult, ratio, check: check(goal, ratio), turns: rounds };
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
  const database = unavailable ? undefined : await createDatabase();
  const stream = unavailable ? undefined : benchStream('http');
  const servers: Target[] = [];
  try {
    const baseline = await startBaseline();
    servers.push(baseline);
    const floor = await startFastifyFloor();
    servers.push(floor);
    const rosters = [await startRoster()];
    servers.push(rosters[0]!);
    if (database && stream) {
      const postgres = await startRoster({ args: ['--store', database.url, '--bus', stream.url] });
      servers.push(postgres);
      rosters.push(postgres);
    }
    for (const roster of rosters) await seedUsers(roster.url, options.users);
    await database?.analyze();
    const sqlite: HttpScenario[] = [];
    const postgres: HttpScenario[] = [];
    for (const scenario of scenarios(options.users)) {
      const [onSqlite, onPostgres] = await runScenario(scenario, { rosters, baseline, floor }, options, withWrk);
      sqlite.push(onSqlite!);
      if (onPostgres) postgres.push(onPostgres);
    }
    return { sqlite, postgres: unavailable ? { skipped: unavailable } : postgres };
  } finally {
    for (const server of servers) await server.stop();
    await database?.drop();
    await stream?.delete();
  }
}
