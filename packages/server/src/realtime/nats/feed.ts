import { DeliverPolicy, type Consumer, type ConsumerMessages, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { BusMessage, BusReceiver } from '../bus.ts';
import type { ChannelOrder } from './channel-order.ts';
import { RefusedMessage, storedTimetoken } from './checks.ts';
import type { SharedPayloads } from './payloads.ts';
import { Refusals } from './refusals.ts';
import { Settling } from './settling.ts';
import type { StoredHere } from './stored-here.ts';
import type { NatsSubjects } from './subjects.ts';
import { readStored, toBusMessage, type Stored } from './wire.ts';

export interface FeedParts {
  js: JetStreamClient;
  stream: string;
  subjects: NatsSubjects;
  order: ChannelOrder;
  payloads: SharedPayloads;
  /** Messages this node stored, handed over as they were sent rather than read again. */
  stored: StoredHere;
  onError: (error: unknown) => void;
  /** How long to wait before following the stream again after the consumer failed, in milliseconds. */
  retryMs: number;
  /** How long a message waits before it is handed over, so that one landing a little late can still go before it (`Settling`). */
  settleMs: number;
  /**
   * How many bytes of the stream the client may hold ahead of what was taken (at least one message
   * of NATS's largest size): beyond the channel logs' `channelLogMiB`, so it is bounded too.
   */
  prefetchBytes: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * One node's reading of the whole stream, from where it stood when the node connected: an
 * ordered consumer (JetStream hands every message once, in stream order, and the client starts it
 * again from the last one seen after a gap, a reconnect or a server restart). Messages are
 * rebuilt as `BusMessage`s and handed to every attached receiver in batches, through `Settling`:
 * each channel's in stream order, which is its timetoken order, and across channels in timetoken
 * order too unless one landed more than `settleMs` after a later one.
 */
export class Feed {
  readonly #parts: FeedParts;
  readonly #receivers = new Set<BusReceiver>();
  readonly #settling: Settling;
  readonly #refusals: Refusals;
  /** Stream sequence of the last message taken; the consumer starts after it when it is made again. */
  #lastSeq: number;
  #consumer: Consumer | undefined;
  #messages: ConsumerMessages | undefined;
  #stopped = false;
  readonly #running: Promise<void>;

  /** Follows the stream from sequence `startSeq` on. */
  constructor(parts: FeedParts, startSeq: number) {
    this.#parts = parts;
    this.#settling = new Settling(parts.settleMs, (batch) => this.#handOver(batch));
    this.#refusals = new Refusals(parts.onError);
    this.#lastSeq = startSeq - 1;
    this.#running = this.#run();
  }

  add(receive: BusReceiver): void {
    this.#receivers.add(receive);
  }

  remove(receive: BusReceiver): void {
    this.#receivers.delete(receive);
  }

  /**
   * After the connection came back: a restarted server has lost the consumer, and the client
   * would notice only after missed heartbeats (tens of seconds), so it is made again now, after
   * the last message taken.
   */
  resume(): void {
    this.#messages?.stop();
  }

  /** Stops reading and removes the consumer from the server; what was not handed over yet is dropped. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#receivers.clear();
    this.#settling.stop();
    this.#messages?.stop();
    await this.#running;
    await this.#consumer?.delete().catch(() => false);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#follow();
      } catch (error) {
        if (!this.#stopped) this.#parts.onError(error);
      }
      if (!this.#stopped) await pause(this.#parts.retryMs);
    }
  }

  async #follow(): Promise<void> {
    const { js, stream } = this.#parts;
    await this.#consumer?.delete().catch(() => false);
    this.#consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.#lastSeq + 1 });
    if (this.#stopped) return;
    this.#messages = await this.#consumer.consume({ max_bytes: this.#parts.prefetchBytes });
    if (this.#stopped) this.#messages.stop();
    for await (const message of this.#messages) {
      if (this.#stopped) break;
      await this.#take(message);
    }
  }

  async #take(message: JsMsg): Promise<void> {
    this.#lastSeq = message.seq;
    const own = this.#parts.stored.take(message.seq);
    if (own !== undefined && this.#takeOwn(message, own)) return;
    const { subjects, order, payloads } = this.#parts;
    const header = (name: string) => message.headers?.get(name) ?? '';
    try {
      const where = subjects.parse(message.subject, header);
      if (!where) throw new RefusedMessage(`The subject ${JSON.stringify(message.subject.slice(0, 200))} is not one a node writes.`);
      if (where.kind === 'payload') {
        payloads.keep(message.seq, message.subject, message.string());
        return;
      }
      const stored = this.#read(message, header);
      const payload = stored.ref === undefined ? undefined : await payloads.get(stored.ref, where.subKey, message.seq);
      this.#settling.add(toBusMessage(where.subKey, where.channel, stored, payload));
    } catch (error) {
      // One message that cannot be delivered does not stop the others.
      if (error instanceof RefusedMessage) this.#refusals.add(error);
      else this.#parts.onError(error);
    }
  }

  /**
   * Reads a channel's message and tells `ChannelOrder` of it: one whose timetoken is not too far
   * ahead is the floor of the channel's next (even if its envelope is then refused); any other
   * only moves the channel's last sequence on.
   */
  #read(message: JsMsg, header: (name: string) => string): Stored {
    try {
      const stored = readStored(header, message.string(), message.time.getTime());
      this.#parts.order.saw(message.subject, message.seq, BigInt(stored.timetoken));
      return stored;
    } catch (error) {
      this.#parts.order.passed(message.subject, message.seq);
      throw error;
    }
  }

  /**
   * A message this node stored, as it sent it, when its timetoken passes the check every node
   * makes against the time JetStream stored it (`storedTimetoken`); `false` leaves it to be read
   * as any other (and refused).
   */
  #takeOwn(message: JsMsg, own: BusMessage): boolean {
    const timetoken = storedTimetoken(own.timetoken, message.time.getTime());
    if (timetoken === undefined) return false;
    this.#parts.order.saw(message.subject, message.seq, timetoken);
    this.#settling.add(own);
    return true;
  }

  /** Stored messages this node did not deliver: not what a node writes (checks.ts), or an App Context payload retention dropped. */
  get refused(): number {
    return this.#refusals.count;
  }

  /** Messages whose timetoken is below one handed over before: they landed more than `settleMs` late. */
  get late(): number {
    return this.#settling.late;
  }

  #handOver(batch: BusMessage[]): void {
    if (this.#stopped) return;
    for (const receive of this.#receivers) {
      try {
        receive(batch);
      } catch (error) {
        this.#parts.onError(error);
      }
    }
  }
}
