import type { ObjectEvent, ObjectEventSink } from '../objects/events.ts';
import { ChannelLog, entryBytes, LOG_OVERHEAD_BYTES, subjectOf, textBytes, type FilterSubject, type LoggedMessage } from './channel-log.ts';
import { appContextEnvelope, messageEnvelope, subscribeBody, type EnvelopeOrigin } from './envelope.ts';
import type { MessageFilter } from './message-filter.ts';
import { TimetokenClock, type Timetoken } from './timetoken.ts';

/** How a node's real-time layer behaves; each has a CLI flag and an env var (see config.ts). */
export interface HubOptions {
  /** Non-zero region id sent with every timetoken (the JS SDK stalls on `r: 0`). @default 1 */
  region: number;
  /** How long a long-poll with nothing to deliver is held before it answers empty. @default 280 */
  holdSeconds: number;
  /** Envelopes kept per channel for reconnecting subscribers. @default 100 */
  channelLogSize: number;
  /** How long a channel's envelopes are kept. @default 600 */
  channelLogSeconds: number;
  /**
   * Memory all channel logs of the node may hold together, in MiB; past it, the logs written
   * longest ago are dropped whole. Counted: each envelope's text (1 byte a character, 2 when it
   * holds one beyond U+00FF) plus `ENTRY_OVERHEAD_BYTES`, and each log's name plus
   * `LOG_OVERHEAD_BYTES` (channel-log.ts). @default 256
   */
  channelLogMiB: number;
  /** Envelopes in one subscribe answer; the client polls again at once for the rest. @default 100 */
  maxMessagesPerAnswer: number;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  region: 1,
  holdSeconds: 280,
  channelLogSize: 100,
  channelLogSeconds: 600,
  channelLogMiB: 256,
  maxMessagesPerAnswer: 100,
};

/** A subscribe long-poll, validated. */
export interface SubscribeQuery {
  subKey: string;
  /** Distinct channel names; each is also the subscription name (`b`). */
  channels: readonly string[];
  /** The client's last timetoken; `undefined` for a handshake. */
  after: Timetoken | undefined;
  filter: MessageFilter | undefined;
}

/** A message from `/publish`. */
export interface MessageInput {
  payload: unknown;
  meta: unknown;
  publisher: string | undefined;
  customMessageType: string | undefined;
}

/** A long-poll waiting for envelopes; hand it back to `cancel` when its client goes away. */
export interface HeldSubscribe {
  readonly space: KeysetChannels;
  readonly channels: readonly string[];
  /**
   * Envelopes after this timetoken are what it waits for. The hub moves it past each message
   * its filter refuses, so that waking it examines only what has just been published.
   */
  after: Timetoken;
  readonly filter: MessageFilter | undefined;
  /** `Date.now()` at which it answers empty. */
  readonly deadline: number;
  readonly answer: (body: string) => void;
}

/** One keyset's channels: recent envelopes, and who waits on each channel. */
class KeysetChannels {
  /** Ordered by last append, oldest first, so expired logs are dropped from the front. */
  readonly logs = new Map<string, ChannelLog>();
  readonly waiters = new Map<string, Set<HeldSubscribe>>();
  readonly subKey: string;

  constructor(subKey: string) {
    this.subKey = subKey;
  }
}

const byTimetoken = (a: LoggedMessage, b: LoggedMessage) => (a.timetoken < b.timetoken ? -1 : a.timetoken > b.timetoken ? 1 : 0);

/**
 * Envelope text one subscribe answer may parse again to run its filter over kept messages
 * (a reconnect catching up); past it, the answer goes out with what it has and its cursor, and
 * the client's next poll goes on from there.
 */
export const CATCH_UP_PARSE_CHARS = 1024 * 1024;

function evaluate(filter: MessageFilter, subject: FilterSubject): boolean {
  try {
    return filter(subject);
  } catch {
    return false; // a filter never fails a publish
  }
}

/** A message being published: its parsed form, and each distinct filter's verdict on it (one evaluation each). */
interface Fresh {
  subject: FilterSubject;
  verdicts: Map<MessageFilter, boolean>;
}

/**
 * The node's real-time core: it timestamps and logs every envelope (App Context events from the
 * domain, messages from `/publish`) and answers held subscribe long-polls.
 *
 * Idle long-polls cost no timer each: they sit in an index of channel → Set of waiters, and
 * one sweep timer answers those whose hold time has run out (waiters are kept in deadline
 * order, so a sweep stops at the first one still in time).
 *
 * @example
 * const hub = new RealtimeHub({ holdSeconds: 30 });
 * const objects = new ObjectsService(store, hub); // App Context events flow into the hub
 * hub.publishMessage('demo', 'room', { payload: 'hi', meta: undefined, publisher: 'u1', customMessageType: undefined });
 */
export class RealtimeHub implements ObjectEventSink {
  readonly options: HubOptions;
  readonly #clock: TimetokenClock;
  readonly #millis: () => number;
  readonly #spaces = new Map<string, KeysetChannels>();
  /** Every held long-poll, in deadline order (all share one hold time). */
  readonly #held = new Set<HeldSubscribe>();
  readonly #sweep: NodeJS.Timeout;
  /** Memory held by every channel log of the node (see `ChannelLog.bytes`). */
  #logBytes = 0;
  /** The messages of the publish under way; emptied when it has been delivered. */
  readonly #fresh = new Map<LoggedMessage, Fresh>();
  #closed = false;

  constructor(options: Partial<HubOptions> = {}, clock = new TimetokenClock(), millis: () => number = Date.now) {
    this.options = { ...DEFAULT_HUB_OPTIONS, ...options };
    this.#clock = clock;
    this.#millis = millis;
    const every = Math.min(1000, Math.max(20, (this.options.holdSeconds * 1000) / 10));
    this.#sweep = setInterval(() => this.sweep(), every);
    this.#sweep.unref();
  }

  /** The current timetoken (for `/time/0` and empty answers). */
  now(): Timetoken {
    return this.#clock.now();
  }

  /** App Context events, called by the domain right after each committed change. */
  publish(subKey: string, events: ObjectEvent[]): void {
    if (events.length === 0) return;
    const space = this.#space(subKey);
    const woken = new Set<HeldSubscribe>();
    for (const event of events) {
      const payloadJson = JSON.stringify(event.payload);
      for (const channel of new Set(event.channels)) {
        this.#append(space, channel, woken, undefined, (origin) => appContextEnvelope(origin, payloadJson));
      }
    }
    this.#deliver(woken);
  }

  /** A published message; answers its timetoken. */
  publishMessage(subKey: string, channel: string, message: MessageInput): string {
    const space = this.#space(subKey);
    const woken = new Set<HeldSubscribe>();
    const published = {
      payloadJson: JSON.stringify(message.payload),
      metaJson: message.meta === undefined ? undefined : JSON.stringify(message.meta),
      publisher: message.publisher,
      customMessageType: message.customMessageType,
    };
    const subject: FilterSubject = { meta: message.meta, data: message.payload, publisher: message.publisher };
    const timetoken = this.#append(space, channel, woken, subject, (origin) => messageEnvelope(origin, published));
    this.#deliver(woken);
    return timetoken;
  }

  /**
   * Answers a subscribe at once (handshake, or envelopes already after the client's timetoken)
   * by calling `answer`, or holds it and answers later; a held one is returned for `cancel`.
   */
  subscribe(query: SubscribeQuery, answer: (body: string) => void): HeldSubscribe | undefined {
    const now = this.#clock.now();
    if (query.after === undefined || this.#closed) {
      answer(subscribeBody(now.toString(), this.options.region));
      return undefined;
    }
    // A timetoken from the future (another clock, or a restart after the clock stepped back)
    // would hide messages published here until this clock caught up: nothing newer than `now`
    // exists, so waiting from `now` loses nothing.
    let after = query.after > now ? now : query.after;
    const space = this.#space(query.subKey);
    const found = this.#collect(space, query.channels, after, query.filter);
    if (found.envelopes.length > 0 || found.unexamined) {
      answer(subscribeBody(found.cursor!.toString(), this.options.region, found.envelopes));
      return undefined;
    }
    if (found.cursor !== undefined) after = found.cursor; // everything up to here was filtered out
    const held: HeldSubscribe = {
      space,
      channels: query.channels,
      after,
      filter: query.filter,
      deadline: this.#millis() + this.options.holdSeconds * 1000,
      answer,
    };
    this.#held.add(held);
    for (const channel of query.channels) {
      let waiting = space.waiters.get(channel);
      if (!waiting) space.waiters.set(channel, (waiting = new Set()));
      waiting.add(held);
    }
    return held;
  }

  /** Forgets a held long-poll whose client went away; it is not answered. */
  cancel(held: HeldSubscribe): void {
    this.#release(held);
  }

  /** Answers long-polls whose hold time ran out, and drops channel logs past their retention. */
  sweep(): void {
    const now = this.#millis();
    for (const held of this.#held) {
      if (held.deadline > now) break;
      this.#answerEmpty(held);
    }
    const cutoff = this.#cutoff();
    for (const space of this.#spaces.values()) {
      for (const [channel, log] of space.logs) {
        if ((log.newest() ?? 0n) >= cutoff) break;
        this.#dropLog(space, channel, log);
      }
    }
  }

  /** Answers every held long-poll now (empty, with the current timetoken) and stops the sweep. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweep);
    for (const held of this.#held) this.#answerEmpty(held);
  }

  /** Counts for tests and benchmarks; `logBytes` is what the channel logs count against `channelLogMiB`. */
  stats(): { held: number; channels: number; waitedChannels: number; logBytes: number } {
    let channels = 0;
    let waitedChannels = 0;
    for (const space of this.#spaces.values()) {
      channels += space.logs.size;
      waitedChannels += space.waiters.size;
    }
    return { held: this.#held.size, channels, waitedChannels, logBytes: this.#logBytes };
  }

  #space(subKey: string): KeysetChannels {
    let space = this.#spaces.get(subKey);
    if (!space) this.#spaces.set(subKey, (space = new KeysetChannels(subKey)));
    return space;
  }

  #cutoff(): Timetoken {
    return this.#clock.now() - BigInt(Math.round(this.options.channelLogSeconds * 10_000_000));
  }

  #append(
    space: KeysetChannels,
    channel: string,
    woken: Set<HeldSubscribe>,
    subject: FilterSubject | undefined,
    envelope: (origin: EnvelopeOrigin) => string,
  ): string {
    const timetoken = this.#clock.next();
    const text = timetoken.toString();
    const json = envelope({ subKey: space.subKey, channel, timetoken: text, region: this.options.region });
    let log = space.logs.get(channel);
    let before = 0;
    if (log) {
      space.logs.delete(channel);
      before = log.bytes;
    } else {
      log = new ChannelLog(this.options.channelLogSize, LOG_OVERHEAD_BYTES + textBytes(channel));
    }
    space.logs.set(channel, log); // moved to the end: the most recently written
    log.dropBefore(this.#cutoff());
    const entry: LoggedMessage = { timetoken, json, filtered: subject !== undefined, bytes: entryBytes(json) };
    log.append(entry);
    this.#logBytes += log.bytes - before;
    this.#keepLogsWithinBudget(space, channel);
    if (subject) this.#fresh.set(entry, { subject, verdicts: new Map() });
    const waiting = space.waiters.get(channel);
    if (!waiting) return text;
    for (const held of waiting) {
      if (this.#passes(held.filter, entry)) woken.add(held);
      else if (!woken.has(held)) held.after = timetoken; // all it waits on up to here was refused
    }
    return text;
  }

  /**
   * Whether `filter` lets `entry` through. A message being published is evaluated once per
   * distinct filter; a kept one is parsed again from its text (counted in `parsed`).
   */
  #passes(filter: MessageFilter | undefined, entry: LoggedMessage, parsed?: { chars: number }): boolean {
    if (!filter || !entry.filtered) return true;
    const fresh = this.#fresh.get(entry);
    if (!fresh) {
      if (parsed) parsed.chars += entry.json.length;
      return evaluate(filter, subjectOf(entry));
    }
    let verdict = fresh.verdicts.get(filter);
    if (verdict === undefined) fresh.verdicts.set(filter, (verdict = evaluate(filter, fresh.subject)));
    return verdict;
  }

  #dropLog(space: KeysetChannels, channel: string, log: ChannelLog): void {
    space.logs.delete(channel);
    this.#logBytes -= log.bytes;
  }

  /**
   * Past the node-wide budget, drops the logs written longest ago, this keyset's first (its
   * map is in write order), then other keysets'; the log just written to is kept.
   */
  #keepLogsWithinBudget(current: KeysetChannels, written: string): void {
    const budget = this.options.channelLogMiB * 1024 * 1024;
    if (this.#logBytes <= budget) return;
    for (const space of [current, ...this.#spaces.values()]) {
      for (const [channel, log] of space.logs) {
        if (this.#logBytes <= budget) return;
        if (space !== current || channel !== written) this.#dropLog(space, channel, log);
      }
    }
  }

  /**
   * Envelopes after `after` on `channels`, oldest first, the cursor of the last one looked at,
   * and whether some were left unexamined because the answer is full or parsed enough.
   */
  #collect(space: KeysetChannels, channels: readonly string[], after: Timetoken, filter: MessageFilter | undefined) {
    let candidates: LoggedMessage[] = [];
    let sources = 0;
    for (const channel of channels) {
      const found = space.logs.get(channel)?.after(after);
      if (!found || found.length === 0) continue;
      candidates = sources === 0 ? found : candidates.concat(found);
      sources++;
    }
    if (sources > 1) candidates.sort(byTimetoken);
    const envelopes: string[] = [];
    const parsed = { chars: 0 };
    let cursor: Timetoken | undefined;
    let examined = 0;
    for (const entry of candidates) {
      if (envelopes.length === this.options.maxMessagesPerAnswer || parsed.chars >= CATCH_UP_PARSE_CHARS) break;
      examined++;
      cursor = entry.timetoken;
      if (this.#passes(filter, entry, parsed)) envelopes.push(entry.json);
    }
    return { envelopes, cursor, unexamined: examined < candidates.length };
  }

  /** Answers the long-polls a publish woke, then forgets its messages' parsed forms. */
  #deliver(woken: Set<HeldSubscribe>): void {
    try {
      for (const held of woken) {
        this.#release(held);
        const found = this.#collect(held.space, held.channels, held.after, held.filter);
        const cursor = found.cursor ?? this.#clock.now();
        held.answer(subscribeBody(cursor.toString(), this.options.region, found.envelopes));
      }
    } finally {
      this.#fresh.clear();
    }
  }

  #answerEmpty(held: HeldSubscribe): void {
    this.#release(held);
    held.answer(subscribeBody(this.#clock.now().toString(), this.options.region));
  }

  #release(held: HeldSubscribe): void {
    if (!this.#held.delete(held)) return;
    for (const channel of held.channels) {
      const waiting = held.space.waiters.get(channel);
      if (!waiting) continue;
      waiting.delete(held);
      if (waiting.size === 0) held.space.waiters.delete(channel);
    }
  }
}
