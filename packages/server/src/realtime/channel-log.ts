import { envelopeText, type Envelope } from './envelope.ts';
import { textBytes } from '../kept-bytes.ts';
import type { Timetoken } from './timetoken.ts';

/** What a subscribe filter (`filter-expr`) reads from a published message. */
export interface FilterSubject {
  /** The `meta` object given at publish time. */
  meta: unknown;
  /** The message payload. */
  data: unknown;
  /** The publisher's uuid (`uuid` query parameter of the publish). */
  publisher: string | undefined;
}

/**
 * One envelope as the channel keeps it: serialized once, sent to every subscriber as is. It
 * holds no parsed values: a parsed payload can cost many times its text (`[{},{},…]` about
 * twenty times), so what a filter reads is parsed again from the text when needed (`subjectOf`).
 */
export interface LoggedMessage {
  timetoken: Timetoken;
  /** The envelope, ready to be placed in a subscribe answer's `m` array (parts are joined there). */
  json: Envelope;
  /** Whether subscribe filters apply: published messages yes, App Context events no. */
  filtered: boolean;
  /** What keeping it costs, in bytes (`entryBytes`), the shared payload of parts not included. */
  bytes: number;
  /** The payload this entry shares with other channels' entries of the same event, counted once for all. */
  shared?: SharedPayload | undefined;
}

/**
 * A payload text kept by several log entries (one App Context event on many channels): its
 * bytes count once, while at least one entry refers to it (`refs`).
 */
export interface SharedPayload {
  readonly text: string;
  /** `textBytes(text)`, computed once. */
  readonly bytes: number;
  refs: number;
}

/**
 * What keeping an entry costs beyond its text: the entry, its timetoken and its slot in the log,
 * in bytes (about 90 measured on Node 20, 64-bit).
 */
export const ENTRY_OVERHEAD_BYTES = 128;
/** What a channel's log costs beyond its entries and its name: the log, its array and map entry, in bytes. */
export const LOG_OVERHEAD_BYTES = 256;

/**
 * What keeping an envelope costs: its text and `ENTRY_OVERHEAD_BYTES`; for parts, the head and
 * tail only, at 2 bytes a character (an upper bound that spares testing 50,000 small texts per
 * event); the shared payload is counted once per event (`SharedPayload`).
 */
export function entryBytes(json: Envelope): number {
  const text = typeof json === 'string' ? textBytes(json) : 2 * (json.head.length + json.tail.length);
  return text + ENTRY_OVERHEAD_BYTES;
}

/** What a filter reads from a message envelope, parsed again from its JSON text (`u` meta, `d` payload, `i` publisher). */
export function subjectOf(envelopeJson: Envelope): FilterSubject {
  const envelope = JSON.parse(envelopeText(envelopeJson)) as { u?: unknown; d?: unknown; i?: unknown };
  return { meta: envelope.u, data: envelope.d, publisher: typeof envelope.i === 'string' ? envelope.i : undefined };
}

/** Changes of any log's `since` so far, in the order they happened (`ChannelLog.sinceChange`). */
let sinceChanges = 0;

/**
 * A channel's recent envelopes in timetoken order, bounded in count (and in age, by delivery.ts):
 * a subscriber that reconnects with its last timetoken gets everything after it that is still
 * kept, and nothing before.
 *
 * `since` says from where the log is whole: when it is given every envelope of its channel from
 * then on (a bus that links each message to the one before it, see `BusMessage.prev`), it holds
 * every envelope after `since`. Letting the oldest go moves it on.
 */
export class ChannelLog {
  readonly #entries: LoggedMessage[] = [];
  readonly #maxMessages: number;
  readonly #onDrop: (entry: LoggedMessage) => void;
  #bytes: number;
  #since: Timetoken;
  #sinceChange = ++sinceChanges;
  /** The timetoken of the write that last put it at the newest end of its keyset's logs (kept by `ChannelLogs`). */
  placed: Timetoken = -1n;

  /** How many changes of any log's `since` there have been so far: a log whose `sinceChange` is at most this had its `since` set before now. */
  static sinceChanges(): number {
    return sinceChanges;
  }

  /**
   * @param maxMessages envelopes kept; the oldest goes first.
   * @param baseBytes what the log costs when empty (see `bytes`).
   * @param onDrop told of each entry the log lets go of (its shared payload may be released).
   * @param since the log holds every envelope after this timetoken (see the class).
   */
  constructor(maxMessages: number, baseBytes = 0, onDrop: (entry: LoggedMessage) => void = () => {}, since: Timetoken = -1n) {
    this.#maxMessages = Math.max(1, maxMessages);
    this.#bytes = baseBytes;
    this.#onDrop = onDrop;
    this.#since = since;
  }

  /** Adds an envelope; its timetoken must be greater than every one already kept. */
  append(entry: LoggedMessage): void {
    this.#entries.push(entry);
    this.#bytes += entry.bytes;
    if (this.#entries.length > this.#maxMessages) this.#dropOldest(this.#entries.shift()!);
  }

  /** Forgets every envelope (the log itself is being dropped). */
  clear(): void {
    for (const dropped of this.#entries.splice(0)) this.#drop(dropped);
  }

  /** Forgets every envelope: what the channel had between them and `since` is not here (a gap). */
  reset(since: Timetoken): void {
    this.clear();
    this.#since = since;
    this.#sinceChange = ++sinceChanges;
  }

  /** The log holds every envelope of its channel after this timetoken (see the class). */
  get since(): Timetoken {
    return this.#since;
  }

  /** When `since` was last set, as a count of `ChannelLog.sinceChanges()`. */
  get sinceChange(): number {
    return this.#sinceChange;
  }

  /**
   * An envelope at or before `since` came by, which the log does not take: it counts as a change
   * of `since`, so that a replay read before it came is not joined to the log (it may lack it).
   */
  passedOver(): void {
    this.#sinceChange = ++sinceChanges;
  }

  /** The newest timetoken the log accounts for: its newest envelope's, or `since` when it is empty. */
  tail(): Timetoken {
    return this.#entries.at(-1)?.timetoken ?? this.#since;
  }

  #dropOldest(entry: LoggedMessage): void {
    this.#since = entry.timetoken;
    this.#sinceChange = ++sinceChanges;
    this.#drop(entry);
  }

  #drop(entry: LoggedMessage): void {
    this.#bytes -= entry.bytes;
    this.#onDrop(entry);
  }

  /** Forgets envelopes older than `cutoff`. */
  dropBefore(cutoff: Timetoken): void {
    let count = 0;
    while (count < this.#entries.length && this.#entries[count]!.timetoken < cutoff) count++;
    for (const dropped of this.#entries.splice(0, count)) this.#dropOldest(dropped);
  }

  /** The kept envelopes with a timetoken greater than `timetoken`, oldest first. */
  after(timetoken: Timetoken): LoggedMessage[] {
    const low = this.indexAfter(timetoken);
    return low === this.#entries.length ? [] : this.#entries.slice(low);
  }

  /** Position of the first kept envelope with a timetoken greater than `timetoken` (`size` when none); O(log size). */
  indexAfter(timetoken: Timetoken): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#entries[middle]!.timetoken > timetoken) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  /** The kept envelope at `index` (0 the oldest), `undefined` past the end. */
  at(index: number): LoggedMessage | undefined {
    return this.#entries[index];
  }

  /** The timetoken of the newest kept envelope. */
  newest(): Timetoken | undefined {
    return this.#entries.at(-1)?.timetoken;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** What the log costs in memory, in bytes: its base and the `bytes` of each kept entry (shared payloads not included). */
  get bytes(): number {
    return this.#bytes;
  }
}
