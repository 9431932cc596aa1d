/**
 * Request-rate scenarios: one user read, a filtered and sorted list of 100, one user written
 * (last, as its writes rename users the list selects by name).
 * Each runs against a Roster node and against the bare `node:http` route answering a body of the
 * same size (`lib/baseline-server.ts`), under the same autocannon load, in this same run; and,
 * to tell framework cost from Roster's own, against that route on bare Fastify.
 */
import { load, type LoadOptions } from './lib/load.ts';
import { startBaseline, startFastifyFloor, startRoster, type Target } from './lib/processes.ts';
import { assertClean, check, type HttpScenario, type Target as Goal } from './lib/report.ts';
import { seedUsers, send } from './lib/seed.ts';

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
  roster: Target;
  baseline: Target;
  floor: Target;
}

async function runScenario(scenario: Scenario, { roster, baseline, floor }: Servers, options: HttpOptions): Promise<HttpScenario> {
  const { method, path, body } = scenario.sample;
  const sample = await send(undefined, `${roster.url}${path}`, method, body);
  const items = (JSON.parse(sample) as { data: unknown[] }).data.length;
  if (scenario.items !== undefined && items !== scenario.items) throw new Error(`${scenario.name}: ${items} items, not ${scenario.items}`);
  const responseBytes = Buffer.byteLength(sample);
  const common = { seconds: options.seconds, connections: options.connections };
  const rosterResult = await load({ ...common, ...scenario.roster, url: `${roster.url}${path}`, pid: roster.pid });
  const sameSize = (target: Target) =>
    load({ ...common, url: `${target.url}/bytes/${responseBytes}`, method: scenario.roster.method, headers: scenario.roster.headers, body, pid: target.pid });
  const baselineResult = await sameSize(baseline);
  const floorResult = await sameSize(floor);
  assertClean(`Roster: ${scenario.name}`, rosterResult);
  assertClean(`baseline: ${scenario.name}`, baselineResult);
  assertClean(`Fastify floor: ${scenario.name}`, floorResult);
  const ratio = rosterResult.requestsPerSecond / baselineResult.requestsPerSecond;
  return {
    name: scenario.name,
    request: `${method} ${path}`,
    responseBytes,
    roster: rosterResult,
    baseline: baselineResult,
    floor: floorResult,
    ratio,
    check: check(scenario.goal, ratio),
  };
}

export async function runHttpScenarios(options: HttpOptions): Promise<HttpScenario[]> {
  const servers = { baseline: await startBaseline(), floor: await startFastifyFloor(), roster: await startRoster() };
  try {
    await seedUsers(servers.roster.url, options.users);
    const results: HttpScenario[] = [];
    for (const scenario of scenarios(options.users)) results.push(await runScenario(scenario, servers, options));
    return results;
  } finally {
    for (const server of Object.values(servers)) await server.stop();
  }
}
