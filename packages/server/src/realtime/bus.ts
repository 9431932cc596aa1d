import type { FilterSubject } from './channel-log.ts';
import type { Envelope } from './envelope.ts';

/**
 * The event bus: the port between sequencing, done once on the node a message or App Context
 * event comes from (timetoken, rendered envelope: sequencer.ts), and delivery, done on every node
 * (channel logs, held long-polls: delivery.ts). `InProcessBus` carries batches within one process;
 * `NatsBus` (nats/) carries them between nodes over NATS JetStream; both run the same contract
 * suite (test/bus-contract/).
 */

/**
 * One envelope on its way from the node that sequenced it to every node's delivery. Plain JSON
 * data (strings and parsed JSON values; no bigints, no functions), so a network bus can carry it
 * as it is.
 *
 * @example
 * { subKey: 'demo', channel: 'room', timetoken: '17379929965457610',
 *   envelope: '{"a":"1","f":0,"i":"alice","p":{"t":"17379929965457610","r":1},…}',
 *   subject: { meta: { kind: 'note' }, data: 'hi', publisher: 'alice' } }
 */
export interface BusMessage {
  subKey: string;
  channel: string;
  /**
   * The envelope's timetoken as decimal text (17 digits today); strictly increasing per channel.
   * A network bus keeps it so across nodes: when another node's message on the channel got a
   * later one first, `publish` gives this message the next one, rewriting `timetoken` and the
   * envelope's `p.t` in place before it resolves (the publisher reads it from there).
   */
  timetoken: string;
  /**
   * The subscribe envelope as JSON text, timetoken and region included; subscribers get it as
   * is. App Context events carry it in parts whose `payload` is the same string for every
   * channel of one event (`envelopeText` joins them).
   */
  envelope: Envelope;
  /**
   * What subscribe filters read (`meta`, payload, publisher) as parsed JSON values: present on
   * published messages and signals, absent on App Context, message action and presence events,
   * to which filters do not apply. It is the envelope's `u`, `d` and `i`, so a network bus that
   * would rather not send them twice may restore it on arrival with `subjectOf(envelope)`.
   */
  subject?: FilterSubject | undefined;
  /**
   * The timetoken of the message before this one on its channel, as decimal text; absent when the
   * bus does not know it (the in-process bus never does; a bus with retention when nothing before
   * it is retained). A bus with `replay` sets it on what it delivers and on what it publishes (in
   * place, as `timetoken`): delivery reads it to tell whether its channel log holds every message
   * after a subscriber's timetoken, or has a gap that `replay` must fill.
   */
  prev?: string | undefined;
  /**
   * A stable id of the message, on App Context events from the outbox (sequencer.ts): a bus that
   * dedupes stores a second message with the same id (the relay handing over events whose first
   * hand-off did get through) only once. NATS does, within the stream's duplicate window (2
   * minutes by default); the in-process bus carries it and ignores it.
   */
  id?: string | undefined;
  /**
   * Delivery logs it on its channel however lately that channel was subscribed to, as it logs
   * every published message, because a subscriber may come back for it with an older timetoken:
   * a message action event, or an App Context event the outbox relay handed over late (its
   * writer's hand-off failed, or the writer died; a restarted node has no subscribers yet). Only
   * the in-process bus carries it; a network bus's own retention serves such subscribers (`replay`).
   */
  alwaysLogged?: true | undefined;
}

/**
 * Takes what a bus carries to one node: batches as they were published (a network bus may split
 * them, down to one message each), one channel's messages always in the order they were
 * published. Delivery does not throw; if a receiver does, the bus reports it and carries on with
 * the other nodes.
 */
export type BusReceiver = (batch: readonly BusMessage[]) => void;

/**
 * One node's place on a bus. Delivery tells the bus which channels its subscribers wait on, so a
 * network bus can subscribe to just those.
 *
 * Interest comes and goes between one client's long-polls (answered, then polled again), so a bus
 * acting on it should linger before it lets a channel go. A bus that carries a node only its
 * channels of interest must also let a poll catch up on what was published while nobody there
 * waited (replay from its retention); the in-process bus carries every channel and ignores interest.
 */
export interface BusAttachment {
  /** A subscriber of this node now waits on `channel` of keyset `subKey`, and none did before. Does not throw. */
  onInterest(subKey: string, channel: string): void;
  /** No subscriber of this node waits on `channel` of keyset `subKey` any more. Does not throw. */
  onNoInterest(subKey: string, channel: string): void;
  /** Stops deliveries to this node; resolves once none is under way. Detaching again does nothing. */
  detach(): Promise<void>;
}

/**
 * Carries batches of sequenced envelopes from the node that made them to every attached node,
 * itself included.
 *
 * @example
 * const bus: EventBus = new InProcessBus();
 * const node = bus.attach((batch) => delivery.deliver(batch));
 * node.onInterest('demo', 'room');
 * await bus.publish([sequencer.message('demo', 'room', input)]);
 */
export interface EventBus {
  /**
   * Hands a batch over; resolves once the bus has taken it (the in-process bus: once every
   * attached node has been given it; NATS: once JetStream has stored all of it). Rejects when the
   * bus cannot take it: when closed, before any of it is carried; when unreachable, a network bus
   * may have carried part of it, each channel's part a prefix in order. An empty batch is taken at once.
   */
  publish(batch: readonly BusMessage[]): Promise<void>;
  /**
   * Attaches one node's delivery: every message published from then on reaches it (a bus that
   * honours interest: at least those on channels the node has declared interest in).
   */
  attach(receive: BusReceiver): BusAttachment;
  /**
   * What the bus retains of one channel after a timetoken, for a subscriber that comes back (to
   * this node or another) with a timetoken older than what the node's channel log holds. Only a
   * bus with retention has it (NATS JetStream); the in-process bus retains nothing.
   *
   * @param after a timetoken as decimal text; only messages after it are returned.
   * @param limit at most this many messages (`more` tells when there are others).
   */
  replay?(subKey: string, channel: string, after: string, limit: number): Promise<Replay>;
  /**
   * Whether the bus can carry messages now (`GET /ready` asks): a network bus is not while it has
   * lost its connection and is reconnecting, nor once closed. A bus that cannot be cut off (the
   * in-process one) need not have it.
   */
  connected?(): boolean;
  /** Detaches every node; later publishes reject. Closing again does nothing. */
  close(): Promise<void>;
}

/** A channel's retained messages after a timetoken (`EventBus.replay`). */
export interface Replay {
  /** Oldest first, each once, all after the timetoken asked for. */
  messages: BusMessage[];
  /** Retained messages follow the last one returned (the limit was reached): replay again from its timetoken. */
  more: boolean;
  /**
   * Nothing the channel had after the timetoken was dropped by retention: `messages` (with what
   * `more` promises) is all of it. `false` when some may be gone (the gap is not fully recoverable).
   */
  complete: boolean;
}
