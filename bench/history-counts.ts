/**
 * Message counts (`GET /v3/history/sub-key/{sub}/message-counts/{channels}?timetoken=…`, the
 * Chat SDK's unread counts) over 100 channels at once, each holding `perChannel` messages: with
 * the timetoken near the newest (10 newer messages in each channel) and far back (before every
 * message, so each channel counts up to PubNub's cap of 10,000), each against the bare
 * `node:http` route answering the same bytes. A count is a range seek on (keyset, channel,
 * timetoken) that stops at the cap, so neither reads a channel's whole history.
 */
import { MAX_MESSAGE_COUNT } from '../packages/server/src/messages/service.ts';
import type { StoredMessage } from '../packages/server/src/store/store.ts';
import { chatMessage, firstTimetoken, STEP } from './lib/chat-message.ts';
import { load, type LoadResult } from './lib/load.ts';
import type { Target } from './lib/processes.ts';
import { assertClean } from './lib/report.ts';
import { send } from './lib/seed.ts';
import { inTurns } from './lib/turns.ts';

const SUB_KEY = 'demo';
/** Channels of one count: PubNub's most. */
export const COUNT_CHANNELS = 100;
/** Messages of each channel newer than the "near" timetoken. */
const NEAR = 10;

/**
 * The counted channels' messages, interleaved in time as a chat's are: message `index` is
 * message `floor(index / 100)` of channel `index % 100`, 100 ms after message `index - 1`.
 */
export interface CountSeries {
  channels: string[];
  perChannel: number;
  /** Messages in all. */
  count: number;
  message(index: number): StoredMessage;
}

export function countSeries(perChannel: number): CountSeries {
  const channels = Array.from({ length: COUNT_CHANNELS }, (_, index) => `counts-${index}`);
  const count = perChannel * COUNT_CHANNELS;
  const first = firstTimetoken(count);
  return {
    channels,
    perChannel,
    count,
    message: (index) => ({
      channel: channels[index % COUNT_CHANNELS]!,
      timetoken: (first + BigInt(index) * STEP).toString(),
      payload: chatMessage(index),
      publisher: `user-${index % 1_000}`,
      messageType: null,
    }),
  };
}

/** One timetoken's counts: the load on Roster, the bare route at the answer's size under the same load, and what each channel counted. */
export interface CountLoad {
  /** Over all turns. */
  roster: LoadResult;
  baseline: LoadResult;
  /** Roster's rate over the bare route's. */
  ratio: number;
  /** What every channel counted (checked before the load). */
  perChannel: number;
  responseBytes: number;
  /** Milliseconds of one count asked alone, before the load (the fastest of three). */
  aloneMs: number;
  /** The load's shape (see `loadShape`). */
  connections: number;
  seconds: number;
}

export interface CountFigures {
  channels: number;
  /** Messages in each channel. */
  messagesPerChannel: number;
  /** Turns of each timetoken, the order alternating. */
  turns: number;
  /** The timetoken 10 messages before each channel's newest. */
  near: CountLoad;
  /** A timetoken before every message: each channel counts to the cap. */
  far: CountLoad;
}

interface CountOptions {
  seconds: number;
  connections: number;
  rounds: number;
}

/** The queued requests' wait at most this share of a run, and each connection completes this many requests or more. */
const REQUESTS_PER_CONNECTION = 8;

/**
 * Connections and seconds for a request that takes `aloneMs` alone. A count that takes seconds
 * (far back, on a slow store) under the usual 50 connections would wait in line past the run's
 * end and the client's timeout: fewer connections and a longer run then let each connection
 * complete several. A fast one keeps the usual load.
 */
function loadShape(aloneMs: number, options: CountOptions): { connections: number; seconds: number } {
  const budget = (options.seconds * 1000) / (REQUESTS_PER_CONNECTION * Math.max(aloneMs, 0.001));
  return {
    connections: Math.max(1, Math.min(options.connections, Math.floor(budget))),
    seconds: Math.max(options.seconds, Math.ceil((REQUESTS_PER_CONNECTION * aloneMs) / 1000)),
  };
}

const countsPath = (series: CountSeries, timetoken: bigint) =>
  `/v3/history/sub-key/${SUB_KEY}/message-counts/${series.channels.join(',')}?timetoken=${timetoken}`;

/**
 * Asks three times, checking every channel counts `expected`; resolves with the answer's bytes and
 * the fastest asking's milliseconds (the first may find cold caches).
 */
async function checkedCounts(url: string, series: CountSeries, timetoken: bigint, expected: number): Promise<{ bytes: number; aloneMs: number }> {
  let text = '';
  let aloneMs = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = performance.now();
    text = await send(undefined, `${url}${countsPath(series, timetoken)}`);
    aloneMs = Math.min(aloneMs, performance.now() - started);
  }
  const counts = (JSON.parse(text) as { channels: Record<string, number> }).channels;
  const wrong = series.channels.filter((channel) => counts[channel] !== expected);
  if (wrong.length > 0) throw new Error(`message counts after ${timetoken}: ${wrong[0]} counted ${counts[wrong[0]!]}, not ${expected}`);
  return { bytes: Buffer.byteLength(text), aloneMs };
}

export async function measureCounts(roster: Target, baseline: Target, series: CountSeries, options: CountOptions, label: string): Promise<CountFigures> {
  const message = (index: number) => BigInt(series.message(index).timetoken);
  const sides = {
    // Just before message (perChannel − NEAR) of channel 0, the first of the last NEAR rounds.
    near: { timetoken: message((series.perChannel - NEAR) * COUNT_CHANNELS) - 1n, perChannel: NEAR },
    far: { timetoken: message(0) - 1n, perChannel: Math.min(series.perChannel, MAX_MESSAGE_COUNT) },
  };
  type Side = keyof typeof sides;
  const checked = {
    near: await checkedCounts(roster.url, series, sides.near.timetoken, sides.near.perChannel),
    far: await checkedCounts(roster.url, series, sides.far.timetoken, sides.far.perChannel),
  };
  const shape = { near: loadShape(checked.near.aloneMs, options), far: loadShape(checked.far.aloneMs, options) };
  // Long enough for a request queued behind all the others, with room for a machine busier than
  // when `aloneMs` was read (a full run saw 9 of 196 far counts time out at 10 s).
  const timeout = (side: Side) => Math.max(30, Math.ceil((4 * shape[side].connections * checked[side].aloneMs) / 1000));
  const counts = (side: Side) => async () => {
    const url = `${roster.url}${countsPath(series, sides[side].timetoken)}`;
    const result = await load({ ...shape[side], url, pid: roster.pid, timeout: timeout(side) });
    assertClean(`${label}: message counts of ${COUNT_CHANNELS} channels (${side})`, result);
    return result;
  };
  const [near, far] = await inTurns(options.rounds, counts('near'), counts('far'));
  const bare = async (side: Side) => {
    const result = await load({ ...shape[side], url: `${baseline.url}/bytes/${checked[side].bytes}`, pid: baseline.pid });
    assertClean(`baseline: message counts (${side})`, result);
    return result;
  };
  const figures = async (run: LoadResult, side: Side): Promise<CountLoad> => {
    const bareRun = await bare(side);
    return {
      roster: run,
      baseline: bareRun,
      ratio: run.requestsPerSecond / bareRun.requestsPerSecond,
      perChannel: sides[side].perChannel,
      responseBytes: checked[side].bytes,
      aloneMs: checked[side].aloneMs,
      ...shape[side],
    };
  };
  return {
    channels: COUNT_CHANNELS,
    messagesPerChannel: series.perChannel,
    turns: options.rounds,
    near: await figures(near, 'near'),
    far: await figures(far, 'far'),
  };
}
