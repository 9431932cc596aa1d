import type { BusMessage, Replay } from './bus.ts';
import { textBytes } from '../kept-bytes.ts';
import { ChannelLog, entryBytes, LOG_OVERHEAD_BYTES, type LoggedMessage, type SharedPayload } from './channel-log.ts';
import type { KeysetChannels } from './delivery-keyset.ts';
import type { HubOptions } from '../model/hub-options.ts';
import type { Timetoken, TimetokenClock } from './timetoken.ts';

/**
 * Dropped logs remembered by channel, at most: past it the oldest are forgotten, and a replay
 * begun before a forgotten drop cannot be joined to a channel with no log (it cannot tell whether
 * the drop was that channel's).
 */
const DROPS_REMEMBERED = 4096;

/** A dropped log's key in `ChannelLogs.#dropped`: its keyset and channel. */
const droppedKey = (space: KeysetChannels, channel: string): string => `${space.subKey}\n${channel}`;

/** How long a log written to again stays where it is in its keyset's order (`ChannelLogs.#place`): a second, in timetoken units. */
const MOVE_EVERY = 10_000_000n;

/** Where a catch-up's replays start, taken before they are read (`ChannelLogs.mark`): what `install` compares with. */
export interface ReplayMark {
  /** `ChannelLog.sinceChanges()` then. */
  readonly sinceChanges: number;
  /** `ChannelLogs.drops` then. */
  readonly drops: number;
}

/**
 * How `ChannelLogs.install` went: `joined`; `raced`, envelopes between the replay and the log may
 * be missing because the log started or was dropped while the replay was read (a replay read now
 * may join); `apart`, the replay cannot join however often it is read (it stopped at its limit,
 * or it and the log together exceed `channelLogSize`).
 */
export type Installed = 'joined' | 'raced' | 'apart';

/** The timetoken before `message` on its channel: its `prev`, or, when unknown, just before its own. */
function previousOf(message: BusMessage, timetoken: Timetoken): Timetoken {
  return message.prev === undefined ? timetoken - 1n : BigInt(message.prev);
}

/**
 * A node's channel logs, kept in each keyset's `logs`: bounded in count per channel
 * (`channelLogSize`), in age (`channelLogSeconds`) and, all keysets together, in memory
 * (`channelLogMiB`, counted in `bytes`).
 *
 * Linked (over a bus that sets `BusMessage.prev`), each log knows from where it is whole
 * (`ChannelLog.since`): a message whose `prev` is not the log's newest shows a gap, and the log
 * starts again from that `prev`; `install` fills a log from the bus's `replay`.
 */
export class ChannelLogs {
  readonly #options: HubOptions;
  readonly #clock: TimetokenClock;
  readonly #spaces: ReadonlyMap<string, KeysetChannels>;
  readonly #linked: boolean;
  #bytes = 0;
  #drops = 0;
  /** Each channel whose log was dropped lately (keyset and channel) with `#drops` once it went, the oldest drop first. */
  readonly #dropped = new Map<string, number>();
  /** `#drops` once the newest drop `#dropped` forgot went. */
  #forgotten = 0;
  /** The shared payloads of the batch being delivered, by text (one per event); emptied when it has been. */
  readonly #batchPayloads = new Map<string, SharedPayload>();
  /** Retention cutoff for the batch being delivered (computed once per batch). */
  #batchCutoff: Timetoken | undefined;

  /**
   * @param spaces every keyset of the node, for the memory bound and retention
   * @param linked the bus links each message to the one before it on its channel (`BusMessage.prev`)
   */
  constructor(options: HubOptions, clock: TimetokenClock, spaces: ReadonlyMap<string, KeysetChannels>, linked = false) {
    this.#options = options;
    this.#clock = clock;
    this.#spaces = spaces;
    this.#linked = linked;
  }

  /** Whole logs dropped so far (past retention or the memory budget). */
  get drops(): number {
    return this.#drops;
  }

  /** Taken before a catch-up reads its replays, for `install` to tell what changed meanwhile. */
  mark(): ReplayMark {
    return { sinceChanges: ChannelLog.sinceChanges(), drops: this.#drops };
  }

  /** Memory held by every channel log of the node (see `ChannelLog.bytes`). */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Logs `message` on its channel of `space`; `undefined` for a redelivery (timetokens increase
   * per channel, so one not past the newest kept is one).
   */
  append(space: KeysetChannels, message: BusMessage, timetoken: Timetoken): LoggedMessage | undefined {
    const { channel } = message;
    let log = space.logs.get(channel);
    if (log && log.tail() >= timetoken) {
      // Not a redelivery but one stored late, that a replay under way may lack (`install`).
      if (timetoken <= log.since) log.passedOver();
      return undefined;
    }
    const prev = this.#linked ? previousOf(message, timetoken) : undefined;
    let before = 0;
    if (log) {
      before = log.bytes;
      if (prev !== undefined && prev !== log.tail()) log.reset(prev); // what came in between never reached this log
    } else {
      log = this.#newLog(channel, prev ?? -1n);
    }
    this.#place(space, channel, log, timetoken);
    log.dropBefore((this.#batchCutoff ??= this.#cutoff()));
    const entry = this.#entryOf(message, timetoken);
    log.append(entry);
    this.#bytes += log.bytes - before;
    this.#keepWithinBudget(space, channel);
    return entry;
  }

  /**
   * Makes `channel`'s log whole from `after` on with what the bus replayed (read up to the
   * channel's last message at the time) followed by what the log took in meanwhile; changes
   * nothing unless `joined` (see `Installed`). The replay is `raced` when the log starts after the
   * replay's last message and was started only once the replay was under way (`mark`, taken
   * before it was read), or when there is no log and this channel's log was dropped since the mark
   * (so was one that took in envelopes the replay may lack). A log that already started before
   * the replay began takes in everything stored after the replay's read, so the two join even
   * across a stretch where the channel had nothing (another subscriber's catch-up started the log
   * at its own, later timetoken). What retention dropped before the replay's first message
   * (`complete: false`) is not waited for: it is gone everywhere.
   */
  install(space: KeysetChannels, channel: string, after: Timetoken, replay: Replay, mark: ReplayMark): Installed {
    if (replay.more) return 'apart';
    const last = replay.messages.at(-1);
    const end = last === undefined ? after : BigInt(last.timetoken);
    const current = space.logs.get(channel);
    if (current ? current.since > end && current.sinceChange > mark.sinceChanges : this.#droppedSince(space, channel, mark.drops)) return 'raced';
    if (current && current.since <= after && this.#extended(space, channel, current, after, replay)) return 'joined';
    const later = current ? current.after(end) : [];
    if (replay.messages.length + later.length > this.#options.channelLogSize) return 'apart';
    const log = this.#newLog(channel, after);
    try {
      for (const message of replay.messages) log.append(this.#entryOf(message, BigInt(message.timetoken)));
    } finally {
      this.#batchPayloads.clear();
    }
    for (const entry of later) {
      if (entry.shared && entry.shared.refs++ === 0) this.#bytes += entry.shared.bytes;
      log.append(entry);
    }
    if (current) this.#remove(space, channel, current);
    this.#place(space, channel, log, log.tail());
    this.#bytes += log.bytes;
    this.#keepWithinBudget(space, channel);
    return 'joined';
  }

  /**
   * `current`, already whole from before the replay's timetoken (another replay, from an earlier
   * one, joined meanwhile), kept rather than cut back to the replay's start: it takes in what the
   * replay holds past its newest envelope. False, changing nothing, when that would push envelopes
   * it needs out of a full log, or when the log ends before the replay's timetoken and the replay
   * does not link to its newest envelope: what lies between (on its way to this node, late) would
   * then be passed over by the new tail and lost to every poll the log answers.
   */
  #extended(space: KeysetChannels, channel: string, current: ChannelLog, after: Timetoken, replay: Replay): boolean {
    const tail = current.tail();
    const past = replay.messages.filter((message) => BigInt(message.timetoken) > tail);
    if (past.length === 0) return true;
    if (tail < after && past[0]!.prev !== tail.toString()) return false;
    if (current.size + past.length > this.#options.channelLogSize) return false;
    const before = current.bytes;
    try {
      for (const message of past) current.append(this.#entryOf(message, BigInt(message.timetoken)));
    } finally {
      this.#batchPayloads.clear();
    }
    this.#place(space, channel, current, current.tail());
    this.#bytes += current.bytes - before;
    this.#keepWithinBudget(space, channel);
    return true;
  }

  /** The batch has been delivered. */
  endBatch(): void {
    if (this.#batchPayloads.size > 0) this.#batchPayloads.clear(); // as FilterVerdicts.clear
    this.#batchCutoff = undefined;
  }

  /** Drops the logs whose newest envelope is past retention. */
  expire(): void {
    const cutoff = this.#cutoff();
    for (const space of this.#spaces.values()) {
      for (const [channel, log] of space.logs) {
        if (log.tail() < cutoff) this.#drop(space, channel, log);
        else if (log.placed >= cutoff) break; // it and every log after it were written to since
      }
    }
  }

  /**
   * Puts `log` at the newest end of its keyset's logs, written to at `written`, unless it was put
   * there less than a second before: the order is that of the logs' last writes to within a
   * second. Moving a log deletes and sets it again, which leaves a deleted slot in the channel's
   * own bucket of V8's Map each time: a channel written to on every delivery would soon cost a
   * walk past thousands of them per envelope (31 µs beside 10,000 other logs).
   */
  #place(space: KeysetChannels, channel: string, log: ChannelLog, written: Timetoken): void {
    const placed = space.logs.get(channel) === log;
    if (placed && written - log.placed < MOVE_EVERY) return;
    this.#putNewest(space, channel, log, written, this.#clock.now());
  }

  /**
   * Puts `log` at the newest end, stamped with `written` but not past `now`: a node running further
   * ahead than `TimetokenClock.observe` follows would otherwise stamp a log that keeps `expire`
   * from the logs after it for as long.
   */
  #putNewest(space: KeysetChannels, channel: string, log: ChannelLog, written: Timetoken, now: Timetoken): void {
    space.logs.delete(channel);
    space.logs.set(channel, log);
    log.placed = written < now ? written : now;
  }

  #cutoff(): Timetoken {
    return this.#clock.now() - BigInt(Math.round(this.#options.channelLogSeconds * 10_000_000));
  }

  /**
   * The log entry for a message. Envelopes in parts keep one payload text per event however many
   * channels it reaches, counted once in `bytes` while any entry refers to it.
   */
  #entryOf(message: BusMessage, timetoken: Timetoken): LoggedMessage {
    const filtered = message.subject !== undefined;
    let json = message.envelope;
    if (typeof json === 'string') return { timetoken, json, filtered, bytes: entryBytes(json) };
    let shared = this.#batchPayloads.get(json.payload);
    if (!shared) this.#batchPayloads.set(json.payload, (shared = { text: json.payload, bytes: textBytes(json.payload), refs: 0 }));
    if (json.payload !== shared.text) json = { ...json, payload: shared.text }; // one text kept, even if the bus copied it
    if (shared.refs++ === 0) this.#bytes += shared.bytes;
    return { timetoken, json, filtered, bytes: entryBytes(json), shared };
  }

  #releaseShared(entry: LoggedMessage): void {
    const shared = entry.shared;
    if (shared && --shared.refs === 0) this.#bytes -= shared.bytes;
  }

  #newLog(channel: string, since: Timetoken): ChannelLog {
    return new ChannelLog(this.#options.channelLogSize, LOG_OVERHEAD_BYTES + textBytes(channel), (dropped) => this.#releaseShared(dropped), since);
  }

  #drop(space: KeysetChannels, channel: string, log: ChannelLog): void {
    this.#drops++;
    const key = droppedKey(space, channel);
    this.#dropped.delete(key); // re-added last: the map stays in drop order
    this.#dropped.set(key, this.#drops);
    if (this.#dropped.size > DROPS_REMEMBERED) {
      const [oldest, at] = this.#dropped.entries().next().value!;
      this.#dropped.delete(oldest);
      this.#forgotten = at;
    }
    this.#remove(space, channel, log);
  }

  /** Whether `channel`'s log may have been dropped after the `drops`-th drop. */
  #droppedSince(space: KeysetChannels, channel: string, drops: number): boolean {
    return this.#forgotten > drops || (this.#dropped.get(droppedKey(space, channel)) ?? 0) > drops;
  }

  #remove(space: KeysetChannels, channel: string, log: ChannelLog): void {
    space.logs.delete(channel);
    this.#bytes -= log.bytes;
    log.clear(); // releases the shared payloads it held
  }

  /**
   * Past the node-wide budget, drops the logs written longest ago, this keyset's first (its
   * map is in about write order), then other keysets'; the log just written to is kept. A log
   * written to in the last second since it was placed (`#place` left it where it was) is moved
   * to the newest end instead, once, as its last write puts it.
   */
  #keepWithinBudget(current: KeysetChannels, written: string): void {
    const budget = this.#options.channelLogMiB * 1024 * 1024;
    if (this.#bytes <= budget) return;
    const now = this.#clock.now();
    for (const space of [current, ...this.#spaces.values()]) {
      for (const [channel, log] of space.logs) {
        if (this.#bytes <= budget) return;
        if (space === current && channel === written) continue;
        const tail = log.tail();
        // `placed < now`: once moved here, a log is not moved again in this pass.
        if (tail > log.placed && tail >= now - MOVE_EVERY && log.placed < now) this.#putNewest(space, channel, log, tail, now);
        else this.#drop(space, channel, log);
      }
    }
  }
}
