import { cpus, platform, release, totalmem } from 'node:os';
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
  http?: HttpScenario[] | undefined;
  pagination?: PaginationResult | undefined;
  realtime?: RealtimeResult | undefined;
  sdk?: SdkCall[] | undefined;
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
