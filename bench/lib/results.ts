import { cpus, platform, release, totalmem } from 'node:os';
import type { ClusterResult } from '../cluster.ts';
import type { HistoryResult } from '../history.ts';
import type { MetricsResult } from '../metrics-overhead.ts';
import type { PaginationResult } from '../pagination.ts';
import type { RealtimeResult } from '../realtime.ts';
import type { SdkCall } from '../sdk-cpu.ts';
import type { HttpScenario } from './report.ts';

/** Everything one `npm run bench` measured, as written to docs/benchmarks/results.json. */
export interface BenchResults {
  mode: 'full' | 'smoke';
  date: string;
  machine: { node: string; cpus: number; cpuModel: string; memoryGiB: number; os: string };
  /** Each scenario's figures; undefined when `--only` left the scenario out. */
  /** The HTTP scenarios on a SQLite node. */
  http?: HttpScenario[] | undefined;
  /** The same on a PostgreSQL + NATS node, against the same baseline figures; or why they were skipped. */
  httpPostgres?: HttpScenario[] | { skipped: string } | undefined;
  pagination?: PaginationResult | undefined;
  /** Message history: newest vs deep page, publish with and without storage, bytes per message. */
  history?: HistoryResult | undefined;
  realtime?: RealtimeResult | undefined;
  sdk?: SdkCall[] | undefined;
  /** One PostgreSQL + NATS node against three. */
  cluster?: ClusterResult | undefined;
  /** get one user with and without Prometheus metrics. */
  metrics?: MetricsResult | undefined;
}

export function machine(): BenchResults['machine'] {
  const list = cpus();
  return {
    node: process.version,
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown CPU',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
  };
}
