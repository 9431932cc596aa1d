/**
 * What the Prometheus metrics cost: "get one user" on two SQLite nodes alike but for
 * `--metrics on` (the default) and `--metrics off`, measured in turns (on, off, off, on…) so
 * that whatever else the machine does falls on both alike. The figure is the share of the
 * get-one rate metrics take: 1 − rate on / rate off.
 */
import { scenarios } from './http.ts';
import { load, type LoadResult } from './lib/load.ts';
import { startRoster, type Target } from './lib/processes.ts';
import { assertClean, check, type Check } from './lib/report.ts';
import { seedUsers } from './lib/seed.ts';

export interface MetricsOptions {
  seconds: number;
  users: number;
  connections: number;
  /** Turns of each, the order alternating (on off, off on, …). */
  rounds: number;
}

/** One side over all its turns. */
export interface MetricsSide {
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
  p50: number;
  p99: number;
  turns: LoadResult[];
}

export interface MetricsResult {
  on: MetricsSide;
  off: MetricsSide;
  /** Share of the get-one rate the metrics take: 1 − on / off (negative: within noise, on was faster). */
  rateOverhead: number;
  /** Extra server CPU per request with metrics: on / off − 1. */
  cpuOverhead: number;
  check: Check;
}

function side(turns: LoadResult[]): MetricsSide {
  const requests = turns.reduce((sum, turn) => sum + turn.requests, 0);
  const mean = (pick: (turn: LoadResult) => number) => turns.reduce((sum, turn) => sum + pick(turn) * turn.requests, 0) / requests;
  return {
    requestsPerSecond: turns.reduce((sum, turn) => sum + turn.requestsPerSecond, 0) / turns.length,
    cpuMicrosPerRequest: mean((turn) => turn.cpuMicrosPerRequest),
    p50: Math.max(...turns.map((turn) => turn.p50)),
    p99: Math.max(...turns.map((turn) => turn.p99)),
    turns,
  };
}

export async function runMetricsOverhead(options: MetricsOptions): Promise<MetricsResult> {
  const getOne = scenarios(options.users)[0]!;
  const nodes: Target[] = [];
  try {
    const on = await startRoster({ args: ['--metrics', 'on'] });
    nodes.push(on);
    const off = await startRoster({ args: ['--metrics', 'off'] });
    nodes.push(off);
    for (const node of nodes) await seedUsers(node.url, options.users);
    const turns: { on: LoadResult[]; off: LoadResult[] } = { on: [], off: [] };
    const measure = async (node: Target) => {
      const result = await load({
        seconds: options.seconds,
        connections: options.connections,
        ...getOne.roster,
        url: `${node.url}${getOne.sample.path}`,
        pid: node.pid,
      });
      assertClean(`get one user (metrics ${node === on ? 'on' : 'off'})`, result);
      return result;
    };
    for (let round = 0; round < options.rounds; round++) {
      for (const node of round % 2 === 0 ? [on, off] : [off, on]) (node === on ? turns.on : turns.off).push(await measure(node));
    }
    const withMetrics = side(turns.on);
    const without = side(turns.off);
    const rateOverhead = 1 - withMetrics.requestsPerSecond / without.requestsPerSecond;
    return {
      on: withMetrics,
      off: without,
      rateOverhead,
      cpuOverhead: withMetrics.cpuMicrosPerRequest / without.cpuMicrosPerRequest - 1,
      check: check({ measure: 'get-one rate taken by metrics', atMost: 0.03, unit: 'share' }, rateOverhead),
    };
  } finally {
    for (const node of nodes) await node.stop();
  }
}
