/**
 * Request-rate scenarios: one user read, a filtered and sorted list of 100, one user written
 * (last, as its writes rename users the list selects by name).
 * Each runs against a Roster node and against the bare `node:http` route answering a body of the
 * same size (`lib/baseline-server.ts`), under the same autocannon load, in this same run; and,
 * to tell framework cost from Roster's own, against that route on bare Fastify.
 * Every scenario also runs on a node with the cluster's store and bus (`--store postgres://…
 * --bus nats://…`, a database and stream of the bench's own), against the same baseline figures,
 * unless PostgreSQL or NATS is missing.
 */
import { load, type LoadOptions, type LoadResult } from './lib/load.ts';
import { startBaseline, startFastifyFloor, startRoster, type Target } from './lib/processes.ts';
import { assertClean, check, type HttpScenario, type Target as Goal } from './lib/report.ts';
import { seedUsers, send } from './lib/seed.ts';
import { benchStream, createDatabase, servicesUnavailable } from './lib/services.ts';

export interface HttpOptions {
  seconds: number;
  users: number;
  connections: number;
}

export interface Scenario {
  name: string;
  goal: Goal;
  /** The load on Roster; `next` varies each request. */
  roster: Omit<LoadOptions, 'url' | 'seconds' | 'pid'>;
  /** A request like the scenario's, to learn the response size. */
  sample: { method: string; path: string; body?: string };
  /** Items the sample's `data` must hold, so that the load measures a full answer. */
  items?: number;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const LIST_FILTER = 'status == "active" && name like "User 1*"';
const LIST_PATH = `/v2/objects/demo/uuids?limit=100&include=custom,status,type&sort=name:desc&filter=${encodeURIComponent(LIST_FILTER)}`;

export function scenarios(users: number): Scenario[] {
  const randomUser = () => `user-${Math.floor(Math.random() * users)}`;
  let writes = 0;
  const setBody = () => JSON.stringify({ name: `Renamed ${++writes}`, custom: { team: `team-${writes % 20}`, level: writes % 100, verified: true } });
  return [
    {
      name: 'get one user',
      goal: { measure: 'rate vs bare node:http', atLeast: 0.5, unit: 'share' },
      roster: { next: () => ({ path: `/v2/objects/demo/uuids/${randomUser()}?include=custom,status,type` }) },
      sample: { method: 'GET', path: '/v2/objects/demo/uuids/user-1?include=custom,status,type' },
    },
    {
      name: 'list 100 users, filtered and sorted',
      goal: { measure: 'rate vs bare node:http', atLeast: 0.15, unit: 'share' },
      roster: {},
      sample: { method: 'GET', path: LIST_PATH },
      items: 100,
    },
    {
      name: 'set one user',
      goal: { measure: 'rate vs bare node:http', atLeast: 0.35, unit: 'share' },
      roster: {
        method: 'PATCH',
        headers: JSON_HEADERS,
        next: () => ({ path: `/v2/objects/demo/uuids/${randomUser()}?include=custom`, body: setBody() }),
      },
      sample: { method: 'PATCH', path: '/v2/objects/demo/uuids/user-1?include=custom', body: setBody() },
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

/** One scenario on every Roster node, then the bare route and the Fastify floor once, at the first node's answer size. */
async function runScenario(scenario: Scenario, { rosters, baseline, floor }: Servers, options: HttpOptions): Promise<HttpScenario[]> {
  const { method, path, body } = scenario.sample;
  const common = { seconds: options.seconds, connections: options.connections };
  const measured: { responseBytes: number; result: LoadResult }[] = [];
  for (const roster of rosters) {
    const responseBytes = await sampleBytes(scenario, roster);
    const result = await load({ ...common, ...scenario.roster, url: `${roster.url}${path}`, pid: roster.pid });
    assertClean(`Roster (${rosters.indexOf(roster) === 0 ? 'SQLite' : 'PostgreSQL'}): ${scenario.name}`, result);
    measured.push({ responseBytes, result });
  }
  const responseBytes = measured[0]!.responseBytes;
  const sameSize = (target: Target) =>
    load({ ...common, url: `${target.url}/bytes/${responseBytes}`, method: scenario.roster.method, headers: scenario.roster.headers, body, pid: target.pid });
  const baselineResult = await sameSize(baseline);
  const floorResult = await sameSize(floor);
  assertClean(`baseline: ${scenario.name}`, baselineResult);
  assertClean(`Fastify floor: ${scenario.name}`, floorResult);
  return measured.map(({ responseBytes: bytes, result }) => {
    const ratio = result.requestsPerSecond / baselineResult.requestsPerSecond;
    return {
      name: scenario.name,
      request: `${method} ${path}`,
      responseBytes: bytes,
      roster: result,
      baseline: baselineResult,
      floor: floorResult,
      ratio,
      check: check(scenario.goal, ratio),
    };
  });
}

/** The HTTP scenarios on a SQLite node, and on a PostgreSQL + NATS node against the same baseline (or why not). */
export interface HttpResults {
  sqlite: HttpScenario[];
  postgres: HttpScenario[] | { skipped: string };
}

export async function runHttpScenarios(options: HttpOptions): Promise<HttpResults> {
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
    const sqlite: HttpScenario[] = [];
    const postgres: HttpScenario[] = [];
    for (const scenario of scenarios(options.users)) {
      const [onSqlite, onPostgres] = await runScenario(scenario, { rosters, baseline, floor }, options);
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
