import { JetStreamApiError, type JetStreamClient, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { BoundedMap } from '../../bounded-map.ts';
import { TurnBatch } from '../../turn-batch.ts';
import type { BusMessage } from '../bus.ts';
import { MAX_LEAD, wallClock, type Timetoken } from '../timetoken.ts';
import { storedTimetoken } from './checks.ts';
import type { StoredHere } from './stored-here.ts';
import type { NatsSubjects } from './subjects.ts';
import { encode, HEADERS, restamp } from './wire.ts';

/** The last message stored on a channel's subject, as this node last heard of it. */
interface Tail {
  seq: number;
  timetoken: bigint;
  /** `timetoken` is that message's (not a placeholder for a subject with nothing stored). */
  known: boolean;
}

const NOTHING_STORED: Tail = { seq: 0, timetoken: 0n, known: false };

/** Past `MAX_LEAD`: a clock at its lead still issues a few timetokens, each 100 ns on. */
const CEILING_SLACK = 10_000_000n;

/** JetStream's "wrong last sequence": another message reached the subject first. */
const WRONG_LAST_SEQUENCE = 10071;

export interface ChannelOrderOptions {
  stream: string;
  /** The bus's subjects: a message on a hashed channel subject carries the channel's name. */
  subjects: NatsSubjects;
  /** Channels whose last message is remembered; a channel not remembered costs a lookup on its next publish. */
  rememberedChannels: number;
  /** Publishes waiting for JetStream's answer at once, across channels. */
  inFlight: number;
  /** How long one publish waits for JetStream's answer, in milliseconds. */
  timeoutMs: number;
  /** Tries per message when other nodes keep getting to its channel first. */
  attempts: number;
  /**
   * The node's timetoken clock (`TimetokenClock.next`): each message is stamped again the moment
   * it is sent, so that it lands in the stream within moments of its timetoken.
   */
  clock: { next(): Timetoken };
  /** Told of each message stored on a channel, for this node's feed to hand over as it was sent. */
  stored: StoredHere;
}

/**
 * Waits a random time, up to twice as long after each conflict (1, 2, 4 … 128 ms): a node that
 * keeps finding its channel's last message outdated lets the node publishing there finish a
 * burst rather than racing it on every message.
 */
function backOff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(128, 2 ** (attempt - 1));
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lets at most `size` tasks run at once; the others wait their turn, first come first served. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/**
 * Stores envelopes in JetStream so that each channel's timetokens increase across the cluster.
 * Each channel is one subject, and each store is conditional on the subject's last sequence
 * (`Nats-Expected-Last-Subject-Sequence`): the message is stored only if nothing else reached
 * the channel since the last message this node knows of, and gets a timetoken above that
 * message's. When another node got there first, JetStream refuses; this node reads the channel's
 * last message and tries again with a timetoken above it. So stream order and timetoken order
 * agree on every channel, whichever node each message came from.
 *
 * Messages on one channel are stored one after the other, in the order they were handed over;
 * different channels' go concurrently. The last message of each channel is remembered from
 * JetStream's answers and from the node's feed of the stream (`saw`), so a lookup is rare.
 *
 * @example
 * const stored = new StoredHere(4096);
 * const order = new ChannelOrder(js, jsm, { stream: 'ROSTER', subjects, rememberedChannels: 100_000, inFlight: 512, timeoutMs: 5000, attempts: 20, clock, stored });
 * await order.append('roster.c.ZGVtbw.cm9vbQ', message); // message.timetoken may have moved on
 */
export class ChannelOrder {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #options: ChannelOrderOptions;
  readonly #tails: BoundedMap<string, Tail>;
  /** Per subject, the last store queued there (settled, never rejecting); removed once idle. */
  readonly #queues = new Map<string, Promise<void>>();
  readonly #slots: Slots;

  /** Publishes handed over in this turn of the event loop, sent together at its end (`#soon`). */
  readonly #batch = new TurnBatch<() => void>((sends) => sends.forEach((send) => send()));

  constructor(js: JetStreamClient, jsm: JetStreamManager, options: ChannelOrderOptions) {
    this.#js = js;
    this.#jsm = jsm;
    this.#options = options;
    this.#tails = new BoundedMap(options.rememberedChannels);
    this.#slots = new Slots(options.inFlight);
  }

  /** A message at `seq` with `timetoken` was seen on `subject`: the next store there expects it (or a later one) and goes above its timetoken. */
  saw(subject: string, seq: number, timetoken: bigint): void {
    const tail = this.#tails.get(subject);
    if (tail && tail.seq >= seq) return;
    // Where it was first heard of, not moved to the newest end: moving a channel on every message
    // would leave a deleted slot in its bucket of V8's Map each time (tens of µs a message beside
    // 100,000 others). A busy channel is forgotten once per `rememberedChannels` others, and
    // costs one lookup then.
    this.#tails.set(subject, { seq, timetoken, known: true });
  }

  /**
   * A message at `seq` on `subject` that is no floor was seen (its timetoken is not one, or too far
   * ahead, see checks.ts): the next store there expects it, and goes above the last message before it.
   */
  passed(subject: string, seq: number): void {
    const tail = this.#tails.get(subject) ?? NOTHING_STORED;
    if (tail.seq >= seq) return;
    this.#tails.set(subject, { ...tail, seq });
  }

  /**
   * Stores an event's payload once, unconditionally (it is no channel's), for the envelopes that
   * refer to it; resolves with its stream sequence (with `id`, JetStream's dedupe id: a payload
   * stored before under it is not stored again, and its sequence is the answer).
   */
  async storePayload(subject: string, payload: string, id?: string): Promise<number> {
    const h = headers();
    h.append(HEADERS.kind, 'p');
    const options = { headers: h, timeout: this.#options.timeoutMs, ...(id === undefined ? {} : { msgID: id }) };
    const ack = await this.#slots.run(() => this.#soon(() => this.#js.publish(subject, payload, options)));
    return ack.seq;
  }

  /**
   * Stores `message` on its channel's `subject` after every message queued there before it, with
   * a timetoken from the clock as it is sent, above the channel's last (rewriting `message`, see
   * `stamp`, and setting its `prev`). `ref` is the stream sequence of its shared payload, for an envelope in parts
   * that refers to one.
   */
  append(subject: string, message: BusMessage, ref?: Promise<number>): Promise<void> {
    const before = this.#queues.get(subject);
    const store = () => this.#store(subject, message, ref);
    const stored = before === undefined ? store() : before.then(store);
    const settled = stored.then(
      () => {},
      () => {},
    );
    this.#queues.set(subject, settled);
    void settled.then(() => {
      if (this.#queues.get(subject) === settled) this.#queues.delete(subject);
    });
    return stored;
  }

  async #store(subject: string, message: BusMessage, ref: Promise<number> | undefined): Promise<void> {
    const refSeq = ref === undefined ? undefined : await ref;
    let tail = this.#tails.get(subject) ?? NOTHING_STORED;
    for (let attempt = 1; ; attempt++) {
      try {
        const ack = await this.#publish(subject, message, tail, refSeq);
        // A duplicate (bus.ts, `id`) was stored before, with another timetoken: nothing new is on the channel.
        if (!ack.duplicate) {
          this.saw(subject, ack.seq, BigInt(message.timetoken));
          this.#options.stored.add(ack.seq, message);
        }
        return;
      } catch (error) {
        if (!(error instanceof JetStreamApiError && error.code === WRONG_LAST_SEQUENCE) || attempt >= this.#options.attempts) throw error;
        await backOff(attempt);
        tail = await this.#lastOn(subject, tail);
      }
    }
  }

  #publish(subject: string, message: BusMessage, tail: Tail, refSeq: number | undefined): Promise<PubAck> {
    return this.#slots.run(() => this.#soon(() => this.#send(subject, message, tail, refSeq)));
  }

  /**
   * Runs `send` (a publish) at the end of this turn of the event loop, with every other publish
   * handed over in it: the client writes what they queue to its socket once, where each publish
   * made on its own (one per HTTP request) costs a write of its own.
   */
  #soon<T>(send: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#batch.add(() => {
        try {
          send().then(resolve, reject);
        } catch (error) {
          reject(error as Error);
        }
      });
    });
  }

  /**
   * Gives `message` a timetoken from the clock now, above the channel's last (`tail`), rewriting
   * its envelope (`restamp`) when that moves it on.
   */
  #stamp(message: BusMessage, tail: Tail): void {
    const now = this.#options.clock.next();
    const floor = tail.timetoken + 1n;
    const timetoken = now >= floor ? now.toString() : checkedFloor(floor, message.channel);
    if (timetoken !== message.timetoken) restamp(message, timetoken);
  }

  #send(subject: string, message: BusMessage, tail: Tail, refSeq: number | undefined): Promise<PubAck> {
    this.#stamp(message, tail);
    const outgoing = encode(message, refSeq !== undefined);
    // `append`: the headers are new, and `set` would first search them for the name to delete.
    const h = headers();
    h.append(HEADERS.timetoken, message.timetoken);
    h.append(HEADERS.kind, outgoing.kind);
    for (const [name, value] of this.#options.subjects.channelHeaders(message.channel)) h.append(name, value);
    // The publisher's copy says what every node's will (bus.ts, `prev`).
    message.prev = tail.known ? tail.timetoken.toString() : undefined;
    if (message.prev !== undefined) h.append(HEADERS.prev, message.prev);
    if (outgoing.cut !== undefined) h.append(HEADERS.cut, outgoing.cut);
    if (refSeq !== undefined) h.append(HEADERS.ref, String(refSeq));
    const options = {
      headers: h,
      timeout: this.#options.timeoutMs,
      expect: { lastSubjectSequence: tail.seq },
      ...(message.id === undefined ? {} : { msgID: message.id }),
    };
    return this.#js.publish(subject, outgoing.body, options);
  }

  /**
   * The channel's last stored message, read from JetStream (its leader, so it is current). When
   * its timetoken is no floor (checks.ts), the channel goes on above `before`, the last one known.
   */
  async #lastOn(subject: string, before: Tail): Promise<Tail> {
    const last = await this.#jsm.streams.getMessage(this.#options.stream, { last_by_subj: subject });
    if (!last) return NOTHING_STORED;
    const timetoken = storedTimetoken(last.header?.get(HEADERS.timetoken) ?? '', last.time.getTime());
    return timetoken === undefined ? { ...before, seq: last.seq } : { seq: last.seq, timetoken, known: true };
  }
}

/**
 * The timetoken a message must move on to, refused when it is further ahead of this node's clock
 * than `TimetokenClock` ever goes: the channel's last message came from a clock far ahead of
 * this one, and other nodes might not deliver a message stamped after it (checks.ts). The
 * publish fails rather than store what no node would deliver.
 */
function checkedFloor(floor: bigint, channel: string): string {
  const ceiling = wallClock() + MAX_LEAD + CEILING_SLACK;
  if (floor > ceiling) {
    const ahead = (floor - wallClock()) / 10_000_000n;
    throw new Error(
      `Cannot publish on ${JSON.stringify(channel)}: its last message's timetoken is ${ahead} s ahead of this node's clock (nodes' clocks must agree within a minute).`,
    );
  }
  return floor.toString();
}
