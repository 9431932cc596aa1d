import type { GeneratorFigures, HttpScenario } from './report.ts';
import { fixed, percent, verdict } from './report.ts';
import { capacity, type ClusterResult } from '../cluster.ts';
import type { CountFigures } from '../history-counts.ts';
import type { HistoryFigures, HistoryResult } from '../history.ts';
import type { MetricsResult } from '../metrics-overhead.ts';
import type { KeysetFigures, PaginationResult } from '../pagination.ts';
import type { RealtimeResult } from '../realtime.ts';
import type { SdkCall } from '../sdk-cpu.ts';
import type { BenchResults } from './results.ts';

const table = (header: string[], rows: string[][]) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

/** Whole milliseconds as autocannon gives them, two decimals where wrk measured finer. */
const ms = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));

function generatorTable(rows: { scenario: HttpScenario; figures: GeneratorFigures }[]): string {
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
      'client waits/req: Roster / Fastify / bare',
      'body bytes',
    ],
    rows.map(({ scenario, figures: f }) => [
      scenario.name,
      fixed(f.roster.requestsPerSecond),
      fixed(f.baseline.requestsPerSecond),
      `**${percent(f.ratio)}**`,
      verdict(f.check),
      percent(f.floor.requestsPerSecond / f.baseline.requestsPerSecond),
      `${ms(f.roster.p50)} / ${ms(f.roster.p99)}`,
      [f.roster, f.floor, f.baseline].map((result) => fixed(result.cpuMicrosPerRequest)).join(' / '),
      [f.roster, f.floor, f.baseline].map((result) => waits(result.clientWaitsPerRequest)).join(' / '),
      fixed(scenario.responseBytes),
    ]),
  );
}

/** A client's blocking waits per request, to two places; `—` for results from before they were recorded. */
const waits = (perRequest: number | undefined): string => (perRequest !== undefined && Number.isFinite(perRequest) ? perRequest.toFixed(2) : '—');

/** How the servers of each scenario took turns (nothing for runs that measured each once). */
function httpTurns(scenarios: HttpScenario[]): string[] {
  const turns = scenarios[0]?.turns;
  if (turns === undefined) return [];
  return [
    `Each scenario's servers (Roster's nodes, the bare route, bare Fastify; for the set, each node's storage floor too) are measured in turns, ${turns} each under each generator, the order alternating: rates are the turns' mean, CPU per request is over all of them, percentiles are the worst turn's.`,
  ];
}

/**
 * Roster against its storage floor (the same requests on the same storage, none of Roster's
 * JavaScript), for each scenario measured against one; `storage` names that floor.
 */
function storageFloorLines(rows: { scenario: HttpScenario; figures: GeneratorFigures }[], storage: string): string[] {
  return rows.flatMap(({ scenario, figures: { roster, baseline, storageFloor: floor } }) =>
    floor
      ? [
          `- ${scenario.name}: ${storage} served ${fixed(floor.requestsPerSecond)} req/s, ${percent(floor.requestsPerSecond / baseline.requestsPerSecond)} of the bare route, ` +
            `at ${fixed(floor.cpuMicrosPerRequest)} µs of server CPU per request; Roster served **${percent(roster.requestsPerSecond / floor.requestsPerSecond)}** of its rate ` +
            `at ${(roster.cpuMicrosPerRequest / floor.cpuMicrosPerRequest).toFixed(2)}× its CPU (${fixed(roster.cpuMicrosPerRequest - floor.cpuMicrosPerRequest)} µs more).`,
        ]
      : [],
  );
}

/** One generator's table, then Roster against its storage floor where that was measured. */
function generatorSection(rows: { scenario: HttpScenario; figures: GeneratorFigures }[], storage: string): string {
  return [generatorTable(rows), storageFloorLines(rows, storage).join('\n')].filter((part) => part !== '').join('\n\n');
}

/** One table per load generator: autocannon's, then wrk's (or why there is none); `storage` names the node's storage floor. */
function httpTable(scenarios: HttpScenario[], storage: string): string {
  const byWrk = scenarios.flatMap((scenario) => (scenario.wrk ? [{ scenario, figures: scenario.wrk }] : []));
  return [
    '**Under autocannon** (in the bench process):',
    generatorSection(
      scenarios.map((scenario) => ({ scenario, figures: scenario })),
      storage,
    ),
    '**Under wrk** (one thread, in its own process):',
    byWrk.length > 0 ? generatorSection(byWrk, storage) : 'Not measured: wrk is not installed on this machine.',
  ].join('\n\n');
}

/** The storage floors of bench/http.ts, as the text under each table names them. */
const STORAGE_FLOORS = {
  sqlite:
    "Roster's storage on Fastify (Roster's own SQLite database and set statements, savepoint and outbox row, on Fastify with nothing of Roster's JavaScript)",
  postgres: "the PostgreSQL write floor (Roster's uuids table and indexes, one autocommit UPDATE a request on node:http; no event, outbox or bus)",
};

function paginationTable(result: KeysetFigures & { users: number; page: number }): string {
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

function postgresPagination(result: PaginationResult): string {
  const postgres = result.postgres;
  if (postgres === undefined) return '';
  if ('skipped' in postgres) return `PostgreSQL: skipped (${postgres.skipped}).`;
  const seeded = `The same keyset in PostgreSQL (a database made for the run, seeded in ${postgres.seedSeconds.toFixed(0)} s, dropped after it), on a node with \`--store postgres://…\`:`;
  return `${seeded}\n\n${paginationTable({ ...postgres, users: result.users, page: result.page })}`;
}

function historyTable(result: HistoryResult): string {
  const latency = (run: HistoryFigures['newest']) => `${run.mean.toFixed(2)} / ${run.p50} / ${run.p99}`;
  const row = (node: string, figures: HistoryFigures) => [
    node,
    fixed(figures.newest.requestsPerSecond),
    fixed(figures.deep.requestsPerSecond),
    latency(figures.newest),
    latency(figures.deep),
    `**${figures.ratio.toFixed(2)}×**`,
    verdict(figures.check),
    [figures.newest, figures.deep, figures.baseline].map((run) => fixed(run.cpuMicrosPerRequest)).join(' / '),
    fixed(figures.baseline.requestsPerSecond),
    percent(figures.rosterRatio),
    fixed(figures.responseBytes),
  ];
  const postgres = result.postgres && !('skipped' in result.postgres) ? result.postgres : undefined;
  const seeded = `SQLite in ${result.seedSeconds.toFixed(1)} s${postgres ? `; PostgreSQL in ${postgres.seedSeconds.toFixed(1)} s, three batches at once, then VACUUM ANALYZE` : ''}`;
  const intro =
    `One channel of ${fixed(result.messages)} messages (chat payloads of ${result.payloadBytes.toFixed(0)} bytes on average, 17-digit timetokens 100 ms apart), ` +
    `written through the store in batches of 5,000 before the node started (${seeded}). Pages of ${result.page} as the SDKs ask (\`${result.query}\`): ` +
    `the newest, and a deep one (\`start=\` the timetoken of message ${fixed(result.deepOffset + result.page)} from the oldest, so ${fixed(result.deepOffset)} older messages remain). ` +
    `Both pages are measured in turns (${result.turns} each, the order alternating); the ratio is of their mean latencies. The bare route answers the newest page's bytes.`;
  const pages = table(
    [
      'node',
      'newest req/s',
      'deep req/s',
      'newest mean / p50 / p99 ms',
      'deep mean / p50 / p99 ms',
      'deep / newest latency',
      'target',
      'server CPU µs/req: newest / deep / bare',
      'bare node:http req/s',
      'newest: Roster / bare',
      'body bytes',
    ],
    [row('SQLite', result), ...(postgres ? [row('PostgreSQL (`--store postgres://…`)', postgres)] : [])],
  );
  const skipped = result.postgres && 'skipped' in result.postgres ? `PostgreSQL: skipped (${result.postgres.skipped}).` : '';
  const { storage } = result;
  const growth =
    `**Storage:** the messages grew the SQLite database (file and WAL after a TRUNCATE checkpoint) from ${fixed(storage.before)} to ${fixed(storage.after)} bytes, ` +
    `**${storage.bytesPerMessage.toFixed(0)} bytes per message** for a ${result.payloadBytes.toFixed(0)}-byte payload (with its timetoken, channel, publisher and index entries)` +
    (postgres ? `; PostgreSQL (\`pg_database_size\` after VACUUM) grew ${postgres.storage.bytesPerMessage.toFixed(0)} bytes per message.` : '.');
  const { publish } = result;
  const publishRow = (name: string, run: typeof publish.stored, ofBare: string) => [
    name,
    fixed(run.requestsPerSecond),
    ofBare,
    fixed(run.cpuMicrosPerRequest),
    `${run.p50} / ${run.p99}`,
  ];
  const publishes = table(
    ['publish (GET, one message of the same kind, 100 channels)', 'req/s', 'of bare node:http', 'server CPU µs/req', 'p50 / p99 ms'],
    [
      publishRow('stored (default)', publish.stored, `**${percent(publish.rosterRatio)}**`),
      publishRow('`store=0`', publish.unstored, percent(publish.unstored.requestsPerSecond / publish.baseline.requestsPerSecond)),
      publishRow(`bare node:http, ${fixed(publish.baselineBytes)}-byte body`, publish.baseline, ''),
    ],
  );
  const publishText =
    `On the SQLite node holding the channel above, in turns (${publish.turns} each, the order alternating): storing runs at **${percent(publish.rateRatio)}** of the \`store=0\` rate ` +
    `and costs ${publish.cpuRatio.toFixed(2)}× its server CPU per publish. The bare route then answered publish's ${publish.responseBytes}-byte answer ` +
    `(${publish.baselineBytes > publish.responseBytes ? `with its smallest body, ${publish.baselineBytes} bytes` : 'with a body of the same size'}) under the same load.`;
  return [intro, pages, skipped, growth, countsText(result), publishText, publishes].filter((part) => part !== '').join('\n\n');
}

/** Message counts over 100 channels, near the newest and far back, on each node, against the bare route. */
function countsText(result: HistoryResult): string {
  const { counts } = result;
  const postgres = result.postgres && !('skipped' in result.postgres) ? result.postgres : undefined;
  const rows = (node: string, figures: CountFigures) =>
    (['near', 'far'] as const).map((side) => {
      const run = figures[side];
      return [
        side === 'near' ? node : '',
        side === 'near' ? `near the newest (${run.perChannel} newer per channel)` : `far back (all newer; each counts to its cap, ${fixed(run.perChannel)})`,
        run.aloneMs.toFixed(1),
        `${run.connections} × ${run.seconds} s`,
        fixed(run.roster.requestsPerSecond, run.roster.requestsPerSecond < 10 ? 2 : 0),
        `${run.roster.mean.toFixed(1)} / ${run.roster.p50} / ${run.roster.p99}`,
        fixed(run.roster.cpuMicrosPerRequest),
        fixed(run.baseline.requestsPerSecond),
        `**${run.ratio < 0.001 ? `${(run.ratio * 100).toFixed(3)}%` : percent(run.ratio)}**`,
        fixed(run.responseBytes),
      ];
    });
  const intro =
    `**Message counts** (\`GET /v3/history/sub-key/demo/message-counts/{${counts.channels} channels}?timetoken=…\`, the Chat SDK's unread counts): ` +
    `${counts.channels} channels of ${fixed(counts.messagesPerChannel)} messages each (${fixed(counts.channels * counts.messagesPerChannel)} in all, interleaved 100 ms apart, ` +
    `written through the store before the node started: SQLite in ${result.countSeedSeconds.toFixed(1)} s${postgres ? `, PostgreSQL in ${postgres.countSeedSeconds.toFixed(1)} s` : ''}), ` +
    `counted all at once with the timetoken near the newest and far back, in turns (${counts.turns} each, the order alternating). ` +
    'Each count is a range seek on (keyset, channel, timetoken) that stops at the cap. ' +
    'A count that takes long alone is loaded with fewer connections and a longer run, so that each connection completes several; the bare route answers the same bytes under the same load.';
  const header = [
    'node',
    'timetoken',
    'alone ms',
    'connections × run',
    'req/s',
    'mean / p50 / p99 ms',
    'server CPU µs/req',
    'bare node:http req/s',
    'Roster / bare',
    'body bytes',
  ];
  return `${intro}\n\n${table(header, [...rows('SQLite', counts), ...(postgres ? rows('PostgreSQL', postgres.counts) : [])])}`;
}

function clusterTable(result: ClusterResult): string {
  if ('skipped' in result) return `Skipped: ${result.skipped}.`;
  const us = (value: number | undefined) => (value === undefined ? '–' : fixed(value));
  const rows = result.scenarios.flatMap((s) =>
    [s.single, s.cluster].map((run, index) => [
      index === 0 ? s.name : '',
      String(run.servers.length),
      fixed(run.requestsPerSecond),
      `${run.mean.toFixed(1)} / ${run.p99}`,
      run.servers.map((server) => us(server.cpuMicrosPerRequest)).join(' / '),
      us(run.shared['postgres']),
      us(run.shared['nats']),
    ]),
  );
  const header = ['scenario', 'nodes', 'req/s (all nodes)', 'mean / p99 ms', 'CPU µs/req of each node', 'PostgreSQL CPU µs/req', 'NATS CPU µs/req'];
  const paper = result.scenarios.map((s) => {
    const { perNodeCore, perPostgresCore, perNatsCore } = capacity(s.cluster);
    const shared = (name: string, perCore: number) =>
      `${name}: ${Number.isNaN(perCore) ? 'not measured' : perCore === Infinity ? 'not used' : `${fixed(perCore)} req/s per core`}`;
    return `- ${s.name}: ${fixed(perNodeCore)} req/s per node core; ${shared('PostgreSQL', perPostgresCore)}; ${shared('NATS', perNatsCore)}.`;
  });
  return [
    `**This row shows cost, not scaling.** On this ${result.cpus}-core machine the ${result.nodes} nodes, PostgreSQL, NATS and the load generator share the same cores: here three nodes can only add their overhead to what one does. The CPU time per request is what carries over: with a core per node, N nodes serve about N × 1,000,000 / (node µs/req) req/s, until PostgreSQL or NATS, shared by all nodes, run out of cores at 1,000,000 / (their µs/req) each. From the ${result.nodes}-node rows:`,
    paper.join('\n'),
    table(header, rows),
    "Connections are spread evenly over the nodes, as a load balancer spreading connections round-robin would. CPU per request is each process's user + system time over the measured run (PostgreSQL: the backends serving the bench database), divided by the requests served (PostgreSQL and NATS: by all nodes' requests).",
  ].join('\n\n');
}

function metricsTable(result: MetricsResult): string {
  const row = (name: string, side: MetricsResult['on']) => [name, fixed(side.requestsPerSecond), fixed(side.cpuMicrosPerRequest), `${side.p50} / ${side.p99}`];
  const sides = table(
    ['get one user', 'req/s', 'server CPU µs/req', 'p50 / p99 ms'],
    [row('--metrics on (default)', result.on), row('--metrics off', result.off)],
  );
  const turns = result.on.turns.length;
  return [
    `Two SQLite nodes alike but for \`--metrics\`, measured in turns (${turns} each, the order alternating). Metrics take **${percent(result.rateOverhead)}** of the get-one rate (${verdict(result.check)}) and add ${percent(result.cpuOverhead)} server CPU per request.`,
    sides,
  ].join('\n\n');
}

function realtimeTable(result: RealtimeResult): string {
  const ms = (value: number) => value.toFixed(2);
  const latency = table(
    ['delivery to each of the subscribers', 'p50 ms', 'p99 ms', 'target'],
    [
      ['bare node:http long-poll: publish → deliver (baseline)', ms(result.baselinePublish.p50), ms(result.baselinePublish.p99), ''],
      ['Roster: publish → deliver', ms(result.rosterPublish.p50), ms(result.rosterPublish.p99), ''],
      ['Roster: set channel (PATCH) → App Context event', ms(result.rosterSet.p50), `**${ms(result.rosterSet.p99)}**`, verdict(result.check)],
      ...(result.postgres && !('skipped' in result.postgres)
        ? [
            ['Roster on PostgreSQL + NATS: publish → deliver', ms(result.postgres.publish.p50), ms(result.postgres.publish.p99), ''],
            ['Roster on PostgreSQL + NATS: set channel (PATCH) → App Context event', ms(result.postgres.set.p50), ms(result.postgres.set.p99), ''],
          ]
        : []),
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
  const skipped = result.postgres && 'skipped' in result.postgres ? ` PostgreSQL + NATS rows skipped: ${result.postgres.skipped}.` : '';
  const parts = [
    `${fixed(result.subscribers)} subscribers, ${result.baselinePublish.samples} deliveries measured per row; memory over ${fixed(result.idle)} held polls.${skipped}`,
    latency,
    memory,
  ];
  if (result.many) parts.push(manySubscribersTable(result.many));
  return parts.join('\n\n');
}

function manySubscribersTable(many: NonNullable<RealtimeResult['many']>): string {
  const ms = (value: number) => value.toFixed(2);
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const rows = table(
    [`${fixed(many.subscribers)} subscribers of one channel`, 'p50 ms', 'p99 ms', 'RSS per held subscriber', 'target'],
    [
      [
        'bare node:http long-poll: publish → deliver (baseline)',
        ms(many.baseline.latency.p50),
        ms(many.baseline.latency.p99),
        kib(many.baseline.heldBytes),
        '',
      ],
      [
        'Roster: set channel (PATCH) → App Context event',
        ms(many.roster.latency.p50),
        ms(many.roster.latency.p99),
        `**${kib(many.roster.heldBytes)}**`,
        verdict(many.memoryCheck),
      ],
    ],
  );
  return `The same with ${fixed(many.subscribers)} subscribers, ${many.roster.latency.samples} deliveries measured per row; each round fires once the server is idle again (every poll held). Memory: RSS with every poll held, less RSS before they connected.\n\n${rows}`;
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
  const where = `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}`;
  const parts = [
    results.mode === 'full'
      ? `Run of ${results.date} on ${where}. Raw figures: [benchmarks/results.json](benchmarks/results.json).`
      : `Smoke run of ${results.date} on ${where}: loads of one or two seconds, too short for its ratios to mean much; nothing written.`,
  ];
  if (results.http) parts.push('### Request rate against the bare route', ...httpTurns(results.http), httpTable(results.http, STORAGE_FLOORS.sqlite));
  if (results.httpPostgres) {
    parts.push('### Request rate on PostgreSQL + NATS, against the same bare route');
    if ('skipped' in results.httpPostgres) parts.push(`Skipped: ${results.httpPostgres.skipped}.`);
    else
      parts.push(
        'The same scenarios on a node with `--store postgres://…` and `--bus nats://…` (a database and JetStream stream of the run), measured in the same turns as the SQLite node; the bare-route and Fastify figures are the ones above.',
        httpTable(results.httpPostgres, STORAGE_FLOORS.postgres),
      );
  }
  if (results.pagination) {
    const { users, page, turns } = results.pagination;
    parts.push(
      `### Keyset pagination over ${fixed(users)} users`,
      `Pages of 100 users: page 1 and page ${fixed(page)}, measured in turns (${turns} each, the order alternating); the ratio is of their mean latencies.`,
      paginationTable(results.pagination),
    );
    const postgres = postgresPagination(results.pagination);
    if (postgres) parts.push(postgres);
  }
  if (results.history) parts.push(`### Message history over ${fixed(results.history.messages)} messages`, historyTable(results.history));
  if (results.realtime) parts.push('### Change events to long-polling subscribers', realtimeTable(results.realtime));
  if (results.sdk) parts.push('### Client CPU per call: official SDK vs @roster/sdk', sdkTable(results.sdk));
  if (results.cluster) parts.push('### Three nodes on PostgreSQL + NATS', clusterTable(results.cluster));
  if (results.metrics) parts.push('### What the Prometheus metrics cost', metricsTable(results.metrics));
  return parts.join('\n\n');
}
