/**
 * Runs the benchmarks and reports each figure with its baseline from the same run.
 *
 *   npm run bench                    full run; rewrites the results in docs/benchmarks.md
 *   npm run bench:smoke              seconds-long version for CI; writes nothing
 *   npm run bench -- --only http,sdk  some scenarios (http, pagination, history, realtime, sdk, cluster, metrics)
 *
 * Loopback only. Each server runs in its own process; autocannon drives them from this one, and
 * for the HTTP scenarios wrk too, from its own (a full run fails without wrk; the smoke run says
 * in one line that it is missing and goes on with autocannon alone).
 * The PostgreSQL + NATS rows and the cluster need PostgreSQL (BENCH_POSTGRES_URL) and NATS
 * JetStream (BENCH_NATS_URL), see lib/services.ts; without them those rows say why they were skipped.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runCluster } from './cluster.ts';
import { runHistory } from './history.ts';
import { runHttpScenarios } from './http.ts';
import { barChart, type Bar } from './lib/chart.ts';
import { resultsMarkdown } from './lib/markdown.ts';
import { runMetricsOverhead } from './metrics-overhead.ts';
import { percent, type GeneratorFigures, type HttpScenario } from './lib/report.ts';
import { machine, type BenchResults } from './lib/results.ts';
import { runPagination } from './pagination.ts';
import { runRealtime } from './realtime.ts';
import { runSdkCalls } from './sdk-cpu.ts';

const SIZES = {
  full: {
    http: { seconds: 5, rounds: 2, users: 10_000, connections: 50, wrk: 'required' as const },
    pagination: { users: 1_000_000, page: 5_000, seconds: 10, connections: 50, rounds: 2 },
    history: { messages: 1_000_000, countMessages: 10_500, seconds: 10, connections: 50, rounds: 2 },
    realtime: { subscribers: 1_000, rounds: 30, idle: 10_000, many: { subscribers: 10_000, rounds: 5 } },
    sdk: { calls: 3_000 },
    cluster: { nodes: 3, seconds: 10, users: 10_000, connections: 50 },
    metrics: { seconds: 5, users: 10_000, connections: 50, rounds: 4 },
  },
  smoke: {
    http: { seconds: 1, rounds: 1, users: 3_000, connections: 20, wrk: 'when-installed' as const },
    pagination: { users: 20_000, page: 150, seconds: 2, connections: 20, rounds: 1 },
    history: { messages: 20_000, countMessages: 150, seconds: 2, connections: 20, rounds: 1 },
    realtime: { subscribers: 200, rounds: 6, idle: 500, many: { subscribers: 400, rounds: 3 } },
    sdk: { calls: 200 },
    cluster: { nodes: 3, seconds: 1, users: 300, connections: 12 },
    metrics: { seconds: 1, users: 1_000, connections: 20, rounds: 1 },
  },
};

const STEPS = ['http', 'pagination', 'history', 'realtime', 'sdk', 'cluster', 'metrics'];

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const START = '<!-- bench:results -->';
const END = '<!-- /bench:results -->';

function chart(results: BenchResults): string {
  const bars: Bar[] = [];
  const scenarioBars = (scenarios: HttpScenario[], node: string) => {
    for (const s of scenarios) {
      const figures: [string, GeneratorFigures | undefined][] = [
        [node, s],
        [node ? `${node}, wrk` : 'wrk', s.wrk],
      ];
      for (const [note, run] of figures) {
        if (!run) continue;
        bars.push({
          label: note ? `${s.name} (${note})` : s.name,
          value: run.ratio,
          target: run.check?.target.atLeast,
          met: run.check?.met,
          text: percent(run.ratio),
          // The Fastify floor is drawn once, on the SQLite rows: the other node's are measured against the same one.
          ...(node === '' && { ceiling: run.floor.requestsPerSecond / run.baseline.requestsPerSecond }),
        });
      }
    }
  };
  scenarioBars(results.http ?? [], '');
  if (Array.isArray(results.httpPostgres)) scenarioBars(results.httpPostgres, 'PostgreSQL + NATS');
  if (results.pagination) {
    const cold = results.pagination.coldGet;
    bars.push({ label: `get one of ${results.pagination.users.toLocaleString('en-US')} (cache miss)`, value: cold.ratio, text: percent(cold.ratio) });
  }
  if (results.history) {
    const history = results.history;
    bars.push({ label: `history: newest 100 of ${history.messages.toLocaleString('en-US')}`, value: history.rosterRatio, text: percent(history.rosterRatio) });
    for (const side of ['near', 'far'] as const) {
      const counts = history.counts[side];
      bars.push({ label: `message counts, ${history.counts.channels} channels (${side})`, value: counts.ratio, text: percent(counts.ratio) });
    }
    bars.push({ label: 'publish (stored)', value: history.publish.rosterRatio, text: percent(history.publish.rosterRatio) });
  }
  const subtitle = 'Same-size JSON bodies, same load, same run; autocannon, and wrk where marked. Dashed: target. Grey: bare Fastify.';
  return barChart('Roster request rate as a share of bare node:http', subtitle, bars, 1);
}

/** Rewrites the generated section of docs/benchmarks.md and saves the raw figures and the chart. */
function writeDocs(results: BenchResults): void {
  mkdirSync(`${DOCS}benchmarks`, { recursive: true });
  // A run's `measuredWindow`s are clock readings of this process, of no use in the file.
  const figures = JSON.stringify(results, (key, value: unknown) => (key === 'measuredWindow' ? undefined : value), 2);
  writeFileSync(`${DOCS}benchmarks/results.json`, `${figures}\n`);
  writeFileSync(`${DOCS}benchmarks/request-rate.svg`, chart(results));
  const path = `${DOCS}benchmarks.md`;
  const doc = readFileSync(path, 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${path} lacks the ${START} … ${END} markers`);
  writeFileSync(path, `${doc.slice(0, start + START.length)}\n${resultsMarkdown(results)}\n${doc.slice(end)}`);
  console.log(`\nwrote ${path}, benchmarks/results.json and benchmarks/request-rate.svg`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, only: { type: 'string' } } });
  const mode = values.smoke ? 'smoke' : 'full';
  const size = SIZES[mode];
  const only = new Set(values.only?.split(',') ?? STEPS);
  const results: BenchResults = { mode, date: new Date().toISOString(), machine: machine() };
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
    if (!only.has(name)) return undefined;
    const started = Date.now();
    console.log(`▶ ${name}`);
    const result = await run();
    console.log(`  done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return result;
  };
  const http = await step('http', () => runHttpScenarios(size.http));
  results.http = http?.sqlite;
  results.httpPostgres = http?.postgres;
  results.pagination = await step('pagination', () => runPagination(size.pagination));
  results.history = await step('history', () => runHistory(size.history));
  results.realtime = await step('realtime', () => runRealtime(size.realtime));
  results.sdk = await step('sdk', () => runSdkCalls(size.sdk));
  results.cluster = await step('cluster', () => runCluster(size.cluster));
  results.metrics = await step('metrics', () => runMetricsOverhead(size.metrics));
  console.log(`\n${resultsMarkdown(results)}`);
  if (mode === 'full' && STEPS.every((name) => only.has(name))) writeDocs(results);
}

await main();
