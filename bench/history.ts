/**
 * Message history (PubNub's Message Persistence) at depth: on one channel holding `messages`
 * messages, the newest page of 100 and the page whose oldest message is 50 from the channel's
 * oldest cost the same (each is an index seek), on a SQLite node and on a PostgreSQL one; the
 * newest page against the bare `node:http` route serving the same bytes. Also: message counts over
 * 100 channels at once (history-counts.ts); what storing costs a publish (the same node publishing
 * with and without `store=0`) and publish against the bare route answering its bytes; and how many
 * bytes a stored message takes in the SQLite file. Each comparison runs in turns whose order
 * alternates.
 *
 * The channels are written through the store (`store.messages.append`, as publish writes), in
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
import { countSeries, measureCounts, type CountFigures, type CountSeries } from './history-counts.ts';
import { chatMessage, firstTimetoken, STEP } from './lib/chat-message.ts';
import { jsonOfSize } from './lib/json-of-size.ts';
import { load, type LoadResult } from './lib/load.ts';
import { startBaseline, startRoster, type Target } from './lib/processes.ts';
import { assertClean, check, type Check } from './lib/report.ts';
import { send } from './lib/seed.ts';
import { createDatabase, postgresUnavailable } from './lib/services.ts';
import { inTurns } from './lib/turns.ts';

export interface HistoryOptions {
  /** Messages on the channel read. */
  messages: number;
  seconds: number;
  connections: number;
  /** Turns of each side of a comparison (newest and deep page; stored and `store=0` publish; near and far counts), the order alternating. */
  rounds: number;
  /** Messages in each of the 100 channels message counts read. */
  countMessages: number;
}

/** The newest page and a deep one on one node, and the newest against the bare route. */
export interface HistoryFigures {
  /** Over all turns (see `combined` in lib/turns.ts). */
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
  /** Over all turns (see `combined` in lib/turns.ts). */
  stored: LoadResult;
  unstored: LoadResult;
  /** Turns of each. */
  turns: number;
  /** Stored rate over `store=0` rate. */
  rateRatio: number;
  /** Stored CPU per publish over `store=0` CPU per publish. */
  cpuRatio: number;
  /** Bytes of publish's answer (`[1,"Sent","<timetoken>"]`). */
  responseBytes: number;
  /** The bare `node:http` route answering publish's bytes (its smallest body, if larger), under the same load. */
  baseline: LoadResult;
  /** The bare route's body bytes. */
  baselineBytes: number;
  /** Stored publish rate over the bare route's. */
  rosterRatio: number;
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
  /** Message counts over 100 channels at once, on the same node. */
  counts: CountFigures;
  /** Seconds the counted channels' messages took to write through the store. */
  countSeedSeconds: number;
  publish: PublishStorage;
  /** The same pages and counts on a PostgreSQL node (with its database's growth), or why they were skipped. */
  postgres?: (HistoryFigures & { storage: StorageGrowth; counts: CountFigures; countSeedSeconds: number }) | { skipped: string };
}

const SUB_KEY = 'demo';
const CHANNEL = 'history-bench';
const PAGE = 100;
const DEEP_OFFSET = 50;
const BATCH = 5_000;
/** The channel read: message `index`'s timetoken (17 digits, increasing, all in the past). */
interface Channel {
  count: number;
  timetoken(index: number): string;
}

function benchChannel(count: number): Channel {
  const first = firstTimetoken(count);
  return { count, timetoken: (index) => (first + BigInt(index) * STEP).toString() };
}

function storedMessage(channel: Channel, index: number): StoredMessage {
  return { channel: CHANNEL, timetoken: channel.timetoken(index), payload: chatMessage(index), publisher: `user-${index % 1_000}`, messageType: null };
}

/** Messages to write: how many, and message `index` of them. */
interface Series {
  count: number;
  message(index: number): StoredMessage;
}

const channelSeries = (channel: Channel): Series => ({ count: channel.count, message: (index) => storedMessage(channel, index) });

/** Appends a series' messages in batches of `BATCH`, `workers` batches at once; resolves with the seconds taken. */
async function appendAll(messages: MessageStore, series: Series, workers: number, label: string): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < series.count) {
      const start = next;
      next = Math.min(series.count, next + BATCH);
      const batch: StoredMessage[] = [];
      for (let index = start; index < next; index++) batch.push(series.message(index));
      await messages.append(SUB_KEY, batch);
      if (start % 100_000 === 0 && series.count >= 100_000)
        process.stdout.write(`  writing ${series.count.toLocaleString('en-US')} messages to ${label}: ${start.toLocaleString('en-US')}\r`);
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

/**
 * A node's data directory whose database holds the channel, and how much the file grew for it;
 * then the counted channels' messages (not in the growth).
 */
async function sqliteDatabase(
  channel: Channel,
  counted: CountSeries,
): Promise<{ dir: string; storage: StorageGrowth; seedSeconds: number; countSeedSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-history-'));
  const path = join(dir, 'roster.db');
  const store = new SqliteStore({ path, synchronous: 'normal' });
  try {
    const before = await sqliteBytes(store, path);
    const seedSeconds = await appendAll(store.messages, channelSeries(channel), 1, 'SQLite');
    const after = await sqliteBytes(store, path);
    const countSeedSeconds = await appendAll(store.messages, counted, 1, 'SQLite (counted channels)');
    return { dir, storage: { before, after, bytesPerMessage: (after - before) / channel.count }, seedSeconds, countSeedSeconds };
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

/** A publish of message `index` to `channel`, as the SDKs send it (GET, the message in the path). */
const publishPath = (channel: string, index: number, query = '') =>
  `/publish/demo/${SUB_KEY}/0/${channel}/0/${encodeURIComponent(chatMessage(index))}?uuid=user-${index % 1_000}${query}`;

/**
 * Publishing on `roster` with storage and with `store=0`, in turns whose order alternates (stored
 * first, then `store=0` first, …), each to 100 channels of its own other than the one read.
 * Afterwards history must hold the stored side's messages and none of the other's. Then the bare
 * route answering publish's bytes, under the same load.
 */
async function measurePublish(roster: Target, baseline: Target, options: HistoryOptions): Promise<PublishStorage> {
  let sent = 0;
  const sides = {
    stored: { query: '', channel: (index: number) => `publish-stored-${index % 100}` },
    unstored: { query: '&store=0', channel: (index: number) => `publish-unstored-${index % 100}` },
  };
  const measure = (name: keyof typeof sides) => async () => {
    const { query, channel } = sides[name];
    const next = () => {
      const index = sent++;
      return { path: publishPath(channel(index), index, query) };
    };
    const result = await load({ seconds: options.seconds, connections: options.connections, url: `${roster.url}${next().path}`, pid: roster.pid, next });
    assertClean(`publish (${name === 'stored' ? 'stored' : 'store=0'})`, result);
    return result;
  };
  const [withStorage, without] = await inTurns(options.rounds, measure('stored'), measure('unstored'));
  const kept = { stored: await stored(roster.url, sides.stored.channel(0)), unstored: await stored(roster.url, sides.unstored.channel(0)) };
  if (kept.stored === 0 || kept.unstored !== 0)
    throw new Error(`publish: history holds ${kept.stored} stored and ${kept.unstored} store=0 messages of the first channel of each`);
  const answer = await send(undefined, `${roster.url}${publishPath('publish-sample', 0)}`);
  if (!/^\[1,"Sent","\d{17}"\]$/.test(answer)) throw new Error(`publish answered ${answer}`);
  const responseBytes = Buffer.byteLength(answer);
  const bare = await load({ seconds: options.seconds, connections: options.connections, url: `${baseline.url}/bytes/${responseBytes}`, pid: baseline.pid });
  assertClean('baseline: publish', bare);
  return {
    stored: withStorage,
    unstored: without,
    turns: options.rounds,
    rateRatio: withStorage.requestsPerSecond / without.requestsPerSecond,
    cpuRatio: withStorage.cpuMicrosPerRequest / without.cpuMicrosPerRequest,
    responseBytes,
    baseline: bare,
    baselineBytes: jsonOfSize(responseBytes).length,
    rosterRatio: withStorage.requestsPerSecond / bare.requestsPerSecond,
  };
}

/**
 * The same channel and counted channels in a PostgreSQL database made for the run (written
 * through `PostgresStore`, three batches at once, then vacuumed and analyzed) and dropped after
 * it, read on a node with `--store` on it; or why it was skipped.
 */
async function measurePostgres(
  baseline: Target,
  channel: Channel,
  counted: CountSeries,
  options: HistoryOptions,
): Promise<NonNullable<HistoryResult['postgres']>> {
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
    let countSeedSeconds: number;
    try {
      const store = await PostgresStore.open(database.url);
      try {
        await sql`VACUUM`;
        const before = await size();
        seedSeconds = await appendAll(store.messages, channelSeries(channel), 3, 'PostgreSQL');
        await sql`VACUUM ANALYZE`;
        const after = await size();
        storage = { before, after, bytesPerMessage: (after - before) / channel.count };
        countSeedSeconds = await appendAll(store.messages, counted, 3, 'PostgreSQL (counted channels)');
        await sql`VACUUM ANALYZE`;
      } finally {
        await store.close();
      }
    } finally {
      await sql.end({ timeout: 1 });
    }
    const roster = await startRoster({ args: ['--store', database.url] });
    try {
      const pages = await measurePages(roster, baseline, channel, options, 'PostgreSQL');
      const counts = await measureCounts(roster, baseline, counted, options, 'PostgreSQL');
      return { ...pages, seedSeconds, storage, counts, countSeedSeconds };
    } finally {
      await roster.stop();
    }
  } finally {
    await database.drop();
  }
}

export async function runHistory(options: HistoryOptions): Promise<HistoryResult> {
  const channel = benchChannel(options.messages);
  const counted = countSeries(options.countMessages);
  const { dir, storage, seedSeconds, countSeedSeconds } = await sqliteDatabase(channel, counted);
  let payloadBytes = 0;
  for (let index = 0; index < channel.count; index++) payloadBytes += Buffer.byteLength(chatMessage(index));
  payloadBytes /= channel.count;
  console.log(
    `  SQLite: ${channel.count.toLocaleString('en-US')} messages of ${payloadBytes.toFixed(0)} bytes written in ${seedSeconds.toFixed(1)} s; ` +
      `the file grew ${storage.before.toLocaleString('en-US')} → ${storage.after.toLocaleString('en-US')} bytes, ${storage.bytesPerMessage.toFixed(1)} bytes per message; ` +
      `${counted.count.toLocaleString('en-US')} more on ${counted.channels.length} channels in ${countSeedSeconds.toFixed(1)} s`,
  );
  const baseline = await startBaseline();
  try {
    const roster = await startRoster({ dir });
    let sqlite: Omit<HistoryFigures, 'seedSeconds'>;
    let counts: CountFigures;
    let publish: PublishStorage;
    try {
      sqlite = await measurePages(roster, baseline, channel, options, 'SQLite');
      counts = await measureCounts(roster, baseline, counted, options, 'SQLite');
      publish = await measurePublish(roster, baseline, options);
    } finally {
      await roster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    const postgresFigures = await measurePostgres(baseline, channel, counted, options);
    return {
      messages: channel.count,
      page: PAGE,
      query: HISTORY_QUERY,
      deepOffset: DEEP_OFFSET,
      payloadBytes,
      ...sqlite,
      seedSeconds,
      storage,
      counts,
      countSeedSeconds,
      publish,
      postgres: postgresFigures,
    };
  } finally {
    await baseline.stop();
  }
}
