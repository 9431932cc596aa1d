import type { BusMessage } from '../bus.ts';
import { subjectOf } from '../channel-log.ts';

/**
 * How one `BusMessage` is stored in JetStream on its channel's subject: the envelope's text once,
 * and headers that say how to read it back. Everything a node needs to deliver it travels with
 * it: what a subscribe filter reads is the envelope's `u`, `d` and `i`, parsed again on arrival.
 *
 * Kinds (`Roster-Kind`):
 * - `m`: a published message, the envelope as text; its filter subject is parsed from it.
 * - `e`: an envelope as text with no filter subject.
 * - `i`: an envelope in parts, all three in the body (`Roster-Cut: <head length>,<payload length>`).
 * - `r`: an envelope in parts whose payload is shared with other channels of the same event: the
 *   body is head and tail (`Roster-Cut: <head length>`), the payload is the message whose stream
 *   sequence `Roster-Ref` gives, published once before the envelopes that refer to it.
 *
 * `Roster-Tt` is the timetoken; `Roster-Prev` the timetoken of the message stored just before on
 * the same channel, when known, which tells a replay whether retention dropped anything in between.
 */
export const HEADERS = {
  timetoken: 'Roster-Tt',
  prev: 'Roster-Prev',
  kind: 'Roster-Kind',
  cut: 'Roster-Cut',
  ref: 'Roster-Ref',
} as const;

export type WireKind = 'm' | 'e' | 'i' | 'r';

/** A message as it goes into JetStream (the timetoken headers are added when it is published). */
export interface Outgoing {
  kind: WireKind;
  body: string;
  cut?: string | undefined;
}

/** @param shared whether the payload of an envelope in parts is published once for several channels (kind `r`). */
export function encode(message: BusMessage, shared: boolean): Outgoing {
  const envelope = message.envelope;
  if (typeof envelope === 'string') return { kind: message.subject === undefined ? 'e' : 'm', body: envelope };
  if (shared) return { kind: 'r', body: envelope.head + envelope.tail, cut: String(envelope.head.length) };
  return { kind: 'i', body: envelope.head + envelope.payload + envelope.tail, cut: `${envelope.head.length},${envelope.payload.length}` };
}

/** A channel's stored message, read but not yet a `BusMessage` (a shared payload may still have to be fetched). */
export interface Stored {
  timetoken: string;
  /** The timetoken of the message before it on its channel; `undefined` when that was not known. */
  prev: string | undefined;
  kind: WireKind;
  text: string;
  cut: readonly number[];
  /** Stream sequence of the shared payload (kind `r`). */
  ref: number | undefined;
}

const KINDS = new Set<string>(['m', 'e', 'i', 'r']);
const DIGITS = /^\d{1,19}$/;

/** Reads a stored message from its headers (`header(name)` gives '' when absent) and body; throws when they are not Roster's. */
export function readStored(header: (name: string) => string, text: string): Stored {
  const timetoken = header(HEADERS.timetoken);
  const kind = header(HEADERS.kind);
  if (!DIGITS.test(timetoken) || !KINDS.has(kind)) throw new Error(`Not a Roster envelope (kind ${JSON.stringify(kind)}, timetoken ${JSON.stringify(timetoken)})`);
  const prev = header(HEADERS.prev);
  const cut = header(HEADERS.cut);
  const ref = header(HEADERS.ref);
  return {
    timetoken,
    prev: DIGITS.test(prev) ? prev : undefined,
    kind: kind as WireKind,
    text,
    cut: cut === '' ? [] : cut.split(',').map(Number),
    ref: kind === 'r' ? Number(ref) : undefined,
  };
}

/** The `BusMessage` a stored message stands for; `payload` is the shared payload's text for kind `r`. */
export function toBusMessage(subKey: string, channel: string, stored: Stored, payload?: string): BusMessage {
  const { timetoken, text, cut } = stored;
  switch (stored.kind) {
    case 'm':
      return { subKey, channel, timetoken, envelope: text, subject: subjectOf(text) };
    case 'e':
      return { subKey, channel, timetoken, envelope: text };
    case 'i': {
      const [head = 0, length = 0] = cut;
      return { subKey, channel, timetoken, envelope: { head: text.slice(0, head), payload: text.slice(head, head + length), tail: text.slice(head + length) } };
    }
    case 'r': {
      if (payload === undefined) throw new Error(`The shared payload (stream sequence ${stored.ref}) of an envelope on ${channel} is missing.`);
      const [head = 0] = cut;
      return { subKey, channel, timetoken, envelope: { head: text.slice(0, head), payload, tail: text.slice(head) } };
    }
  }
}

/**
 * Gives a message a later timetoken, in `timetoken` and in its envelope's `"p":{"t":…}` (the
 * first such text: fields before it are JSON strings, in which a `"` is always escaped).
 */
export function restamp(message: BusMessage, timetoken: string): void {
  const from = `"p":{"t":"${message.timetoken}"`;
  const to = `"p":{"t":"${timetoken}"`;
  const swap = (text: string) => {
    const at = text.indexOf(from);
    if (at < 0) throw new Error(`The envelope on ${message.channel} has no timetoken ${message.timetoken} to move on.`);
    return text.slice(0, at) + to + text.slice(at + from.length);
  };
  const envelope = message.envelope;
  message.envelope = typeof envelope === 'string' ? swap(envelope) : { ...envelope, head: swap(envelope.head) };
  message.timetoken = timetoken;
}
