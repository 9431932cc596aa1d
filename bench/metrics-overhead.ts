/**
 * What the Prometheus metrics cost: "get one user" on two SQLite nodes alike but for
 * `--metrics on` (the default) and `--metrics off`, measured in turns (on, off, off, on…) so
 * that whatever else the machine does falls on both alike. The figure is the share of the
 * get-one rate metrics take: 1 − rate on / rate off.
 */
import { scenarios } from './http.ts';
import { load, type LoadResult } from './lib/load.ts';
import { startRoster, type Target } from './lib/processes.ts';
import { inTurns } from './lib/turns.ts';
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

/** One side: its turns combined (`combined`, lib/turns.ts), and the turns themselves. */
function side({ requestsPerSecond, cpuMicrosPerRequest, p50, p99 }: LoadResult, turns: LoadResult[]): MetricsSide {
  return { requestsPerSecond, cpuMicrosPerRequest, p50, p99, turns };
}

const METRICS_MARGIN = 0.03;

/**
 * Met when the metrics take at most 3% of the rate. A node with metrics faster than one without
 * by more than that margin is the host's noise between turns, larger than the figure measured:
 * inconclusive rather than met.
 */
export function metricsCheck(rateOverhead: number): Check {
  const result = check({ measure: 'get-one rate taken by metrics', atMost: METRICS_MARGIN, unit: 'share' }, rateOverhead);
  if (rateOverhead < -METRICS_MARGIN) result.inconclusive = 'the node without metrics was the slower one, by more than the margin';
  return result;
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
    const measure = (node: Target, kept: LoadResult[]) => async () => {
      const result = await load({
        seconds: options.seconds,
        connections: options.connections,
        ...getOne.roster,
        url: `${node.url}${getOne.sample.path}`,
        pid: node.pid,
      });
      assertClean(`get one user (metrics ${node === on ? 'on' : 'off'})`, result);
      kept.push(result);
      return result;
    };
    const [onCombined, offCombined] = await inTurns(options.rounds, measure(on, turns.on), measure(off, turns.off));
    const withMetrics = side(onCombined, turns.on);
    const without = side(offCombined, turns.off);
    const rateOverhead = 1 - withMetrics.requestsPerSecond / without.requestsPerSecond;
    return {
      on: withMetrics,
      off: without,
      rateOverhead,
      cpuOverhead: withMetrics.cpuMicrosPerRequest / without.cpuMicrosPerRequest - 1,
      check: metricsCheck(rateOverhead),
    };
  } finally {
    for (const node of nodes) await node.stop();
  }
}
