import pLimit, { type LimitFunction } from 'p-limit';
import { AtMostEvery } from '../at-most-every.ts';
import type { Log } from '../model/log.ts';
import type { EventBus, Replay } from './bus.ts';
import { ChannelLog } from './channel-log.ts';
import type { HeldSubscribe, KeysetChannels } from './delivery-keyset.ts';
import type { ChannelLogs, Installed } from './delivery-logs.ts';
import type { Timetoken } from './timetoken.ts';

/** A bus's `replay`. */
export type ReplayChannel = NonNullable<EventBus['replay']>;

/** What a catch-up from the bus gives one subscribe answer. */
export interface Replayed {
  /** Channels whose replay can never join their log (`apart`): the answer reads them from the replay alone. */
  alone: ReadonlyMap<string, ChannelLog>;
  /** The answer goes no further than this (see `Wait.until`); `undefined` when every channel's log is whole now. */
  until: Timetoken | undefined;
}

/** What `BusCatchUp` hands a poll back to once it has caught up, or given up. */
export interface CatchUpHooks {
  /** The poll's channels are caught up (`replayed` says how): answer it or hold it. */
  resume(held: HeldSubscribe, replayed: Replayed): void;
  /** The bus could not replay until the poll's hold time ran out: answer it empty, its timetoken unchanged. */
  expire(held: HeldSubscribe): void;
  /**
   * `channel`'s log took in envelopes from a replay, maybe ones this node's feed has not handed
   * over yet (they will come as redeliveries, waking nobody): wake the polls held on it.
   */
  installed(space: KeysetChannels, channel: string): void;
  millis(): number;
  log: Log;
}

/** Replays run at once for one subscribe, at most. */
const PARALLEL = 16;
/**
 * Replays in flight on one node at most, for all its polls together: a node that many clients
 * reconnect to at once (after a restart, say) asks the bus for a bounded number at a time.
 */
const REPLAYS_IN_FLIGHT = 64;
/**
 * Reads of its replays one poll makes at once while a channel's log is still not whole after them
 * (it changed while they ran, `raced`, or was dropped since); past them it reads once every `RETRY_MS`.
 */
const ROUNDS = 3;
/** How long a poll waits before its replay is tried again when the bus could not answer, in milliseconds. */
const RETRY_MS = 1000;
/**
 * A replay the bus has not answered after this long (ms) counts as failed: its slot and its
 * channel are freed for others, whatever the bus does (NATS's own timeouts end one in about 30 s).
 */
const GIVE_UP_MS = 60_000;
/** At most one line a minute about failed replays, and one about slow ones. */
const REPORT_EVERY_MS = 60_000;
/** A catch-up still waiting on the bus after this long (ms) is logged: its poll is neither answered nor held meanwhile. */
const SLOW_CATCH_UP_MS = 5000;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** A log of what one replay returned, for one answer only: not kept, not counted against `channelLogMiB`. */
function replayedLog(replay: Replay, after: Timetoken): ChannelLog {
  const log = new ChannelLog(replay.messages.length, 0, undefined, after);
  for (const message of replay.messages) {
    log.append({ timetoken: BigInt(message.timetoken), json: message.envelope, filtered: message.subject !== undefined, bytes: 0 });
  }
  return log;
}

/** Adds `by` to the count of polls catching up on each of `held`'s channels (`KeysetChannels.catchingUp`). */
function countCatchingUp(held: HeldSubscribe, by: 1 | -1): void {
  const counts = held.space.catchingUp;
  for (const channel of held.channels) {
    const count = (counts.get(channel) ?? 0) + by;
    if (count > 0) counts.set(channel, count);
    else counts.delete(channel);
  }
}

/** How one channel's catch-up went: `covered`, its log was whole already (another poll's replay made it so). */
interface ChannelReplay {
  installed: Installed | 'covered';
  replay: Replay;
}

const COVERED: ChannelReplay = { installed: 'covered', replay: { messages: [], more: false, complete: true } };

/** A replay of one channel on its way: from `after`, for the polls in `wanted` (its own and those waiting on it). */
interface ReplayOnItsWay {
  readonly after: Timetoken;
  readonly wanted: Set<HeldSubscribe>;
  result: Promise<ChannelReplay>;
}

/** Refuses a replay whose polls all went away (cancelled, expired, closed) before a slot was free for it. */
class NobodyWaits extends Error {}

/**
 * What of `shared`, a replay from an earlier timetoken that could not join its log, a poll from
 * `after` can answer with: the envelopes past `after`, which begin the poll's own replay; none
 * when the shared replay stopped before reaching past `after`.
 */
function replayFrom(shared: Replay, after: Timetoken): Replay | undefined {
  const messages = shared.messages.filter((message) => BigInt(message.timetoken) > after);
  return messages.length === 0 ? undefined : { ...shared, messages };
}

/**
 * `run` over `items`, `PARALLEL` at a time. A batch is waited for whole, failures and all, before
 * the first failure is thrown: a replay still on its way must keep its channel counted as caught
 * up on (`countCatchingUp`) until it is installed.
 */
async function inBatches<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += PARALLEL) {
    for (const settled of await Promise.allSettled(items.slice(start, start + PARALLEL).map(run))) {
      if (settled.status === 'rejected') throw settled.reason;
      results.push(settled.value);
    }
  }
  return results;
}

/**
 * A subscriber's catch-up from the bus's retention, on a node whose channel logs do not reach
 * back to its timetoken (the node started later, dropped the log, or did not log that channel's
 * App Context events): each such channel is replayed from the timetoken and the replay is
 * merged into the channel's log (`ChannelLogs.install`), so the answer, and every later one on
 * this node, reads the logs as usual.
 *
 * A poll waits in it (neither answered nor held) until its replays are in; when the bus cannot
 * replay, it tries again every second. Either way it is answered empty once its hold time runs
 * out. At most 64 replays are on their way at once on a node, and polls share them (`#channel`).
 *
 * @example
 * const catchUp = new BusCatchUp(bus.replay.bind(bus), logs, options.channelLogSize, hooks);
 * if (catchUp.needed(held)) catchUp.start(held); // later: hooks.resume(held, replayed)
 */
export class BusCatchUp {
  readonly #replay: ReplayChannel;
  readonly #logs: ChannelLogs;
  readonly #limit: number;
  readonly #hooks: CatchUpHooks;
  /** Polls waiting for their replays; a cancelled or closed one is removed, and its replay's result dropped. */
  readonly #pending = new Set<HeldSubscribe>();
  readonly #slots: LimitFunction = pLimit(REPLAYS_IN_FLIGHT);
  /** The replay on its way of each keyset's channels: another poll needing the channel waits for it, then looks again. */
  readonly #inFlight = new WeakMap<KeysetChannels, Map<string, ReplayOnItsWay>>();
  readonly #giveUpMs: number;
  readonly #failures: AtMostEvery;
  readonly #slowOnes: AtMostEvery;
  #gaps = 0;

  /**
   * @param limit envelopes replayed per channel at most (`channelLogSize`: what a log can hold).
   * @param giveUpMs how long a replay may take before it counts as failed, in milliseconds.
   */
  constructor(replay: ReplayChannel, logs: ChannelLogs, limit: number, hooks: CatchUpHooks, giveUpMs = GIVE_UP_MS) {
    this.#replay = replay;
    this.#giveUpMs = giveUpMs;
    this.#logs = logs;
    this.#limit = limit;
    this.#hooks = hooks;
    this.#failures = new AtMostEvery(REPORT_EVERY_MS, hooks.millis);
    this.#slowOnes = new AtMostEvery(REPORT_EVERY_MS, hooks.millis);
  }

  /** Polls waiting for a replay now. */
  get size(): number {
    return this.#pending.size;
  }

  /** Replays that found part of their gap dropped by the bus's retention, so far. */
  get gaps(): number {
    return this.#gaps;
  }

  /** Whether some channel's log on this node lacks envelopes `held` waits for. */
  needed(held: HeldSubscribe): boolean {
    return held.channels.some((channel) => {
      const log = held.space.logs.get(channel);
      return !log || log.since > held.after;
    });
  }

  /** Catches `held` up from the bus, then hands it to `resume` (or `expire`), unless it is cancelled first. */
  start(held: HeldSubscribe): void {
    this.#pending.add(held);
    countCatchingUp(held, 1);
    const slow = setTimeout(() => this.#reportSlow(held.channels.length), SLOW_CATCH_UP_MS).unref();
    // Its channels count as caught up on until its run ends: a replay still in flight when the poll
    // is cancelled is installed all the same, and must find what reached them meanwhile logged.
    void this.#run(held).finally(() => {
      clearTimeout(slow);
      countCatchingUp(held, -1);
    });
  }

  /** Forgets a poll whose client went away; `false` when it was not waiting here. */
  cancel(held: HeldSubscribe): boolean {
    return this.#pending.delete(held);
  }

  /** Forgets every waiting poll and returns them, for their owner to answer. */
  drain(): HeldSubscribe[] {
    const all = [...this.#pending];
    this.#pending.clear();
    return all;
  }

  async #run(held: HeldSubscribe): Promise<void> {
    for (let round = 1; ;) {
      const missing = this.uncovered(held.space, held.channels, held.after);
      let replayed: Replayed = { alone: new Map(), until: undefined };
      if (missing.length > 0) {
        try {
          replayed = await this.#fetchWithin(held, missing);
        } catch (error) {
          if (!this.#pending.has(held)) return;
          this.#report(error);
          if (await this.#retryLater(held)) continue;
          return;
        }
        if (!this.#pending.has(held)) return;
        const left = this.uncovered(held.space, held.channels, held.after).filter((channel) => !replayed.alone.has(channel));
        // Still a channel with nothing known past `after`: the answer cannot move on.
        if (left.length > 0 && round++ < ROUNDS) continue;
        if (left.length > 0) replayed = { ...replayed, until: held.after };
        // Answered now, it would be empty at the client's own timetoken and bring the same poll
        // straight back, in a loop for as long as the join keeps failing: it waits instead.
        if (replayed.until === held.after) {
          if (await this.#retryLater(held)) continue;
          return;
        }
      }
      return this.#end(held, () => this.#hooks.resume(held, replayed));
    }
  }

  /**
   * `#fetch` for `held`, which is answered empty (`expire`) should its hold time run out first
   * (its replays waiting for a slot, say). The run still waits for the replays to settle, so its
   * channels count as caught up on until they are installed.
   */
  async #fetchWithin(held: HeldSubscribe, channels: readonly string[]): Promise<Replayed> {
    // A poll come back past its hold time (the sweep settled it, its log since reset) is caught up, not answered empty at once.
    const left = held.deadline - this.#hooks.millis();
    const overdue = left > 0 ? setTimeout(() => this.#end(held, () => this.#hooks.expire(held)), left).unref() : undefined;
    try {
      return await this.#fetch(held, channels);
    } finally {
      clearTimeout(overdue);
    }
  }

  /**
   * Waits `RETRY_MS` (at most the hold time left) before `held`'s catch-up is tried again; false
   * when it is not to be: its hold time is over (it is answered empty at its own timetoken) or it
   * was cancelled meanwhile.
   */
  async #retryLater(held: HeldSubscribe): Promise<boolean> {
    const left = held.deadline - this.#hooks.millis();
    if (left <= 0) {
      this.#end(held, () => this.#hooks.expire(held));
      return false;
    }
    await pause(Math.min(RETRY_MS, left));
    return this.#pending.has(held);
  }

  #end(held: HeldSubscribe, then: () => void): void {
    if (this.#pending.delete(held)) then();
  }

  #report(error: unknown): void {
    if (!this.#failures.due()) return;
    this.#hooks.log.error({ err: error }, 'A subscriber could not catch up from the event bus; its long-poll waits and tries again');
  }

  #reportSlow(channels: number): void {
    if (!this.#slowOnes.due()) return;
    this.#hooks.log.warn(
      { channels, waitedMs: SLOW_CATCH_UP_MS },
      'A subscriber has waited 5 s to be caught up from the event bus; its long-poll is answered once it is',
    );
  }

  /** The channels whose log on this node does not hold every envelope after `after`. */
  uncovered(space: KeysetChannels, channels: readonly string[], after: Timetoken): string[] {
    const missing: string[] = [];
    for (const channel of channels) {
      const log = space.logs.get(channel);
      if (!log || log.since > after) missing.push(channel);
    }
    return missing;
  }

  /**
   * Replays `held`'s `channels` after its timetoken and makes their logs whole with it. A channel
   * whose replay cannot join its log (more than a log holds) is read from the replay alone, and
   * the answer stops where that replay stopped; one whose log started or was dropped while the
   * replay ran (`raced`) is in neither, left for the next round to read again. Rejects when a
   * replay fails (the bus is unreachable, or did not answer within the give-up time).
   */
  async #fetch(held: HeldSubscribe, channels: readonly string[]): Promise<Replayed> {
    const after = held.after;
    const replays = await inBatches(channels, (channel) => this.#channel(held, channel, after));
    const alone = new Map<string, ChannelLog>();
    let until: Timetoken | undefined;
    channels.forEach((channel, index) => {
      const { installed, replay } = replays[index]!;
      if (installed !== 'apart') return;
      alone.set(channel, replayedLog(replay, after));
      const last = replay.messages.at(-1);
      const reached = last === undefined ? after : BigInt(last.timetoken);
      if (until === undefined || reached < until) until = reached;
    });
    return { alone, until };
  }

  /**
   * Makes `channel`'s log whole after `after`, unless it already is. One replay of a channel is
   * shared on this node: a poll that finds one on its way from no later a timetoken waits for it,
   * once, and fails with it. Then the log may cover the poll, or the replay (too long to join the
   * log) may hold what comes after its timetoken; if neither, it replays for itself. So polls
   * reconnecting together on a channel share a replay rather than each asking the bus, and none
   * waits on more than one other replay, whatever timetokens other clients send.
   */
  async #channel(held: HeldSubscribe, channel: string, after: Timetoken): Promise<ChannelReplay> {
    const { space } = held;
    if (this.uncovered(space, [channel], after).length === 0) return COVERED;
    let inFlight = this.#inFlight.get(space);
    if (inFlight === undefined) this.#inFlight.set(space, (inFlight = new Map()));
    const ahead = inFlight.get(channel);
    if (ahead !== undefined && ahead.after <= after) {
      ahead.wanted.add(held);
      // Refused for want of polls, it was refused before this one came: not a failure of the bus.
      const shared = await ahead.result.catch((error: unknown) => {
        if (error instanceof NobodyWaits) return COVERED;
        throw error;
      });
      // The log first: made whole meanwhile, it holds more than a replay cut at its limit.
      if (this.uncovered(space, [channel], after).length === 0) return COVERED;
      if (shared.installed === 'apart') {
        const replay = ahead.after === after ? shared.replay : replayFrom(shared.replay, after);
        if (replay !== undefined) return { installed: 'apart', replay };
      }
    }
    return this.#replayOwn(held, channel, after, inFlight);
  }

  /**
   * A replay of `channel` for `held`, shared with the polls that come while it is on its way,
   * unless another one from an earlier timetoken is (more polls can wait on that one).
   */
  async #replayOwn(held: HeldSubscribe, channel: string, after: Timetoken, inFlight: Map<string, ReplayOnItsWay>): Promise<ChannelReplay> {
    const own: ReplayOnItsWay = { after, wanted: new Set([held]), result: Promise.resolve(COVERED) };
    own.result = this.#slots(() => this.#replayInto(held.space, channel, own));
    const registered = inFlight.get(channel);
    if (registered === undefined || after < registered.after) inFlight.set(channel, own);
    try {
      return await own.result;
    } finally {
      if (inFlight.get(channel) === own) inFlight.delete(channel);
    }
  }

  /**
   * Runs `own` once a slot is free: not at all when every poll that wanted it went away while it
   * waited (`NobodyWaits`), or when a replay from an earlier timetoken made the log whole past
   * its own meanwhile (`COVERED`); one on its way when they go is installed all the same.
   */
  async #replayInto(space: KeysetChannels, channel: string, own: ReplayOnItsWay): Promise<ChannelReplay> {
    if (![...own.wanted].some((held) => this.#pending.has(held))) throw new NobodyWaits();
    if (this.uncovered(space, [channel], own.after).length === 0) return COVERED;
    const mark = this.#logs.mark();
    const replay = await this.#answeredWithin(this.#replay(space.subKey, channel, own.after.toString(), this.#limit));
    if (!replay.complete) this.#gaps++;
    const installed = this.#logs.install(space, channel, own.after, replay, mark);
    if (installed === 'joined') this.#hooks.installed(space, channel);
    return { installed, replay };
  }

  /** `replay`, or a failure once the give-up time has passed without it. */
  async #answeredWithin(replay: Promise<Replay>): Promise<Replay> {
    let timer: NodeJS.Timeout | undefined;
    const givenUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`The event bus did not answer a replay within ${this.#giveUpMs} ms`)), this.#giveUpMs).unref();
    });
    try {
      return await Promise.race([replay, givenUp]);
    } finally {
      clearTimeout(timer);
    }
  }
}
