import { AnswerBudget } from './answer-budget.ts';
import type { BusAttachment, BusMessage, EventBus } from './bus.ts';
import { CatchUp } from './catch-up.ts';
import { ChannelLog, entryBytes, LOG_OVERHEAD_BYTES, subjectOf, textBytes, type FilterSubject, type LoggedMessage, type SharedPayload } from './channel-log.ts';
import { envelopeChars, subscribeBody, type Envelope } from './envelope.ts';
import { tooManyFilters, type MessageFilter } from './message-filter.ts';
import type { HubOptions } from '../model/hub-options.ts';
import type { Timetoken, TimetokenClock } from './timetoken.ts';

/** A subscribe long-poll, validated. */
export interface SubscribeQuery {
  subKey: string;
  /** Distinct channel names; each is also the subscription name (`b`). */
  channels: readonly string[];
  /** The client's last timetoken; `undefined` for a handshake. */
  after: Timetoken | undefined;
  filter: MessageFilter | undefined;
}

/** A long-poll waiting for envelopes; hand it back to `cancel` when its client goes away. */
export interface HeldSubscribe {
  readonly space: KeysetChannels;
  readonly channels: readonly string[];
  /**
   * Envelopes after this timetoken are what it waits for. Delivery moves it past each message
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
  /**
   * Per channel, the distinct filter expressions its held polls wait with (by text: the same
   * text parsed twice is one filter), and how many polls hold each.
   */
  readonly filters = new Map<string, Map<string, number>>();
  /**
   * Channels subscribed to lately → `millis()` of the last subscribe, oldest first. Only these
   * (and waited ones) get App Context events logged: nobody else has a timetoken to catch up from.
   */
  readonly recent = new Map<string, number>();
  readonly subKey: string;

  constructor(subKey: string) {
    this.subKey = subKey;
  }
}

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

/** A message being delivered: its parsed form, and each distinct filter expression's verdict on it (one evaluation each). */
interface Fresh {
  subject: FilterSubject;
  verdicts: Map<string, boolean>;
}

/** Where `LocalDelivery` reads the time: timetokens for cursors and retention, milliseconds for hold deadlines. */
export interface DeliveryClocks {
  clock: TimetokenClock;
  millis: () => number;
}

/** What `#collect` found for one answer. */
interface Found {
  envelopes: Envelope[];
  /** Timetoken of the last envelope looked at; `undefined` when none was. */
  cursor: Timetoken | undefined;
  /** Some envelopes after `cursor` were not looked at (the answer is full, or parsed enough). */
  unexamined: boolean;
  /** Envelopes wait but none fits in what the answer budget has left. */
  starved: boolean;
}

/**
 * Every node's half of real-time ("log and wake"): it takes what the bus carries into per-channel
 * logs, answers held subscribe long-polls, and tells the bus which channels are waited on.
 *
 * Idle long-polls cost no timer each: they sit in an index of channel → Set of waiters, and
 * one sweep timer answers those whose hold time has run out (waiters are kept in deadline
 * order, so a sweep stops at the first one still in time).
 *
 * @example
 * const delivery = new LocalDelivery(bus, DEFAULT_HUB_OPTIONS, { clock, millis: Date.now });
 * delivery.subscribe({ subKey: 'demo', channels: ['room'], after: clock.now(), filter: undefined }, reply);
 * await bus.publish([message]); // on 'room': `reply` is called with the answer
 */
export class LocalDelivery {
  readonly #options: HubOptions;
  readonly #clock: TimetokenClock;
  readonly #millis: () => number;
  readonly #attachment: BusAttachment;
  readonly #spaces = new Map<string, KeysetChannels>();
  /** Every held long-poll, in deadline order (all share one hold time). */
  readonly #held = new Set<HeldSubscribe>();
  readonly #sweep: NodeJS.Timeout;
  /** Memory held by every channel log of the node (see `ChannelLog.bytes`). */
  #logBytes = 0;
  /** The messages of the batch being delivered; emptied when it has been. */
  readonly #fresh = new Map<LoggedMessage, Fresh>();
  /** The shared payloads of the batch being delivered, by text (one per event); emptied when it has been. */
  readonly #batchPayloads = new Map<string, SharedPayload>();
  /** Retention cutoff for the batch being delivered (computed once per batch). */
  #batchCutoff: Timetoken | undefined;
  /** Answer text handed to sockets and not yet gone; the HTTP layer gives it back (`answerGone`). */
  readonly #budget: AnswerBudget;
  /** Held polls with envelopes waiting that the answer budget could not take yet; retried each sweep. */
  readonly #starved = new Set<HeldSubscribe>();
  #closed = false;

  /** Attaches to `bus` at once; `close` detaches. */
  constructor(bus: EventBus, options: HubOptions, clocks: DeliveryClocks) {
    this.#options = options;
    this.#clock = clocks.clock;
    this.#millis = clocks.millis;
    this.#budget = new AnswerBudget(options.unflushedAnswerChars);
    this.#attachment = bus.attach((batch) => this.deliver(batch));
    const every = Math.min(1000, Math.max(20, (options.holdSeconds * 1000) / 10));
    this.#sweep = setInterval(() => this.sweep(), every);
    this.#sweep.unref();
  }

  /** Logs a batch from the bus and answers the long-polls it wakes, each once. */
  deliver(batch: readonly BusMessage[]): void {
    const woken = new Set<HeldSubscribe>();
    try {
      let space: KeysetChannels | undefined;
      for (const message of batch) {
        if (space?.subKey !== message.subKey) space = this.#space(message.subKey);
        this.#append(space, message, woken);
      }
      this.#wake(woken);
    } finally {
      this.#fresh.clear();
      this.#batchPayloads.clear();
      this.#batchCutoff = undefined;
    }
  }

  /**
   * Answers a subscribe at once (handshake, or envelopes already after the client's timetoken)
   * by calling `answer`, or holds it and answers later; a held one is returned for `cancel`.
   */
  subscribe(query: SubscribeQuery, answer: (body: string) => void): HeldSubscribe | undefined {
    const now = this.#clock.now();
    if (this.#closed) {
      this.#send(answer, subscribeBody(now.toString(), this.#options.region));
      return undefined;
    }
    const space = this.#space(query.subKey);
    this.#noteSubscribed(space, query.channels);
    if (query.after === undefined) {
      this.#send(answer, subscribeBody(now.toString(), this.#options.region));
      return undefined;
    }
    // A timetoken from the future (another clock, or a restart after the clock stepped back)
    // would hide messages delivered here until this clock caught up: nothing newer than `now`
    // exists here, so waiting from `now` loses nothing.
    let after = query.after > now ? now : query.after;
    const found = this.#collect(space, query.channels, after, query.filter);
    if (found.envelopes.length > 0 || (found.unexamined && !found.starved)) {
      this.#send(answer, subscribeBody(found.cursor!.toString(), this.#options.region, found.envelopes));
      return undefined;
    }
    if (found.cursor !== undefined) after = found.cursor; // everything up to here was filtered out
    if (query.filter) this.#checkFilterRoom(space, query.channels, query.filter);
    const held: HeldSubscribe = {
      space,
      channels: query.channels,
      after,
      filter: query.filter,
      deadline: this.#millis() + this.#options.holdSeconds * 1000,
      answer,
    };
    this.#held.add(held);
    for (const channel of query.channels) {
      let waiting = space.waiters.get(channel);
      if (!waiting) {
        space.waiters.set(channel, (waiting = new Set()));
        this.#attachment.onInterest(space.subKey, channel);
      }
      waiting.add(held);
      if (query.filter) {
        let filters = space.filters.get(channel);
        if (!filters) space.filters.set(channel, (filters = new Map()));
        filters.set(query.filter.text, (filters.get(query.filter.text) ?? 0) + 1);
      }
    }
    if (found.starved) this.#starved.add(held);
    return held;
  }

  /**
   * The HTTP layer tells that `chars` characters of an answer have left for the client, or never
   * will (the socket closed): they no longer count against `unflushedAnswerChars`.
   */
  answerGone(chars: number): void {
    this.#budget.give(chars);
  }

  /** Forgets a held long-poll whose client went away; it is not answered. */
  cancel(held: HeldSubscribe): void {
    this.#release(held);
  }

  /** Answers long-polls whose hold time ran out, and drops channel logs past their retention. */
  sweep(): void {
    const now = this.#millis();
    for (const held of this.#starved) if (this.#budget.available() > 0) this.#settle(held, false);
    for (const held of this.#held) {
      if (held.deadline > now) break;
      this.#settle(held, true);
    }
    const cutoff = this.#cutoff();
    const forgetBefore = now - this.#options.channelLogSeconds * 1000;
    for (const space of this.#spaces.values()) {
      for (const [channel, log] of space.logs) {
        if ((log.newest() ?? 0n) >= cutoff) break;
        this.#dropLog(space, channel, log);
      }
      for (const [channel, at] of space.recent) {
        if (at >= forgetBefore) break;
        space.recent.delete(channel);
      }
    }
  }

  /**
   * Answers every held long-poll now (empty, with the current timetoken) and stops the sweep,
   * both before it returns; then detaches from the bus. Later subscribes answer at once.
   */
  close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweep);
    for (const held of this.#held) this.#answerEmpty(held);
    return this.#attachment.detach();
  }

  /** Counts for tests and benchmarks; `logBytes` is what the channel logs count against `channelLogMiB`. */
  stats(): { held: number; channels: number; waitedChannels: number; logBytes: number; unflushedAnswerChars: number } {
    let channels = 0;
    let waitedChannels = 0;
    for (const space of this.#spaces.values()) {
      channels += space.logs.size;
      waitedChannels += space.waiters.size;
    }
    return { held: this.#held.size, channels, waitedChannels, logBytes: this.#logBytes, unflushedAnswerChars: this.#budget.pending };
  }

  /** Remembers that `channels` were just subscribed to (see `KeysetChannels.recent`). */
  #noteSubscribed(space: KeysetChannels, channels: readonly string[]): void {
    const now = this.#millis();
    for (const channel of channels) {
      space.recent.delete(channel);
      space.recent.set(channel, now);
    }
    for (const channel of space.recent.keys()) {
      if (space.recent.size <= this.#options.maxRecentChannels) break;
      space.recent.delete(channel);
    }
  }

  /** Refuses a poll that would bring one distinct filter too many to one of its channels. */
  #checkFilterRoom(space: KeysetChannels, channels: readonly string[], filter: MessageFilter): void {
    for (const channel of channels) {
      const filters = space.filters.get(channel);
      if (filters && !filters.has(filter.text) && filters.size >= this.#options.maxFiltersPerChannel) {
        throw tooManyFilters(channel, this.#options.maxFiltersPerChannel);
      }
    }
  }

  #space(subKey: string): KeysetChannels {
    let space = this.#spaces.get(subKey);
    if (!space) this.#spaces.set(subKey, (space = new KeysetChannels(subKey)));
    return space;
  }

  #cutoff(): Timetoken {
    return this.#clock.now() - BigInt(Math.round(this.#options.channelLogSeconds * 10_000_000));
  }

  /** Logs one message and notes the held long-polls it wakes in `woken`. */
  #append(space: KeysetChannels, message: BusMessage, woken: Set<HeldSubscribe>): void {
    const timetoken = BigInt(message.timetoken);
    // A message from another node: cursors handed out here from now on are not behind it.
    this.#clock.observe(timetoken);
    const { channel } = message;
    // An App Context event reaches every channel of a user's memberships (up to 50,000): on a
    // channel nobody here subscribed to lately, nobody can catch up on it, so it is not logged.
    // A published message, one channel a request, is always kept (`withTimetoken` catch-up).
    if (!message.subject && !space.recent.has(channel) && !space.waiters.has(channel)) return;
    let log = space.logs.get(channel);
    // Timetokens increase per channel, so one not past the newest kept is a redelivery.
    if (log && (log.newest() ?? -1n) >= timetoken) return;
    let before = 0;
    if (log) {
      space.logs.delete(channel);
      before = log.bytes;
    } else {
      log = new ChannelLog(this.#options.channelLogSize, LOG_OVERHEAD_BYTES + textBytes(channel), (dropped) => this.#releaseShared(dropped));
    }
    space.logs.set(channel, log); // moved to the end: the most recently written
    log.dropBefore(this.#batchCutoff ??= this.#cutoff());
    const entry = this.#entryOf(message, timetoken);
    log.append(entry);
    this.#logBytes += log.bytes - before;
    this.#keepLogsWithinBudget(space, channel);
    if (message.subject) this.#fresh.set(entry, { subject: message.subject, verdicts: new Map() });
    const waiting = space.waiters.get(channel);
    if (!waiting) return;
    for (const held of waiting) {
      if (this.#passes(held.filter, entry)) woken.add(held);
      else if (!woken.has(held)) held.after = timetoken; // all it waits on up to here was refused
    }
  }

  /**
   * The log entry for a message. Envelopes in parts keep one payload text per event however many
   * channels it reaches, counted once in `#logBytes` while any entry refers to it.
   */
  #entryOf(message: BusMessage, timetoken: Timetoken): LoggedMessage {
    const filtered = message.subject !== undefined;
    let json = message.envelope;
    if (typeof json === 'string') return { timetoken, json, filtered, bytes: entryBytes(json) };
    let shared = this.#batchPayloads.get(json.payload);
    if (!shared) this.#batchPayloads.set(json.payload, (shared = { text: json.payload, bytes: textBytes(json.payload), refs: 0 }));
    if (json.payload !== shared.text) json = { ...json, payload: shared.text }; // one text kept, even if the bus copied it
    if (shared.refs++ === 0) this.#logBytes += shared.bytes;
    return { timetoken, json, filtered, bytes: entryBytes(json), shared };
  }

  #releaseShared(entry: LoggedMessage): void {
    const shared = entry.shared;
    if (shared && --shared.refs === 0) this.#logBytes -= shared.bytes;
  }

  /**
   * Whether `filter` lets `entry` through. A message being delivered is evaluated once per
   * distinct filter; a kept one is parsed again from its text (counted in `parsed`).
   */
  #passes(filter: MessageFilter | undefined, entry: LoggedMessage, parsed?: { chars: number }): boolean {
    if (!filter || !entry.filtered) return true;
    const fresh = this.#fresh.get(entry);
    if (!fresh) {
      if (parsed) parsed.chars += envelopeChars(entry.json);
      return evaluate(filter, subjectOf(entry.json));
    }
    let verdict = fresh.verdicts.get(filter.text);
    if (verdict === undefined) fresh.verdicts.set(filter.text, (verdict = evaluate(filter, fresh.subject)));
    return verdict;
  }

  #dropLog(space: KeysetChannels, channel: string, log: ChannelLog): void {
    space.logs.delete(channel);
    this.#logBytes -= log.bytes;
    log.clear(); // releases the shared payloads it held
  }

  /**
   * Past the node-wide budget, drops the logs written longest ago, this keyset's first (its
   * map is in write order), then other keysets'; the log just written to is kept.
   */
  #keepLogsWithinBudget(current: KeysetChannels, written: string): void {
    const budget = this.#options.channelLogMiB * 1024 * 1024;
    if (this.#logBytes <= budget) return;
    for (const space of [current, ...this.#spaces.values()]) {
      for (const [channel, log] of space.logs) {
        if (this.#logBytes <= budget) return;
        if (space !== current || channel !== written) this.#dropLog(space, channel, log);
      }
    }
  }

  /**
   * Envelopes after `after` on `channels`, oldest first, merged from the channel logs (`CatchUp`)
   * and stopping at the first cap: `maxMessagesPerAnswer` envelopes, `maxAnswerChars` of text
   * (one envelope always fits, unless the answer budget is spent), `CATCH_UP_PARSE_CHARS`
   * parsed for the filter. Costs O(channels + answer × log channels).
   */
  #collect(space: KeysetChannels, channels: readonly string[], after: Timetoken, filter: MessageFilter | undefined): Found {
    const logs: ChannelLog[] = [];
    for (const channel of channels) {
      const log = space.logs.get(channel);
      if (log && (log.newest() ?? 0n) > after) logs.push(log);
    }
    const found: Found = { envelopes: [], cursor: undefined, unexamined: false, starved: false };
    if (logs.length === 0) return found;
    const merge = new CatchUp(logs, after);
    const room = Math.min(this.#options.maxAnswerChars, this.#budget.available());
    const parsed = { chars: 0 };
    let chars = 0;
    for (let entry = merge.peek(); entry; entry = merge.peek()) {
      const full = found.envelopes.length === this.#options.maxMessagesPerAnswer || parsed.chars >= CATCH_UP_PARSE_CHARS;
      const size = envelopeChars(entry.json);
      const fits = chars + size <= room || (found.envelopes.length === 0 && room === this.#options.maxAnswerChars);
      if (full || !fits) {
        found.unexamined = true;
        found.starved = !fits && found.envelopes.length === 0;
        break;
      }
      merge.take();
      found.cursor = entry.timetoken;
      if (this.#passes(filter, entry, parsed)) {
        found.envelopes.push(entry.json);
        chars += size + 1;
      }
    }
    return found;
  }

  /** Answers the long-polls a batch woke (those the answer budget cannot take yet stay held, see `#starved`). */
  #wake(woken: Set<HeldSubscribe>): void {
    for (const held of woken) this.#settle(held, false);
  }

  /**
   * Answers a held poll with what waits for it; with nothing, with the current timetoken. When
   * the answer budget cannot take what waits, it stays held unless `force`, in which case it
   * answers empty with its own timetoken (the client asks again; nothing is lost).
   */
  #settle(held: HeldSubscribe, force: boolean): void {
    const found = this.#collect(held.space, held.channels, held.after, held.filter);
    if (found.starved && !force) {
      this.#starved.add(held);
      return;
    }
    this.#release(held);
    const cursor = found.cursor ?? (found.starved ? held.after : this.#clock.now());
    this.#send(held.answer, subscribeBody(cursor.toString(), this.#options.region, found.envelopes));
  }

  #send(answer: (body: string) => void, body: string): void {
    this.#budget.take(body.length);
    answer(body);
  }

  #answerEmpty(held: HeldSubscribe): void {
    this.#release(held);
    this.#send(held.answer, subscribeBody(this.#clock.now().toString(), this.#options.region));
  }

  #release(held: HeldSubscribe): void {
    if (!this.#held.delete(held)) return;
    this.#starved.delete(held);
    for (const channel of held.channels) {
      if (held.filter) this.#forgetFilter(held.space, channel, held.filter);
      const waiting = held.space.waiters.get(channel);
      if (!waiting) continue;
      waiting.delete(held);
      if (waiting.size === 0) {
        held.space.waiters.delete(channel);
        this.#attachment.onNoInterest(held.space.subKey, channel);
      }
    }
  }

  #forgetFilter(space: KeysetChannels, channel: string, filter: MessageFilter): void {
    const filters = space.filters.get(channel);
    const count = filters?.get(filter.text);
    if (!filters || count === undefined) return;
    if (count > 1) filters.set(filter.text, count - 1);
    else if (filters.delete(filter.text) && filters.size === 0) space.filters.delete(channel);
  }
}
