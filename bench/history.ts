/**
 * Message history (PubNub's Message Persistence) at depth: on one channel holding `messages`
 * messages, the newest page of 100 and the page whose oldest message is 50 from the channel's
 * oldest cost the same (each is an index seek), on a SQLite node and on a PostgreSQL one; the
 * newest page against the bare `node:http` route serving the same bytes. Also: what storing costs
 * a publish (the same node publishing with and without `store=0`), and how many bytes a stored
 * message takes in the SQLite file. Each comparison runs in turns whose order alternates.
 *
 * The channel is written through the store (`store.messages.append`, as publish writes), in
 * batches of 5,000, into the node's database before the node starts.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { PostgresStore } from '../packages/server/src/store/postgres/index.ts';
import { SqliteStore } from '../packages/server/src/store/sqlite/index.ts';
import type { MessageStore, StoredMessage } from '../packages/server/src/store/store.ts';
import { load, type LoadResult } from './lib/load.ts';
import { startBaseline, startRoster, type Target } from './lib/processes.ts';
import { assertClean, check, type Check } from './lib/report.ts';
import { send } from './lib/seed.ts';
import { createDatabase, postgresUnavailable } from './lib/services.ts';

export interface HistoryOptions {
  /** Messages on the channel read. */
  messages: number;
  seconds: number;
  connections: number;
  /** Turns of each side of a comparison (newest and deep page; stored and `store=0` publish), the order alternating. */
  rounds: number;
}

/** The newest page and a deep one on one node, and the newest against the bare route. */
export interface HistoryFigures {
  /** Over all turns (see `combined`). */
  newest: LoadResult;
  deep: LoadResult;
  /** Turns of each. */
  turns: number;
  /** Mean latency of the deep page over the newest's. */
  ratio: number;
  check: Check;
  /** The bare `node:http` route answering the newest page's bytes, under the same load. */
  baseline: LoadResult;
  /** The newest page's rate over the bare route's. */
  rosterRatio: number;
  /** Bytes of the newest page's answer. */
  responseBytes: number;
  /** Seconds the messages took to write through the store. */
  seedSeconds: number;
}

/** How much a database grew for the messages written into it. */
export interface StorageGrowth {
  /** Bytes before and after (SQLite: the file and its WAL after a checkpoint; PostgreSQL: `pg_database_size`). */
  before: number;
  after: number;
  bytesPerMessage: number;
}

/** Publishing the same message with storage (the default) and with `store=0`. */
export interface PublishStorage {
  /** Over all turns (see `combined`). */
  stored: LoadResult;
  unstored: LoadResult;
  /** Turns of each. */
  turns: number;
  /** Stored rate over `store=0` rate. */
  rateRatio: number;
  /** Stored CPU per publish over `store=0` CPU per publish. */
  cpuRatio: number;
}

export interface HistoryResult extends HistoryFigures {
  messages: number;
  /** `max` of every page read. */
  page: number;
  /** The query of every page read (the deep page adds `start`). */
  query: string;
  /** Messages older than the deep page's oldest. */
  deepOffset: number;
  /** Mean bytes of a message's payload (JSON text). */
  payloadBytes: number;
  storage: StorageGrowth;
  publish: PublishStorage;
  /** The same pages on a PostgreSQL node (with its database's growth), or why they were skipped. */
  postgres?: (HistoryFigures & { storage: StorageGrowth }) | { skipped: string };
}

const SUB_KEY = 'demo';
const CHANNEL = 'history-bench';
const PAGE = 100;
const DEEP_OFFSET = 50;
const BATCH = 5_000;
/** 100 ms between messages, in timetoken units (0.1 µs). */
const STEP = 1_000_000n;

const LINES = [
  'see you at the standup in five',
  'pushed the fix to main, please pull',
  'lunch at noon, the usual place?',
  'the build is green again',
  'reviewing your pull request now',
];

/** A small chat message, about 100 bytes of JSON. */
export function chatMessage(index: number): string {
  return JSON.stringify({
    text: `${LINES[index % LINES.length]} (#${index})`,
    sender: `user-${index % 1_000}`,
    type: 'text',
    sentAt: 1_764_540_000_000 + index * 100,
  });
}

/** Turns of one load as one result: rates averaged, mean latency and CPU weighted by requests, percentiles the worst turn's. */
function combined(turns: LoadResult[]): LoadResult {
  const requests = turns.reduce((sum, turn) => sum + turn.requests, 0);
  const weighted = (pick: (turn: LoadResult) => number) => turns.reduce((sum, turn) => sum + pick(turn) * turn.requests, 0) / requests;
  return {
    requestsPerSecond: turns.reduce((sum, turn) => sum + turn.requestsPerSecond, 0) / turns.length,
    mean: weighted((turn) => turn.mean),
    p50: Math.max(...turns.map((turn) => turn.p50)),
    p99: Math.max(...turns.map((turn) => turn.p99)),
    requests,
    errors: turns.reduce((sum, turn) => sum + turn.errors, 0),
    non2xx: turns.reduce((sum, turn) => sum + turn.non2xx, 0),
    cpuMicrosPerRequest: weighted((turn) => turn.cpuMicrosPerRequest),
  };
}

/**
 * Runs the loads `a` and `b` in `rounds` turns each, the order alternating (a b, b a, a b, …), so
 * that whatever else the machine does falls on both alike; resolves with each one's turns combined.
 */
async function inTurns(rounds: number, a: () => Promise<LoadResult>, b: () => Promise<LoadResult>): Promise<[LoadResult, LoadResult]> {
  const turns: [LoadResult[], LoadResult[]] = [[], []];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      turns[0].push(await a());
      turns[1].push(await b());
    } else {
      turns[1].push(await b());
      turns[0].push(await a());
    }
  }
  return [combined(turns[0]), combined(turns[1])];
}

/** The channel read: message `index`'s timetoken (17 digits, increasing, all in the past). */
interface Channel {
  count: number;
  timetoken(index: number): string;
}

function benchChannel(count: number): Channel {
  // Starts far enough back that the newest is still in the past, so publishes during the run come after it.
  const first = BigInt(Date.now()) * 10_000n - BigInt(count + 1_000) * STEP;
  return { count, timetoken: (index) => (first + BigInt(index) * STEP).toString() };
}

function storedMessage(channel: Channel, index: number): StoredMessage {
  return { channel: CHANNEL, timetoken: channel.timetoken(index), payload: chatMessage(index), publisher: `user-${index % 1_000}`, messageType: null };
}

/** Appends the channel's messages in batches of `BATCH`, `workers` batches at once; resolves with the seconds taken. */
async function appendAll(messages: MessageStore, channel: Channel, workers: number, label: string): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < channel.count) {
      const start = next;
      next = Math.min(channel.count, next + BATCH);
      const batch: StoredMessage[] = [];
      for (let index = start; index < next; index++) batch.push(storedMessage(channel, index));
      await messages.append(SUB_KEY, batch);
      if (start % 100_000 === 0 && channel.count >= 100_000)
        process.stdout.write(`  writing ${channel.count.toLocaleString('en-US')} messages to ${label}: ${start.toLocaleString('en-US')}\r`);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return (performance.now() - started) / 1000;
}

/**
 * The SQLite file and its WAL, after a checkpoint that empties the WAL into the file (retried while
 * the store's own checkpoint thread holds the checkpoint: TRUNCATE then answers busy).
 */
async function sqliteBytes(store: SqliteStore, path: string): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const [result] = store.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    if (result?.busy === 0) break;
    await sleep(20);
  }
  const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);
  return size(path) + size(`${path}-wal`);
}

/** A node's data directory whose database holds the channel, and how much the file grew for it. */
async function sqliteDatabase(channel: Channel): Promise<{ dir: string; storage: StorageGrowth; seedSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-history-'));
  const path = join(dir, 'roster.db');
  const store = new SqliteStore({ path, synchronous: 'normal' });
  try {
    const before = await sqliteBytes(store, path);
    const seedSeconds = await appendAll(store.messages, channel, 1, 'SQLite');
    const after = await sqliteBytes(store, path);
    return { dir, storage: { before, after, bytesPerMessage: (after - before) / channel.count }, seedSeconds };
  } finally {
    await store.close();
  }
}

/** A page as the SDKs ask for it (`fetchMessages` with its defaults: publisher and message type, timetokens as strings). */
const HISTORY_QUERY = `max=${PAGE}&include_uuid=true&include_message_type=true&string_message_token=true`;
const historyPath = (start?: string) => `/v3/history/sub-key/${SUB_KEY}/channel/${CHANNEL}?${HISTORY_QUERY}${start ? `&start=${start}` : ''}`;

/** Reads a page once, checking it holds the `PAGE` messages expected (oldest first); resolves with its bytes. */
async function checkedPage(url: string, channel: Channel, oldest: number, start?: string): Promise<number> {
  const text = await send(undefined, `${url}${historyPath(start)}`);
  const items = (JSON.parse(text) as { channels: Record<string, { timetoken: string }[]> }).channels[CHANNEL] ?? [];
  const got = items.map((item) => item.timetoken);
  const expected = Array.from({ length: PAGE }, (_, index) => channel.timetoken(oldest + index));
  if (got.length !== PAGE || got.some((timetoken, index) => timetoken !== expected[index])) {
    throw new Error(
      `history ${start ? `before ${start}` : 'newest'}: ${got.length} messages from ${got[0]} to ${got.at(-1)}, not ${expected[0]} to ${expected.at(-1)}`,
    );
  }
  return Buffer.byteLength(text);
}

/** The newest page and the deep one on `roster`, then the bare route at the newest page's size. */
async function measurePages(
  roster: Target,
  baseline: Target,
  channel: Channel,
  options: HistoryOptions,
  label: string,
): Promise<Omit<HistoryFigures, 'seedSeconds'>> {
  const deepStart = channel.timetoken(DEEP_OFFSET + PAGE);
  const responseBytes = await checkedPage(roster.url, channel, channel.count - PAGE);
  await checkedPage(roster.url, channel, DEEP_OFFSET, deepStart);
  const common = { seconds: options.seconds, connections: options.connections, pid: roster.pid };
  const page = (which: string, path: string) => async () => {
    const result = await load({ ...common, url: `${roster.url}${path}` });
    assertClean(`${label}: history, ${which}`, result);
    return result;
  };
  const [newest, deep] = await inTurns(
    options.rounds,
    page('newest page', historyPath()),
    page(`the page ${DEEP_OFFSET} messages from the oldest`, historyPath(deepStart)),
  );
  const bare = await load({ seconds: options.seconds, connections: options.connections, url: `${baseline.url}/bytes/${responseBytes}`, pid: baseline.pid });
  assertClean(`baseline: history page`, bare);
  const ratio = deep.mean / newest.mean;
  return {
    newest,
    deep,
    turns: options.rounds,
    ratio,
    check: check({ measure: 'deep page latency vs newest', atMost: 1.5, unit: 'factor' }, ratio),
    baseline: bare,
    rosterRatio: newest.requestsPerSecond / bare.requestsPerSecond,
    responseBytes,
  };
}

/** How many messages of `channel` history holds, up to 100. */
async function stored(url: string, channel: string): Promise<number> {
  const text = await send(undefined, `${url}/v3/history/sub-key/${SUB_KEY}/channel/${channel}?max=100`);
  return (JSON.parse(text) as { channels: Record<string, unknown[]> }).channels[channel]?.length ?? 0;
}

/**
 * Publishing on `roster` with storage and with `store=0`, in turns whose order alternates (stored
 * first, then `store=0` first, …), each to 100 channels of its own other than the one read.
 * Afterwards history must hold the stored side's messages and none of the other's.
 */
async function measurePublish(roster: Target, options: HistoryOptions): Promise<PublishStorage> {
  let sent = 0;
  const sides = {
    stored: { query: '', channel: (index: number) => `publish-stored-${index % 100}` },
    unstored: { query: '&store=0', channel: (index: number) => `publish-unstored-${index % 100}` },
  };
  const measure = (name: keyof typeof sides) => async () => {
    const { query, channel } = sides[name];
    const next = () => {
      const index = sent++;
      return { path: `/publish/demo/${SUB_KEY}/0/${channel(index)}/0/${encodeURIComponent(chatMessage(index))}?uuid=user-${index % 1_000}${query}` };
    };
    const result = await load({ seconds: options.seconds, connections: options.connections, url: `${roster.url}${next().path}`, pid: roster.pid, next });
    assertClean(`publish (${name === 'stored' ? 'stored' : 'store=0'})`, result);
    return result;
  };
  const [withStorage, without] = await inTurns(options.rounds, measure('stored'), measure('unstored'));
  const kept = { stored: await stored(roster.url, sides.stored.channel(0)), unstored: await stored(roster.url, sides.unstored.channel(0)) };
  if (kept.stored === 0 || kept.unstored !== 0)
    throw new Error(`publish: history holds ${kept.stored} stored and ${kept.unstored} store=0 messages of the first channel of each`);
  return {
    stored: withStorage,
    unstored: without,
    turns: options.rounds,
    rateRatio: withStorage.requestsPerSecond / without.requestsPerSecond,
    cpuRatio: withStorage.cpuMicrosPerRequest / without.cpuMicrosPerRequest,
  };
}

/**
 * The same channel in a PostgreSQL database made for the run (written through `PostgresStore`,
 * three batches at once, then vacuumed and analyzed) and dropped after it, read on a node with
 * `--store` on it; or why it was skipped.
 */
async function measurePostgres(baseline: Target, channel: Channel, options: HistoryOptions): Promise<NonNullable<HistoryResult['postgres']>> {
  const unavailable = await postgresUnavailable();
  if (unavailable) {
    console.log(`  PostgreSQL history skipped: ${unavailable}`);
    return { skipped: unavailable };
  }
  const database = await createDatabase();
  try {
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    const size = async () => Number((await sql`SELECT pg_database_size(current_database()) AS bytes`)[0]!['bytes']);
    let storage: StorageGrowth;
    let seedSeconds: number;
    try {
      const store = await PostgresStore.open(database.url);
      try {
        await sql`VACUUM`;
        const before = await size();
        seedSeconds = await appendAll(store.messages, channel, 3, 'PostgreSQL');
        await sql`VACUUM ANALYZE`;
        const after = await size();
        storage = { before, after, bytesPerMessage: (after - before) / channel.count };
      } finally {
        await store.close();
      }
    } finally {
      await sql.end({ timeout: 1 });
    }
    const roster = await startRoster({ args: ['--store', database.url] });
    try {
      return { ...(await measurePages(roster, baseline, channel, options, 'PostgreSQL')), seedSeconds, storage };
    } finally {
      await roster.stop();
    }
  } finally {
    await database.drop();
  }
}

export async function runHistory(options: HistoryOptions): Promise<HistoryResult> {
  const channel = benchChannel(options.messages);
  const { dir, storage, seedSeconds } = await sqliteDatabase(channel);
  let payloadBytes = 0;
  for (let index = 0; index < channel.count; index++) payloadBytes += Buffer.byteLength(chatMessage(index));
  payloadBytes /= channel.count;
  console.log(
    `  SQLite: ${channel.count.toLocaleString('en-US')} messages of ${payloadBytes.toFixed(0)} bytes written in ${seedSeconds.toFixed(1)} s; ` +
      `the file grew ${storage.before.toLocaleString('en-US')} → ${storage.after.toLocaleString('en-US')} bytes, ${storage.bytesPerMessage.toFixed(1)} bytes per message`,
  );
  const baseline = await startBaseline();
  try {
    const roster = await startRoster({ dir });
    let sqlite: Omit<HistoryFigures, 'seedSeconds'>;
    let publish: PublishStorage;
    try {
      sqlite = await measurePages(roster, baseline, channel, options, 'SQLite');
      publish = await measurePublish(roster, options);
    } finally {
      await roster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    const postgresFigures = await measurePostgres(baseline, channel, options);
    return {
      messages: channel.count,
      page: PAGE,
      query: HISTORY_QUERY,
      deepOffset: DEEP_OFFSET,
      payloadBytes,
      ...sqlite,
      seedSeconds,
      storage,
      publish,
      postgres: postgresFigures,
    };
  } finally {
    await baseline.stop();
  }
}
