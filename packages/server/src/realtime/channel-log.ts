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

/** One envelope as the channel keeps it: serialized once, sent to every subscriber as is. */
export interface LoggedMessage {
  timetoken: Timetoken;
  /** The envelope as JSON text, ready to be placed in a subscribe answer's `m` array. */
  json: string;
  /** `undefined` for App Context events, which subscribe filters do not apply to. */
  subject: FilterSubject | undefined;
}

/**
 * A channel's recent envelopes in timetoken order, bounded in count (and in age, by the hub):
 * a subscriber that reconnects with its last timetoken gets everything after it that is still
 * kept, and nothing before.
 */
export class ChannelLog {
  readonly #entries: LoggedMessage[] = [];
  readonly #maxMessages: number;
  #bytes = 0;

  /** @param maxMessages envelopes kept; the oldest goes first. */
  constructor(maxMessages: number) {
    this.#maxMessages = Math.max(1, maxMessages);
  }

  /** Adds an envelope; its timetoken must be greater than every one already kept. */
  append(entry: LoggedMessage): void {
    this.#entries.push(entry);
    this.#bytes += entry.json.length;
    if (this.#entries.length > this.#maxMessages) this.#bytes -= this.#entries.shift()!.json.length;
  }

  /** Forgets envelopes older than `cutoff`. */
  dropBefore(cutoff: Timetoken): void {
    let count = 0;
    while (count < this.#entries.length && this.#entries[count]!.timetoken < cutoff) count++;
    for (const dropped of this.#entries.splice(0, count)) this.#bytes -= dropped.json.length;
  }

  /** The kept envelopes with a timetoken greater than `timetoken`, oldest first. */
  after(timetoken: Timetoken): LoggedMessage[] {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#entries[middle]!.timetoken > timetoken) high = middle;
      else low = middle + 1;
    }
    return low === this.#entries.length ? [] : this.#entries.slice(low);
  }

  /** The timetoken of the newest kept envelope. */
  newest(): Timetoken | undefined {
    return this.#entries.at(-1)?.timetoken;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The kept envelopes' JSON, in UTF-16 code units: about their size in memory. */
  get bytes(): number {
    return this.#bytes;
  }
}
