import type { BusMessage } from '../bus.ts';

/**
 * The messages this node stored on channel subjects, by stream sequence, until its own feed of
 * the stream reaches them (feed.ts). The feed hands those over as they were sent instead of
 * decoding, parsing and checking again what this node rendered itself: a message's stored
 * headers and body say exactly what its `BusMessage` does (wire.ts). Other nodes read it from
 * the stream as before.
 *
 * JetStream's answer to a publish and the feed's copy of the message race on the connection: one
 * the feed passed before the answer came back is not kept. At most `capacity` wait (the feed may
 * be down a while); past that the oldest go, and the feed reads them from the stream as any other.
 */
export class StoredHere {
  readonly #capacity: number;
  readonly #waiting = new Map<number, BusMessage>();
  /** The last sequence the feed took: what is stored at or below it has been handed over already. */
  #passed = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Waiting messages (for tests and the bound). */
  get size(): number {
    return this.#waiting.size;
  }

  /** `message` was stored at `seq` (JetStream's answer; not a duplicate): kept as every node will read it back. */
  add(seq: number, message: BusMessage): void {
    if (seq <= this.#passed) return;
    if (this.#waiting.size >= this.#capacity) this.#waiting.delete(this.#waiting.keys().next().value!);
    this.#waiting.set(seq, asStored(message));
  }

  /**
   * The feed is at `seq`: the message this node stored there, if it is waiting; those waiting
   * below it are dropped (the feed passed them before their answer came back, or after a gap).
   */
  take(seq: number): BusMessage | undefined {
    this.#passed = seq;
    for (const [waiting] of this.#waiting) {
      if (waiting >= seq) break;
      this.#waiting.delete(waiting);
    }
    const message = this.#waiting.get(seq);
    if (message !== undefined) this.#waiting.delete(seq);
    return message;
  }
}

/** What the feed rebuilds from the stored message (wire.ts `toBusMessage`): no id, no `alwaysLogged`, `prev` only when known. */
function asStored(message: BusMessage): BusMessage {
  const { subKey, channel, timetoken, envelope, subject, prev } = message;
  const stored: BusMessage = { subKey, channel, timetoken, envelope };
  if (subject !== undefined) stored.subject = subject;
  if (prev !== undefined) stored.prev = prev;
  return stored;
}
