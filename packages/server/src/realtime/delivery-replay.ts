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

async function inBatches<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += PARALLEL) results.push(...(await Promise.all(items.slice(start, start + PARALLEL).map(run))));
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
 * replay, it tries again every second until the poll's hold time runs out.
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
  readonly #inFlight = new WeakMap<KeysetChannels, Map<string, Promise<ChannelReplay>>>();
  readonly #failures: AtMostEvery;
  readonly #slowOnes: AtMostEvery;
  #gaps = 0;

  /** @param limit envelopes replayed per channel at most (`channelLogSize`: what a log can hold). */
  constructor(replay: ReplayChannel, logs: ChannelLogs, limit: number, hooks: CatchUpHooks) {
    this.#replay = replay;
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
          replayed = await this.fetch(held.space, missing, held.after);
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
   * Replays `channels` after `after` and makes their logs whole with it. A channel whose replay
   * cannot join its log (more than a log holds) is read from the replay alone, and the answer
   * stops where that replay stopped; one whose log started or was dropped while the replay ran
   * (`raced`) is in neither, left for the next round to read again. Rejects when a replay fails
   * (the bus is unreachable).
   */
  async fetch(space: KeysetChannels, channels: readonly string[], after: Timetoken): Promise<Replayed> {
    const replays = await inBatches(channels, (channel) => this.#channel(space, channel, after));
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
   * Makes `channel`'s log whole after `after`, unless it already is. One replay of a channel runs
   * at a time on this node: a poll that finds one on its way waits for it and looks again, so
   * polls reconnecting together on a channel share a replay rather than each asking the bus.
   */
  async #channel(space: KeysetChannels, channel: string, after: Timetoken): Promise<ChannelReplay> {
    let inFlight = this.#inFlight.get(space);
    if (inFlight === undefined) this.#inFlight.set(space, (inFlight = new Map()));
    for (let ahead = inFlight.get(channel); ahead !== undefined; ahead = inFlight.get(channel)) await ahead.catch(() => undefined);
    if (this.uncovered(space, [channel], after).length === 0) return COVERED;
    const replaying = this.#slots(() => this.#replayInto(space, channel, after));
    inFlight.set(channel, replaying);
    try {
      return await replaying;
    } finally {
      if (inFlight.get(channel) === replaying) inFlight.delete(channel);
    }
  }

  async #replayInto(space: KeysetChannels, channel: string, after: Timetoken): Promise<ChannelReplay> {
    const mark = this.#logs.mark();
    const replay = await this.#replay(space.subKey, channel, after.toString(), this.#limit);
    if (!replay.complete) this.#gaps++;
    const installed = this.#logs.install(space, channel, after, replay, mark);
    if (installed === 'joined') this.#hooks.installed(space, channel);
    return { installed, replay };
  }
}
