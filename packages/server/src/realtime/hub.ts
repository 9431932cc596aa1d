import { isRosterError, RosterError } from '../errors.ts';
import type { ObjectEvent, ObjectEventSink } from '../objects/events.ts';
import type { PresenceEvent, PresenceEventSink } from '../presence/events.ts';
import type { BusMessage, EventBus } from './bus.ts';
import { LocalDelivery, type DeliveredCounter, type DeliveryStats, type HeldSubscribe, type SubscribeQuery } from './delivery.ts';
import type { MessageActionEvent } from './envelope.ts';
import { InProcessBus } from './in-process-bus.ts';
import { DEFAULT_HUB_OPTIONS, type HubOptions } from '../model/hub-options.ts';
import { STDERR_LOG, type Log } from '../model/log.ts';
import { Sequencer, type MessageInput } from './sequencer.ts';
import { TimetokenClock, type Timetoken } from './timetoken.ts';

/** What a hub is built from; each part has a default for a single-process node. */
export interface HubParts {
  /** Carries sequenced envelopes to every node's delivery; its owner closes it, not the hub. @default an `InProcessBus` of its own */
  bus?: EventBus | undefined;
  clock?: TimetokenClock | undefined;
  /** The wall clock in milliseconds, for hold deadlines. @default Date.now */
  millis?: (() => number) | undefined;
  /** Told when App Context events could not be handed to the bus. @default logs it to `log` (a warning: the outbox keeps them) */
  onEventsLost?: (error: unknown) => void;
  /** Where the hub reports what goes wrong beyond any caller's reach. @default stderr */
  log?: Log | undefined;
  /** Told how many messages and App Context events each subscribe answer carries. */
  delivered?: DeliveredCounter | undefined;
}

const reportTo = (log: Log) => (error: unknown) =>
  log.warn({ err: error }, 'App Context events were committed but not handed to the event bus; they wait in the outbox for its relay');

/**
 * A node's real-time layer: a `Sequencer` gives every envelope (App Context events from the
 * domain, messages from `/publish`, signals from `/signal`, message action events, presence
 * events) its timetoken
 * and text, the `EventBus` carries it to every node, and this node's `LocalDelivery` logs it and
 * answers held subscribe long-polls.
 *
 * @example
 * const hub = new RealtimeHub({ holdSeconds: 30 });
 * const objects = new ObjectsService(store, new Outbox(store.outbox, hub)); // App Context events flow into the hub
 * await hub.publishMessage('demo', 'room', { payload: 'hi', meta: undefined, publisher: 'u1', customMessageType: undefined });
 */
export class RealtimeHub implements ObjectEventSink, PresenceEventSink {
  readonly options: HubOptions;
  readonly #clock: TimetokenClock;
  readonly #sequencer: Sequencer;
  readonly #bus: EventBus;
  readonly #delivery: LocalDelivery;
  readonly #onEventsLost: (error: unknown) => void;

  constructor(options: Partial<HubOptions> = {}, parts: HubParts = {}) {
    this.options = { ...DEFAULT_HUB_OPTIONS, ...options };
    this.#clock = parts.clock ?? new TimetokenClock();
    this.#sequencer = new Sequencer(this.#clock, this.options.region);
    this.#bus = parts.bus ?? new InProcessBus({ log: parts.log });
    this.#delivery = new LocalDelivery(this.#bus, this.options, { clock: this.#clock, millis: parts.millis ?? Date.now }, parts.delivered, parts.log);
    this.#onEventsLost = parts.onEventsLost ?? reportTo(parts.log ?? STDERR_LOG);
  }

  /** The current timetoken (for `/time/0` and empty answers). */
  now(): Timetoken {
    return this.#clock.now();
  }

  /**
   * App Context events, called by the domain right after each committed change; resolves `true`
   * once the bus has taken them. It never rejects: the change is committed whatever happens here,
   * so a failed hand-off is reported to `onEventsLost` and resolves `false` rather than failing
   * the write (the outbox relay hands the events over later). `id` as `ObjectEventSink` says.
   */
  async publish(subKey: string, events: ObjectEvent[], id?: string): Promise<boolean> {
    if (events.length === 0) return true;
    try {
      await this.#bus.publish(this.#sequencer.events(subKey, events, id));
      return true;
    } catch (error) {
      this.#onEventsLost(error);
      return false;
    }
  }

  /** App Context events the outbox relay hands over (each gets its timetoken now); rejects when the bus cannot take them. */
  async relay(subKey: string, events: ObjectEvent[], id: string): Promise<void> {
    if (events.length === 0) return;
    const batch = this.#sequencer.events(subKey, events, id);
    for (const message of batch) message.alwaysLogged = true;
    await this.#bus.publish(batch);
  }

  /**
   * A published message; resolves with its timetoken once the bus has taken it. Rejects with the
   * bus's refusal, or a 503 (`BUS_UNAVAILABLE`) when the bus cannot be reached.
   */
  async publishMessage(subKey: string, channel: string, message: MessageInput): Promise<string> {
    return this.#handOver(this.#sequencer.message(subKey, channel, message), 'the message was not published');
  }

  /**
   * A signal (`/signal`), delivered with `e: 1` and never stored; resolves with its timetoken once
   * the bus has taken it. Rejects as `publishMessage` does.
   */
  async publishSignal(subKey: string, channel: string, signal: MessageInput): Promise<string> {
    return this.#handOver(this.#sequencer.signal(subKey, channel, signal), 'the signal was not sent');
  }

  /** A new timetoken from this node's clock, 17-digit text, later than every one it gave before (an action's `actionTimetoken`). */
  nextTimetoken(): string {
    return this.#clock.next().toString();
  }

  /**
   * A message action added or removed by `uuid` (`{event: 'added' | 'removed', uuid, action:
   * {type, value, messageTimetoken, actionTimetoken}}`), delivered on `channel` with `e: 3`
   * (envelope.ts `messageActionEnvelope`); resolves with the event's own timetoken once the bus
   * has taken it. Rejects as `publishMessage` does (the caller, having stored the action, answers
   * accordingly).
   */
  async publishAction(subKey: string, channel: string, event: MessageActionEvent): Promise<string> {
    return this.#handOver(this.#sequencer.action(subKey, channel, event), 'the message action event was not published');
  }

  /**
   * A presence event about `channel` (join, leave, timeout, state-change, interval), delivered on
   * `{channel}-pnpres` (envelope.ts `presenceEnvelope`) to its subscribers, who subscribed to that
   * channel or to a channel group's `-pnpres`; resolves with its timetoken once the bus has taken
   * it. Rejects as `publishMessage` does.
   */
  async publishPresence(subKey: string, channel: string, event: PresenceEvent): Promise<string> {
    return this.#handOver(this.#sequencer.presence(subKey, channel, event), 'the presence event was not sent');
  }

  /** Hands one sequenced envelope to the bus; its timetoken once taken (a network bus may have moved it on). */
  async #handOver(sequenced: BusMessage, lost: string): Promise<string> {
    await this.#bus.publish([sequenced]).catch((error: unknown) => {
      if (isRosterError(error)) throw error;
      throw new RosterError('BUS_UNAVAILABLE', `The server cannot reach its event bus right now: ${lost}.`);
    });
    return sequenced.timetoken;
  }

  /**
   * Answers a subscribe at once (handshake, or envelopes already after the client's timetoken)
   * by calling `answer`, or holds it and answers later; a held one is returned for `cancel`.
   */
  subscribe(query: SubscribeQuery, answer: (body: string) => void): HeldSubscribe | undefined {
    return this.#delivery.subscribe(query, answer);
  }

  /** Forgets a held long-poll whose client went away; it is not answered. */
  cancel(held: HeldSubscribe): void {
    this.#delivery.cancel(held);
  }

  /**
   * An answer of `chars` characters has left for its client, or never will (its socket closed):
   * it no longer counts against `unflushedAnswerChars`. Call once per answer handed out.
   */
  answerGone(chars: number): void {
    this.#delivery.answerGone(chars);
  }

  /** Answers long-polls whose hold time ran out, and drops channel logs past their retention. */
  sweep(): void {
    this.#delivery.sweep();
  }

  /**
   * Answers every held long-poll (empty, with the current timetoken) before it returns, then
   * detaches this node from the bus. Publishing still works; the bus is its owner's to close.
   */
  close(): Promise<void> {
    return this.#delivery.close();
  }

  /** Counts for tests and benchmarks; `logBytes` is what the channel logs count against `channelLogMiB`. */
  stats(): DeliveryStats {
    return this.#delivery.stats();
  }
}
