import type { JetStreamManager } from '@nats-io/jetstream';
import { BoundedMap } from '../../bounded-map.ts';
import { isJson, RefusedMessage } from './checks.ts';
import type { NatsSubjects } from './subjects.ts';

/** A payload message as read: where it was stored, its text, and whether that text was found to be JSON. */
interface Kept {
  subject: string;
  text: string;
  json?: boolean;
}

/**
 * App Context payloads stored once per event (wire.ts, kind `r`), by stream sequence: those the
 * feed saw go before the envelopes that refer to them, so they are usually at hand; any other is
 * read from JetStream once and kept.
 */
export class SharedPayloads {
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #subjects: NatsSubjects;
  readonly #kept: BoundedMap<number, Kept>;

  constructor(jsm: JetStreamManager, stream: string, subjects: NatsSubjects, capacity: number) {
    this.#jsm = jsm;
    this.#stream = stream;
    this.#subjects = subjects;
    this.#kept = new BoundedMap(capacity);
  }

  keep(seq: number, subject: string, text: string): void {
    this.#kept.set(seq, { subject, text });
  }

  /**
   * The payload stored at `ref` for an envelope of keyset `subKey` stored at `seq`; `undefined`
   * when retention dropped it. Throws `RefusedMessage` when `ref` is not a payload of that keyset
   * stored before the envelope, or not JSON (checked once per payload).
   */
  async get(ref: number, subKey: string, seq: number): Promise<string | undefined> {
    if (ref >= seq) throw new RefusedMessage(`An envelope at stream sequence ${seq} refers to a payload at ${ref}, not stored before it.`);
    const kept = this.#kept.get(ref) ?? (await this.#read(ref));
    if (!kept) return undefined;
    if (!this.#subjects.isPayloadOf(kept.subject, subKey))
      throw new RefusedMessage(`An envelope refers to stream sequence ${ref}, which is not a payload of its keyset.`);
    kept.json ??= isJson(kept.text);
    if (!kept.json) throw new RefusedMessage(`The App Context payload at stream sequence ${ref} is not JSON.`);
    return kept.text;
  }

  async #read(ref: number): Promise<Kept | undefined> {
    const stored = await this.#jsm.streams.getMessage(this.#stream, { seq: ref });
    if (!stored) return undefined;
    const kept: Kept = { subject: stored.subject, text: stored.string() };
    this.#kept.set(ref, kept);
    return kept;
  }
}
