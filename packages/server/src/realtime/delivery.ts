import { AnswerBudget } from './answer-budget.ts';
import type { BusAttachment, BusMessage, EventBus } from './bus.ts';
import { AnswerCollector, type Found, type Wait } from './delivery-collect.ts';
import { HeldPolls } from './delivery-held.ts';
import { KeysetChannels, type HeldSubscribe } from './delivery-keyset.ts';
import { SharedAnswers } from './delivery-shared.ts';
import { ChannelLogs } from './delivery-logs.ts';
import { BusCatchUp, type CatchUpHooks, type Replayed } from './delivery-replay.ts';
import { FilterVerdicts } from './delivery-verdicts.ts';
import { subscribeBody } from './envelope.ts';
import type { MessageFilter } from './message-filter.ts';
import type { HubOptions } from '../model/hub-options.ts';
import { STDERR_LOG, type Log } from '../model/log.ts';
import type { Timetoken, TimetokenClock } from './timetoken.ts';

export type { HeldSubscribe } from './delivery-keyset.ts';
export { CATCH_UP_PARSE_CHARS } from './delivery-collect.ts';
/** A subscribe long-poll, validated. */
export interface SubscribeQuery {
  subKey: string;
  /**
   * Distinct channel names: those subscribed to directly, and those reached through channel
   * groups. Each is the subscription name (`b`) of its envelopes, unless `via` names another.
   */
  channels: readonly string[];
  /** The client's last timetoken; `undefined` for a handshake. */
  after: Timetoken | undefined;
  filter: MessageFilter | undefined;
  /**
   * Channel → the subscription it was reached through, for channels reached only through a
   * channel group: the group for a channel in it (`room` → `team`), `{group}-pnpres` for its
   * presence channel (`room-pnpres` → `team-pnpres`), as PubNub names the match in `b`. A channel
   * also subscribed to directly is not in it (its `b` stays the channel). Answers rewrite `b` of
   * these channels' envelopes only.
   */
  via?: ReadonlyMap<string, string> | undefined;
  /**
   * Seconds to hold the poll at most, when shorter than the node's `holdSeconds`: it then answers
   * empty after this (within a sweep, at most a second later). The HTTP layer shortens it to
   * have a client with a short presence `heartbeat` poll again before its presence times out.
   * Ignored when not shorter (or not a number ≥ 0).
   */
  holdSeconds?: number | undefined;
}

/** Where `LocalDelivery` reads the time: timetokens for cursors and retention, milliseconds for hold deadlines. */
export interface DeliveryClocks {
  clock: TimetokenClock;
  millis: () => number;
}

/** What `LocalDelivery.stats` counts. */
export interface DeliveryStats {
  held: number;
  channels: number;
  waitedChannels: number;
  logBytes: number;
  unflushedAnswerChars: number;
  catchingUp: number;
  replayGaps: number;
}

/** Told how many published messages and App Context events each subscribe answer carries (for metrics). */
export type DeliveredCounter = (messages: number, events: number) => void;

/**
 * Every node's half of real-time ("log and wake"): it takes what the bus carries into per-channel
 * logs (`ChannelLogs`), answers held subscribe long-polls (`HeldPolls`, answers picked by
 * `AnswerCollector`), and tells the bus which channels are waited on. One sweep timer answers
 * the polls whose hold time has run out and drops expired logs. Over a bus with `replay`, a poll
 * whose timetoken the logs here do not reach back to is first caught up from it (`BusCatchUp`).
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
  readonly #polls: HeldPolls;
  readonly #logs: ChannelLogs;
  readonly #verdicts = new FilterVerdicts();
  /** Answer text handed to sockets and not yet gone; the HTTP layer gives it back (`answerGone`). */
  readonly #budget: AnswerBudget;
  readonly #collector: AnswerCollector;
  readonly #sweep: NodeJS.Timeout;
  readonly #delivered: DeliveredCounter | undefined;
  /** With a bus that has `replay`: catches up subscribers whose timetoken the logs here do not reach back to. */
  readonly #catchUp: BusCatchUp | undefined;
  /**
   * The highest timetoken the bus has handed this node (`idleCursor`, `ceiling`); over a bus with
   * replay it starts at the clock's time when the node attached: what was published before is in
   * the bus's retention, and what lands after comes through the feed.
   */
  #seen: Timetoken;
  #closed = false;
  /** Envelopes answered in the delivery under way, counted once it is done (a thousand answers of one event are one metrics update). */
  #tally: { messages: number; events: number } | undefined;

  /** Attaches to `bus` at once; `close` detaches. */
  constructor(bus: EventBus, options: HubOptions, clocks: DeliveryClocks, delivered?: DeliveredCounter, log: Log = STDERR_LOG) {
    this.#options = options;
    this.#delivered = delivered;
    this.#clock = clocks.clock;
    this.#millis = clocks.millis;
    this.#budget = new AnswerBudget(options.unflushedAnswerChars);
    this.#logs = new ChannelLogs(options, clocks.clock, this.#spaces, bus.replay !== undefined);
    this.#catchUp = bus.replay && new BusCatchUp(bus.replay.bind(bus), this.#logs, options.channelLogSize, this.#catchUpHooks(log));
    this.#collector = new AnswerCollector(options, this.#verdicts, this.#budget);
    this.#seen = this.#catchUp ? clocks.clock.now() : 0n;
    this.#attachment = bus.attach((batch) => this.deliver(batch));
    this.#polls = new HeldPolls(this.#attachment);
    const every = Math.min(1000, Math.max(20, (options.holdSeconds * 1000) / 10));
    this.#sweep = setInterval(() => this.sweep(), every);
    this.#sweep.unref();
  }

  /** Logs a batch from the bus and answers the long-polls it wakes, each once. */
  deliver(batch: readonly BusMessage[]): void {
    const woken = new Set<HeldSubscribe>();
    // Answers are written as they are settled: should one lead to another delivery, the outer one counts for both.
    const counting = this.#tally === undefined;
    if (counting) this.#tally = { messages: 0, events: 0 };
    try {
      let space: KeysetChannels | undefined;
      for (const message of batch) {
        const timetoken = BigInt(message.timetoken);
        if (timetoken > this.#seen) this.#seen = timetoken;
        if (space?.subKey !== message.subKey) space = this.#space(message.subKey);
        this.#append(space, message, woken);
      }
      // Those the answer budget cannot take yet stay held (`HeldPolls.starve`).
      const shared = new SharedAnswers();
      for (const held of woken) this.#settle(held, false, shared);
    } finally {
      this.#verdicts.clear();
      this.#logs.endBatch();
      if (counting) this.#reportTally();
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
    space.recent.note(query.channels, this.#millis(), this.#options.maxRecentChannels);
    if (query.after === undefined) {
      this.#send(answer, subscribeBody(now.toString(), this.#options.region));
      return undefined;
    }
    // A timetoken from the future (another clock, or a restart after the clock stepped back)
    // would hide messages delivered here until this clock caught up: nothing newer than `now`
    // exists here, so waiting from `now` loses nothing.
    const after = query.after > now ? now : query.after;
    const holdMs = this.#holdMs(query.holdSeconds);
    const { channels, filter, via } = query;
    const held: HeldSubscribe = { space, channels, after, filter, via, holdMs, deadline: this.#millis() + holdMs, answer };
    if (this.#catchUp?.needed(held)) {
      if (query.filter) space.filters.checkRoom(query.channels, query.filter, this.#options.maxFiltersPerChannel);
      this.#catchUp.start(held); // answered or held once the bus has replayed what the logs here lack
      return held;
    }
    return this.#answerOrHold(held, undefined, true);
  }

  /** A poll's hold time in milliseconds: the node's, or the poll's own when shorter. */
  #holdMs(seconds: number | undefined): number {
    const node = this.#options.holdSeconds;
    return Math.round((seconds !== undefined && seconds >= 0 && seconds < node ? seconds : node) * 1000);
  }

  /**
   * Answers `held` with what the logs (and a catch-up's replays) hold after its timetoken, or
   * holds it when there is nothing yet; `checkRoom` when the filter's room on its channels is
   * still to be checked (a 400 when full).
   */
  #answerOrHold(held: HeldSubscribe, replayed: Replayed | undefined, checkRoom: boolean): HeldSubscribe | undefined {
    const { space } = held;
    const alone = replayed?.alone;
    const logs = alone?.size ? { get: (channel: string) => alone.get(channel) ?? space.logs.get(channel) } : space.logs;
    const until = replayed?.until;
    const found = this.#collector.collect(logs, this.#wait(held, until));
    const late = this.#millis() >= held.deadline; // caught up after its hold time ran out
    if (found.envelopes.length > 0 || (found.unexamined && !found.starved) || until !== undefined || late) {
      const cursor = found.cursor ?? (until !== undefined || found.starved ? held.after : this.#idleCursor(held.after));
      this.#count(found);
      this.#send(held.answer, subscribeBody(cursor.toString(), this.#options.region, found.envelopes));
      return undefined;
    }
    if (found.cursor !== undefined) held.after = found.cursor; // everything up to here was filtered out
    if (checkRoom && held.filter) space.filters.checkRoom(held.channels, held.filter, this.#options.maxFiltersPerChannel);
    this.#polls.hold(held, found.starved);
    return held;
  }

  #catchUpHooks(log: Log): CatchUpHooks {
    return {
      resume: (held: HeldSubscribe, replayed: Replayed) => void this.#answerOrHold(held, replayed, false),
      expire: (held: HeldSubscribe) => this.#send(held.answer, subscribeBody(held.after.toString(), this.#options.region)),
      installed: (space: KeysetChannels, channel: string) => {
        const tail = space.logs.get(channel)?.tail() ?? -1n;
        for (const held of [...(space.waiters.get(channel) ?? [])]) if (tail > held.after) this.#settle(held, false);
      },
      millis: () => this.#millis(),
      log,
    };
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
    this.#catchUp?.cancel(held);
    this.#polls.release(held);
  }

  /** Answers long-polls whose hold time ran out, and drops channel logs past their retention. */
  sweep(): void {
    const now = this.#millis();
    for (const held of this.#polls.starved()) if (this.#budget.available() > 0) this.#settle(held, false);
    for (const held of this.#polls.expired(now)) this.#settle(held, true);
    this.#logs.expire();
    const forgetBefore = now - this.#options.channelLogSeconds * 1000;
    for (const space of this.#spaces.values()) space.recent.forgetBefore(forgetBefore);
  }

  /**
   * Answers every held long-poll now (empty, with the current timetoken; one still catching up
   * from the bus with its own) and stops the sweep, both before it returns; then detaches from
   * the bus. Later subscribes answer at once.
   */
  close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweep);
    for (const held of this.#polls.all()) {
      this.#polls.release(held);
      this.#send(held.answer, subscribeBody(this.#idleCursor(held.after).toString(), this.#options.region));
    }
    // Those still catching up keep their timetoken: they resume from it on another node.
    for (const held of this.#catchUp?.drain() ?? []) this.#send(held.answer, subscribeBody(held.after.toString(), this.#options.region));
    return this.#attachment.detach();
  }

  /**
   * Counts for tests and benchmarks; `logBytes` is what the channel logs count against
   * `channelLogMiB`; `catchingUp` the polls waiting for a replay from the bus, `replayGaps` the
   * replays so far that found part of what a subscriber missed dropped by the bus's retention.
   */
  stats(): DeliveryStats {
    let channels = 0;
    let waitedChannels = 0;
    for (const space of this.#spaces.values()) {
      channels += space.logs.size;
      waitedChannels += space.waiters.size;
    }
    const catchUp = { catchingUp: this.#catchUp?.size ?? 0, replayGaps: this.#catchUp?.gaps ?? 0 };
    return { held: this.#polls.size, channels, waitedChannels, logBytes: this.#logs.bytes, unflushedAnswerChars: this.#budget.pending, ...catchUp };
  }

  #space(subKey: string): KeysetChannels {
    let space = this.#spaces.get(subKey);
    if (!space) this.#spaces.set(subKey, (space = new KeysetChannels(subKey)));
    return space;
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
    // Linked logs (a bus with replay) keep what reaches a channel they have, to stay whole.
    // So are presence events, message action events and events the outbox relay hands over late
    // (bus.ts, `alwaysLogged`).
    const linked = this.#catchUp !== undefined && space.logs.has(channel);
    const kept = message.subject !== undefined || message.alwaysLogged === true;
    if (!kept && !linked && !space.recent.has(channel) && !space.waiters.has(channel) && !space.catchingUp.has(channel)) return;
    const entry = this.#logs.append(space, message, timetoken);
    if (!entry) {
      // A redelivery of what a catch-up replay logged ahead of the feed: polls held below the ceiling may now take it.
      if (this.#catchUp) for (const held of space.waiters.get(channel) ?? []) if (held.after < timetoken) woken.add(held);
      return;
    }
    if (message.subject) this.#verdicts.note(entry, message.subject);
    const waiting = space.waiters.get(channel);
    if (!waiting) return;
    // A linked log that starts after a poll's timetoken has a gap the poll must catch up on.
    const since = this.#catchUp ? (space.logs.get(channel)?.since ?? -1n) : -1n;
    for (const held of waiting) {
      if (held.after < since || this.#verdicts.passes(held.filter, entry)) woken.add(held);
      else if (!woken.has(held)) held.after = timetoken; // all it waits on up to here was refused
    }
  }

  /**
   * Answers a held poll with what waits for it; with nothing, with the current timetoken. When
   * the answer budget cannot take what waits, it stays held unless `force`, in which case it
   * answers empty with its own timetoken (the client asks again; nothing is lost).
   */
  #settle(held: HeldSubscribe, force: boolean, shared?: SharedAnswers): void {
    if (this.#catchUp?.needed(held)) {
      this.#polls.release(held);
      this.#catchUp.start(held);
      return;
    }
    const sharing = shared !== undefined && this.#sharable(held) ? shared : undefined;
    const known = sharing?.find(held);
    const found = known?.found ?? this.#collector.collect(held.space.logs, this.#wait(held));
    const answer = known ?? sharing?.add(held, found);
    if (found.starved && !force) {
      this.#polls.starve(held);
      return;
    }
    if (found.envelopes.length === 0 && !found.unexamined && !force) {
      if (found.cursor !== undefined) held.after = found.cursor; // all it looked at was filtered out
      return; // nothing below the ceiling yet: it stays held
    }
    this.#polls.release(held);
    let body = answer?.body;
    if (body === undefined) {
      const cursor = found.cursor ?? (found.starved ? held.after : this.#idleCursor(held.after));
      body = subscribeBody(cursor.toString(), this.#options.region, found.envelopes);
      if (answer !== undefined && found.cursor !== undefined) answer.body = body;
    }
    this.#count(found);
    this.#send(held.answer, body);
  }

  /**
   * Whether a woken poll's answer may be shared: polls of one delivery in the same keyset, at the
   * same timetoken, with the same filter and channels get the same answer, collected and written
   * once (a thousand subscribers of one channel wake together, all at the cursor of the previous
   * answer). Not when the answer budget bounds the answer (it then depends on what was handed out
   * before) or the poll renames envelopes (`via`). In one delivery the logs, the ceiling and the
   * filters' verdicts are the same for every poll, and with a cursor from what was found (any
   * envelope examined) the answer does not read the clock.
   */
  #sharable(held: HeldSubscribe): boolean {
    return held.via === undefined && this.#budget.available() >= this.#options.maxAnswerChars;
  }

  /**
   * The cursor of an answer that carries nothing, for a poll waiting after `after`. In one
   * process the bus hands over every message as it is published, so the clock's `now` is past
   * everything there is. Over a network bus, messages reach this node some time after they were
   * acknowledged (and after they got their timetokens): a cursor of `now` would pass the ones on
   * their way, and the client, polling on from it, would never get them. The cursor then goes no
   * further than the newest timetoken the bus has handed over here (nor back from `after`): while
   * the feed lags (NATS reconnecting), clients keep their timetoken and get everything once it
   * catches up.
   */
  #idleCursor(after: Timetoken): Timetoken {
    const now = this.#clock.now();
    if (this.#catchUp === undefined) return now;
    const reached = this.#seen < now ? this.#seen : now;
    return reached > after ? reached : after;
  }

  /** What `held` waits for now (`until`: see `Wait.until`). */
  #wait(held: HeldSubscribe, until?: Timetoken): Wait {
    return { channels: held.channels, after: held.after, filter: held.filter, via: held.via, ceiling: this.#ceiling(), until };
  }

  /** Over a bus with replay, how far answers may read the logs: `#seen` (see `Wait.ceiling`). */
  #ceiling(): Timetoken | undefined {
    return this.#catchUp ? this.#seen : undefined;
  }

  /** Counts an answer's envelopes: at once, or, within a delivery, once for all its answers (`#reportTally`). */
  #count(found: Found): void {
    if (found.envelopes.length === 0) return;
    const messages = found.envelopes.length - found.events;
    if (this.#tally === undefined) this.#delivered?.(messages, found.events);
    else {
      this.#tally.messages += messages;
      this.#tally.events += found.events;
    }
  }

  #reportTally(): void {
    const tally = this.#tally;
    this.#tally = undefined;
    if (tally !== undefined && tally.messages + tally.events > 0) this.#delivered?.(tally.messages, tally.events);
  }

  #send(answer: (body: string) => void, body: string): void {
    this.#budget.take(body.length);
    answer(body);
  }
}
