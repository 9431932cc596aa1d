import type { JetStreamManager } from '@nats-io/jetstream';
import { BoundedMap } from '../../bounded-map.ts';

/**
 * App Context payloads stored once per event (wire.ts, kind `r`), by stream sequence: those the
 * feed saw go before the envelopes that refer to them, so they are usually at hand; any other is
 * read from JetStream once and kept.
 */
export class SharedPayloads {
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #kept: BoundedMap<number, string>;

  constructor(jsm: JetStreamManager, stream: string, capacity: number) {
    this.#jsm = jsm;
    this.#stream = stream;
    this.#kept = new BoundedMap(capacity);
  }

  keep(seq: number, text: string): void {
    this.#kept.set(seq, text);
  }

  /** The payload stored at `seq`; `undefined` when retention dropped it. */
  async get(seq: number): Promise<string | undefined> {
    const kept = this.#kept.get(seq);
    if (kept !== undefined) return kept;
    const stored = await this.#jsm.streams.getMessage(this.#stream, { seq });
    if (!stored) return undefined;
    const text = stored.string();
    this.#kept.set(seq, text);
    return text;
  }
}
