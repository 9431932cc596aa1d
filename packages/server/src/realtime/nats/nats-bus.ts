import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_HUB_OPTIONS } from '../../model/hub-options.ts';
import type { BusAttachment, BusMessage, BusReceiver, EventBus, Replay } from '../bus.ts';
import { ChannelOrder } from './channel-order.ts';
import { Feed } from './feed.ts';
import { checkSizes, limitsOf, type NatsBusLimits } from './limits.ts';
import { SharedPayloads } from './payloads.ts';
import { replayChannel, type ReplayParts } from './replay.ts';
import { StoredHere } from './stored-here.ts';
import { ensureStream, type StreamSettings } from './stream.ts';
import { NatsSubjects } from './subjects.ts';
import { STDERR_LOG } from '../../model/log.ts';
import { TimetokenClock } from '../timetoken.ts';

export interface NatsBusOptions {
  /** The NATS server, or several comma-separated (`nats://a:4222,nats://b:4222`). */
  servers: string;
  /** The JetStream stream's name. @default 'ROSTER' */
  stream?: string;
  /** The first token(s) of every subject (subjects.ts). @default 'roster' */
  subjectPrefix?: string;
  /** How long envelopes are retained for replay, in seconds. @default the hub's `channelLogSeconds` (600) */
  maxAgeSeconds?: number;
  /** The stream's size limit, in bytes. @default 1 GiB */
  maxBytes?: number;
  /** Envelopes retained per channel; -1 for no limit. @default the hub's `channelLogSize` (100) */
  maxPerChannel?: number;
  /** Copies of the stream on a NATS cluster. @default 1 */
  replicas?: number;
  /** How long a publish waits for JetStream's answer, in milliseconds. @default 5000 */
  publishTimeoutMs?: number;
  /** How long a replay may take, in milliseconds. @default 5000 */
  replayTimeoutMs?: number;
  /**
   * How long each node holds what arrives before delivering it, so that messages of different
   * channels published at once on different nodes go out in timetoken order (feed.ts, `Settling`).
   * @default 20
   */
  settleMs?: number;
  /** How far before a timetoken a replay starts reading, in seconds (see `ReplayParts.slackMs`). @default 120 */
  replaySlackSeconds?: number;
  /**
   * The node's timetoken clock, shared with its hub: each message is stamped from it as it is
   * sent (channel-order.ts), after every timetoken the hub handed out before. @default a clock of its own
   */
  clock?: TimetokenClock;
  /** Told what failed beyond any caller's reach: a receiver that threw, an unreadable message, a consumer that stopped. @default stderr */
  onError?: (error: unknown) => void;
  /** Told when the connection to NATS is lost and found again. @default stderr */
  onStatus?: (line: string) => void;
}

const TAKEN = Promise.resolve();
/** NATS's own default, should the server not say. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** What a node's feed may hold of the stream ahead of what it took, in bytes (at least two of NATS's largest messages). */
const FEED_PREFETCH_BYTES = 4 * 1024 * 1024;
/** Publishes waiting for JetStream's answer at once (channel-order.ts). */
const PUBLISHES_IN_FLIGHT = 512;
/** How long `close` lets the connection drain. */
const DRAIN_MS = 2000;
const reportError = (error: unknown) => STDERR_LOG.error({ err: error }, 'NATS event bus');
const reportStatus = (line: string) => STDERR_LOG.warn({}, `NATS event bus: ${line}`);

/** What the bus is made of once connected. */
interface NatsBusParts {
  nc: NatsConnection;
  subjects: NatsSubjects;
  order: ChannelOrder;
  feed: Feed;
  replay: ReplayParts;
  limits: NatsBusLimits;
}

/**
 * The event bus of a cluster: every node publishes into one JetStream stream and reads all of it
 * back (design in docs/decisions.md, "The NATS event bus").
 *
 * - Each channel is one subject; a store there is conditional on the subject's last sequence, so
 *   timetokens increase per channel across all nodes and stream order is timetoken order
 *   (channel-order.ts). An App Context event's payload is stored once, its channels refer to it.
 * - Each node follows the whole stream from where it stood when it connected, with an ordered
 *   consumer (feed.ts): every message once, in order, again after a reconnect. Interest is not
 *   needed for that and is ignored, as in-process.
 * - The stream's retention (age, bytes, per channel) is the replay log: `replay` gives what a
 *   subscriber that comes back with an older timetoken missed, and says whether retention
 *   dropped any of it.
 *
 * @example
 * const bus = await NatsBus.connect({ servers: 'nats://127.0.0.1:4222' });
 * const node = bus.attach((batch) => delivery.deliver(batch));
 * await bus.publish([sequencer.message('demo', 'room', input)]);
 * await bus.close(); // waits for publishes under way, then drains the connection
 */
export class NatsBus implements EventBus {
  readonly #parts: NatsBusParts;
  /** Names this node's payload subjects: unique per bus, so nodes never write the same one. */
  readonly #node = randomBytes(6).toString('hex');
  #payloadCount = 0;
  readonly #publishing = new Set<Promise<void>>();
  #connected = true;
  #closing: Promise<void> | undefined;

  private constructor(parts: NatsBusParts) {
    this.#parts = parts;
  }

  /** Connects, makes or updates the stream, and starts following it from its end. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    // `noAsyncTraces`: no stack captured per request (every JetStream publish is one); a failed
    // publish's error still says what failed.
    const nc = await connect({ servers: options.servers.split(','), name: 'roster', maxReconnectAttempts: -1, reconnectTimeWait: 250, noAsyncTraces: true });
    try {
      return await NatsBus.#on(nc, options);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  static async #on(nc: NatsConnection, options: NatsBusOptions): Promise<NatsBus> {
    const onError = options.onError ?? reportError;
    const subjects = new NatsSubjects(options.subjectPrefix ?? 'roster');
    const timeoutMs = options.publishTimeoutMs ?? 5000;
    const settings: StreamSettings = {
      name: options.stream ?? 'ROSTER',
      subjects: subjects.all(),
      maxAgeSeconds: options.maxAgeSeconds ?? DEFAULT_HUB_OPTIONS.channelLogSeconds,
      maxBytes: options.maxBytes ?? 1024 ** 3,
      maxPerChannel: options.maxPerChannel ?? DEFAULT_HUB_OPTIONS.channelLogSize,
      replicas: options.replicas ?? 1,
    };
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc, { timeout: timeoutMs });
    const info = await ensureStream(jsm, settings);
    const stream = settings.name;
    const clock = options.clock ?? new TimetokenClock();
    const maxPayload = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    const prefetchBytes = Math.max(FEED_PREFETCH_BYTES, 2 * maxPayload);
    // Room for every publish in flight, several times over, and no more bytes than the feed reads ahead.
    const stored = new StoredHere(8 * PUBLISHES_IN_FLIGHT, prefetchBytes);
    const order = new ChannelOrder(js, jsm, {
      stream,
      subjects,
      rememberedChannels: 100_000,
      inFlight: PUBLISHES_IN_FLIGHT,
      timeoutMs,
      attempts: 20,
      clock,
      stored,
    });
    const payloads = new SharedPayloads(jsm, stream, subjects, 4096);
    const feedParts = { js, stream, subjects, order, payloads, stored, onError, retryMs: 500, settleMs: options.settleMs ?? 20, prefetchBytes };
    const feed = new Feed(feedParts, info.state.last_seq + 1);
    const replay: ReplayParts = {
      js,
      jsm,
      stream,
      subjects,
      payloads,
      slackMs: (options.replaySlackSeconds ?? 120) * 1000,
      timeoutMs: options.replayTimeoutMs ?? 5000,
    };
    const limits = limitsOf(maxPayload);
    const bus = new NatsBus({ nc, subjects, order, feed, replay, limits });
    void bus.#watch(options.onStatus ?? reportStatus);
    return bus;
  }

  /**
   * Follows the connection: the client reconnects by itself and the feed resumes where it
   * stopped; meanwhile publishes are refused at once rather than buffered, so none is stored
   * after its publisher was told it failed.
   */
  async #watch(onStatus: (line: string) => void): Promise<void> {
    for await (const status of this.#parts.nc.status()) {
      if (status.type === 'disconnect') {
        this.#connected = false;
        onStatus(`lost the connection to ${status.server}; reconnecting`);
      } else if (status.type === 'reconnect') {
        this.#connected = true;
        onStatus(`reconnected to ${status.server}`);
        this.#parts.feed.resume();
      }
    }
  }

  publish(batch: readonly BusMessage[]): Promise<void> {
    if (this.#closing) return Promise.reject(new Error('The event bus is closed.'));
    if (!this.#connected) return Promise.reject(new Error('The event bus is not connected to NATS.'));
    if (batch.length === 0) return TAKEN;
    try {
      checkSizes(batch, this.#parts.limits, this.#parts.subjects);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const publishing = this.#store(batch);
    this.#publishing.add(publishing);
    const forget = () => void this.#publishing.delete(publishing);
    publishing.then(forget, forget);
    return publishing;
  }

  attach(receive: BusReceiver): BusAttachment {
    if (this.#closing) throw new Error('The event bus is closed.');
    const place: BusReceiver = (batch) => receive(batch);
    this.#parts.feed.add(place);
    return {
      onInterest: () => {},
      onNoInterest: () => {},
      detach: async () => this.#parts.feed.remove(place),
    };
  }

  /** Whether publishes can reach NATS now: not while the connection is lost, nor once closing. */
  connected(): boolean {
    return this.#connected && this.#closing === undefined;
  }

  /** What one message may hold on the NATS server the bus connected to; a publish with a larger envelope is refused at once. */
  get limits(): NatsBusLimits {
    return this.#parts.limits;
  }

  /**
   * `late`: messages delivered after one of a higher timetoken on another channel of their
   * keyset (they landed more than `settleMs` late). `refused`: stored messages this node did not
   * deliver, not being what a node writes (checks.ts) or having lost their shared payload.
   */
  stats(): { late: number; refused: number } {
    return { late: this.#parts.feed.late, refused: this.#parts.feed.refused };
  }

  replay(subKey: string, channel: string, after: string, limit: number): Promise<Replay> {
    if (this.#closing) return Promise.reject(new Error('The event bus is closed.'));
    return replayChannel(this.#parts.replay, subKey, channel, after, limit);
  }

  /** Refuses new publishes, waits for those under way, stops following the stream and drains the connection (closes it when NATS is gone). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#publishing]);
      await this.#parts.feed.stop();
      const { nc } = this.#parts;
      // Draining waits for the server; one that is gone gets a plain close after a moment.
      await Promise.race([nc.drain().catch(() => {}), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
      if (!nc.isClosed()) await nc.close();
    })();
    return this.#closing;
  }

  /**
   * Hands every message to its channel's queue at once (so channels keep the order of publish
   * calls), an App Context payload shared by several of them stored once first.
   */
  #store(batch: readonly BusMessage[]): Promise<void> {
    const { subjects, order } = this.#parts;
    const shared = sharedPayloads(batch);
    const refs = new Map<string, Promise<number>>();
    const stores = batch.map((message) => {
      const envelope = message.envelope;
      let ref: Promise<number> | undefined;
      if (typeof envelope !== 'string' && shared.has(envelope.payload)) {
        ref = refs.get(envelope.payload);
        if (!ref) {
          const subject = subjects.payload(message.subKey, `${this.#node}${(++this.#payloadCount).toString(36)}`);
          ref = order.storePayload(subject, envelope.payload, message.id === undefined ? undefined : `${message.id}.p`);
          ref.catch(() => {}); // its failure reaches the caller through the envelopes that wait for it
          refs.set(envelope.payload, ref);
        }
      }
      return order.append(subjects.channel(message.subKey, message.channel), message, ref);
    });
    return Promise.all(stores).then(() => {});
  }
}

/** Payload texts that envelopes in parts of more than one channel share (keyset by keyset: a payload subject is a keyset's). */
function sharedPayloads(batch: readonly BusMessage[]): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  let subKey: string | undefined;
  for (const message of batch) {
    if (typeof message.envelope === 'string') continue;
    if (subKey !== undefined && message.subKey !== subKey) return new Set(); // mixed keysets: each envelope carries its own payload
    subKey = message.subKey;
    if (seen.has(message.envelope.payload)) shared.add(message.envelope.payload);
    else seen.add(message.envelope.payload);
  }
  return shared;
}
