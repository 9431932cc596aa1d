import type { BusMessage } from '../bus.ts';
import { subjectOf } from '../channel-log.ts';
import { envelopeChars } from '../envelope.ts';

/** One stored message waiting for the feed: its text only (a subject is parsed again when taken), and what that weighs. */
interface Waiting {
  message: BusMessage;
  hasSubject: boolean;
  bytes: number;
}

/**
 * The messages this node stored on channel subjects, by stream sequence, until its own feed of
 * the stream reaches them (feed.ts). The feed hands those over as they were sent instead of
 * decoding, parsing and checking again what this node rendered itself: a message's stored
 * headers and body say exactly what its `BusMessage` does (wire.ts). Other nodes read it from
 * the stream as before.
 *
 * JetStream's answer to a publish and the feed's copy race on the connection: one the feed passed
 * before the answer came back is not kept. The feed may be behind or down a while, so what waits
 * is bounded in count and in the UTF-16 bytes of its envelopes; past either, the oldest go and
 * the feed reads them from the stream as any other. A published message's filter subject (its
 * parsed payload, which may weigh many times its text) is not kept: it is parsed again when taken.
 */
export class StoredHere {
  readonly #capacity: number;
  readonly #maxBytes: number;
  readonly #waiting = new Map<number, Waiting>();
  #bytes = 0;
  /** The last sequence the feed took: what is stored at or below it has been handed over already. */
  #passed = 0;

  constructor(capacity: number, maxBytes = Number.POSITIVE_INFINITY) {
    this.#capacity = capacity;
    this.#maxBytes = maxBytes;
  }

  /** Waiting messages (for tests and the bound). */
  get size(): number {
    return this.#waiting.size;
  }

  /** `message` was stored at `seq` (JetStream's answer; not a duplicate): kept as every node will read it back. */
  add(seq: number, message: BusMessage): void {
    const bytes = 2 * envelopeChars(message.envelope);
    if (seq <= this.#passed || bytes > this.#maxBytes) return;
    while (this.#waiting.size > 0 && (this.#waiting.size >= this.#capacity || this.#bytes + bytes > this.#maxBytes)) {
      this.#drop(this.#waiting.keys().next().value!);
    }
    if (this.#waiting.size >= this.#capacity) return; // a capacity of 0 keeps nothing
    this.#waiting.set(seq, { message: asStored(message), hasSubject: message.subject !== undefined, bytes });
    this.#bytes += bytes;
  }

  /**
   * The feed is at `seq`: the message this node stored there, if it is waiting; those waiting
   * below it are dropped (the feed passed them before their answer came back, or after a gap).
   */
  take(seq: number): BusMessage | undefined {
    this.#passed = seq;
    for (const [waiting] of this.#waiting) {
      if (waiting >= seq) break;
      this.#drop(waiting);
    }
    const entry = this.#waiting.get(seq);
    if (entry === undefined) return undefined;
    this.#drop(seq);
    if (entry.hasSubject) entry.message.subject = subjectOf(entry.message.envelope);
    return entry.message;
  }

  #drop(seq: number): void {
    const entry = this.#waiting.get(seq);
    if (entry === undefined) return;
    this.#waiting.delete(seq);
    this.#bytes -= entry.bytes;
  }
}

/** What the feed rebuilds from the stored message (wire.ts `toBusMessage`), less its subject: no id, no `alwaysLogged`, `prev` only when known. */
function asStored(message: BusMessage): BusMessage {
  const { subKey, channel, timetoken, envelope, prev } = message;
  const stored: BusMessage = { subKey, channel, timetoken, envelope };
  if (prev !== undefined) stored.prev = prev;
  return stored;
}
