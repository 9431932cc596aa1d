import type { BusMessage } from '../bus.ts';
import { checkedMessage, checkEnvelope, checkParts, checkPayload, RefusedMessage, storedTimetoken, type Origin } from './checks.ts';

/**
 * How one `BusMessage` is stored in JetStream on its channel's subject: the envelope's text once,
 * and headers that say how to read it back. Everything a node needs to deliver it travels with
 * it: what a subscribe filter reads is the envelope's `u`, `d` and `i`, parsed again on arrival.
 *
 * Kinds (`Roster-Kind`):
 * - `m`: a published message or signal (`e: 1`), the envelope as text; its filter subject is parsed from it.
 * - `e`: an envelope as text with no filter subject (a message action event, `e: 3`).
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
const CUT_IN_PARTS = /^(\d{1,9}),(\d{1,9})$/;
const CUT_HEAD = /^\d{1,9}$/;
const SEQUENCE = /^[1-9]\d{0,15}$/;

/**
 * Reads a stored message from its headers (`header(name)` gives '' when absent), body, and the
 * time JetStream stored it; throws `RefusedMessage` when the headers are not what a node writes:
 * a timetoken too far ahead of that time (checks.ts), a cut outside the body, a reference that is
 * not a stream sequence.
 */
export function readStored(header: (name: string) => string, text: string, storedAtMs = Date.now()): Stored {
  const timetoken = header(HEADERS.timetoken);
  const kind = header(HEADERS.kind);
  if (storedTimetoken(timetoken, storedAtMs) === undefined || !KINDS.has(kind))
    throw new RefusedMessage(`Not a Roster envelope (kind ${JSON.stringify(kind)}, timetoken ${JSON.stringify(timetoken)})`);
  const prev = header(HEADERS.prev);
  return {
    timetoken,
    prev: DIGITS.test(prev) ? prev : undefined,
    kind: kind as WireKind,
    text,
    cut: cutOf(kind as WireKind, header(HEADERS.cut), text.length),
    ref: kind === 'r' ? refOf(header(HEADERS.ref)) : undefined,
  };
}

function cutOf(kind: WireKind, cut: string, length: number): number[] {
  if (kind === 'm' || kind === 'e') return [];
  const match = kind === 'i' ? CUT_IN_PARTS.exec(cut) : CUT_HEAD.exec(cut);
  const numbers = match === null ? [] : kind === 'i' ? [Number(match[1]), Number(match[2])] : [Number(match[0])];
  if (match === null || numbers.reduce((sum, n) => sum + n, 0) > length)
    throw new RefusedMessage(`Not a Roster envelope (cut ${JSON.stringify(cut)} of ${length} characters)`);
  return numbers;
}

function refOf(ref: string): number {
  if (!SEQUENCE.test(ref)) throw new RefusedMessage(`Not a Roster envelope (reference ${JSON.stringify(ref)})`);
  return Number(ref);
}

/**
 * The `BusMessage` a stored message stands for, `prev` included when known; `payload` is the
 * shared payload's text for kind `r` (checked by whoever read it, once for all its envelopes).
 * Throws `RefusedMessage` when the envelope is not one a node renders for that channel (checks.ts).
 */
export function toBusMessage(subKey: string, channel: string, stored: Stored, payload?: string): BusMessage {
  const message = unlinked({ subKey, channel, timetoken: stored.timetoken }, stored, payload);
  if (stored.prev !== undefined) message.prev = stored.prev;
  return message;
}

function unlinked(origin: Origin, stored: Stored, payload: string | undefined): BusMessage {
  const { subKey, channel, timetoken } = origin;
  const { text, cut } = stored;
  switch (stored.kind) {
    case 'm':
      return { subKey, channel, timetoken, envelope: text, subject: checkedMessage(text, origin) };
    case 'e':
      checkEnvelope(text, origin);
      return { subKey, channel, timetoken, envelope: text };
    case 'i': {
      const [head = 0, length = 0] = cut;
      const envelope = { head: text.slice(0, head), payload: text.slice(head, head + length), tail: text.slice(head + length) };
      checkParts(envelope.head, envelope.tail, origin);
      checkPayload(envelope.payload);
      return { subKey, channel, timetoken, envelope };
    }
    case 'r': {
      if (payload === undefined) throw new RefusedMessage(`The shared payload (stream sequence ${stored.ref}) of an envelope on ${channel} is missing.`);
      const [head = 0] = cut;
      const envelope = { head: text.slice(0, head), payload, tail: text.slice(head) };
      checkParts(envelope.head, envelope.tail, origin);
      return { subKey, channel, timetoken, envelope };
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
