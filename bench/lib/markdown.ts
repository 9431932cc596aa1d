import type { HttpScenario } from './report.ts';
import { fixed, percent, verdict } from './report.ts';
import type { PaginationResult } from '../pagination.ts';
import type { RealtimeResult } from '../realtime.ts';
import type { SdkCall } from '../sdk-cpu.ts';
import type { BenchResults } from './results.ts';

const table = (header: string[], rows: string[][]) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

function httpTable(scenarios: HttpScenario[]): string {
  return table(
    [
      'scenario',
      'Roster req/s',
      'bare node:http req/s',
      'Roster / bare',
      'target',
      'bare Fastify / bare',
      'Roster p50 / p99 ms',
      'server CPU µs/req: Roster / Fastify / bare',
      'body bytes',
    ],
    scenarios.map((s) => [
      s.name,
      fixed(s.roster.requestsPerSecond),
      fixed(s.baseline.requestsPerSecond),
      `**${percent(s.ratio)}**`,
      verdict(s.check),
      percent(s.floor.requestsPerSecond / s.baseline.requestsPerSecond),
      `${s.roster.p50} / ${s.roster.p99}`,
      [s.roster, s.floor, s.baseline].map((result) => fixed(result.cpuMicrosPerRequest)).join(' / '),
      fixed(s.responseBytes),
    ]),
  );
}

function paginationTable(result: PaginationResult): string {
  const pages = table(
    [
      'sort',
      'page 1 req/s',
      `page ${fixed(result.page)} req/s`,
      'page 1 mean / p99 ms',
      `page ${fixed(result.page)} mean / p99 ms`,
      'deep / first latency',
      'target',
      'walk ms/page',
    ],
    result.orders.map((order) => [
      order.sort,
      fixed(order.first.requestsPerSecond),
      fixed(order.deep.requestsPerSecond),
      `${order.first.mean.toFixed(2)} / ${order.first.p99}`,
      `${order.deep.mean.toFixed(2)} / ${order.deep.p99}`,
      `**${order.ratio.toFixed(2)}×**`,
      verdict(order.check),
      order.walkMsPerPage.toFixed(2),
    ]),
  );
  const cold = result.coldGet;
  const get = table(
    ['scenario', 'Roster req/s', 'bare node:http req/s', 'Roster / bare', 'Roster p50 / p99 ms'],
    [
      [
        `get one of ${fixed(result.users)} users at random`,
        fixed(cold.roster.requestsPerSecond),
        fixed(cold.baseline.requestsPerSecond),
        percent(cold.ratio),
        `${cold.roster.p50} / ${cold.roster.p99}`,
      ],
    ],
  );
  return `${pages}\n\n${get}`;
}

function realtimeTable(result: RealtimeResult): string {
  const ms = (value: number) => value.toFixed(2);
  const latency = table(
    ['delivery to each of the subscribers', 'p50 ms', 'p99 ms', 'target'],
    [
      ['bare node:http long-poll: publish → deliver (baseline)', ms(result.baselinePublish.p50), ms(result.baselinePublish.p99), ''],
      ['Roster: publish → deliver', ms(result.rosterPublish.p50), ms(result.rosterPublish.p99), ''],
      ['Roster: set channel (PATCH) → App Context event', ms(result.rosterSet.p50), `**${ms(result.rosterSet.p99)}**`, verdict(result.check)],
    ],
  );
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const memory = table(
    ['server', 'RSS per idle long-poll subscriber', 'Roster / bare'],
    [
      ['bare node:http long-poll', kib(result.memory.baseline), ''],
      ['Roster', kib(result.memory.roster), `${(result.memory.roster / result.memory.baseline).toFixed(2)}×`],
    ],
  );
  return `${fixed(result.subscribers)} subscribers, ${result.baselinePublish.samples} deliveries measured per row; memory over ${fixed(result.idle)} held polls.\n\n${latency}\n\n${memory}`;
}

function sdkTable(calls: SdkCall[]): string {
  return table(
    ['call', 'official pubnub CPU µs/call', '@roster/sdk CPU µs/call', 'Roster / official'],
    calls.map((call) => [call.call, fixed(call.official), fixed(call.roster), `${call.ratio.toFixed(2)}×`]),
  );
}

/** The generated part of docs/benchmarks.md: every table of one run. */
export function resultsMarkdown(results: BenchResults): string {
  const { machine } = results;
  const parts = [
    `Run of ${results.date} on ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}. Raw figures: [benchmarks/results.json](benchmarks/results.json).`,
  ];
  if (results.http) parts.push('### Request rate against the bare route', httpTable(results.http));
  if (results.pagination) parts.push(`### Keyset pagination over ${fixed(results.pagination.users)} users`, paginationTable(results.pagination));
  if (results.realtime) parts.push('### Change events to long-polling subscribers', realtimeTable(results.realtime));
  if (results.sdk) parts.push('### Client CPU per call: official SDK vs @roster/sdk', sdkTable(results.sdk));
  return parts.join('\n\n');
}
