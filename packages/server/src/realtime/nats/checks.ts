import type { FilterSubject } from '../channel-log.ts';

/**
 * What a node checks of a stored message before it delivers it. Only Roster nodes should write
 * the stream's subjects (docs/decisions.md, "The NATS event bus"), but a message that is not what
 * a node's sequencer renders must still not reach subscribers: envelopes go into every subscribe
 * answer as they are, so one that is not a JSON object would break the answer, and one that names
 * another channel or keyset, or a far-future timetoken, would mislead every cursor.
 */

/** A stored message that no node delivers: not what a Roster node writes (forged or damaged). */
export class RefusedMessage extends Error {
  override readonly name = 'RefusedMessage';
}

/**
 * How far a stored message's timetoken may run ahead of the time JetStream stored it: a node's
 * clock follows other nodes' timetokens up to 60 s past its own wall clock (`TimetokenClock`), plus
 * as much again for skew between a node's clock and NATS's. JetStream's time is the same for
 * every node, so every node makes the same decision about a message.
 */
export const STORED_LEAD_MS = 120_000;

const TIMETOKEN = /^\d{1,19}$/;

/** A stored message's timetoken when it is one and not too far ahead of when it was stored; `undefined` otherwise. */
export function storedTimetoken(text: string, storedAtMs: number): bigint | undefined {
  if (!TIMETOKEN.test(text)) return undefined;
  const timetoken = BigInt(text);
  return timetoken <= BigInt(Math.floor(storedAtMs) + STORED_LEAD_MS) * 10_000n ? timetoken : undefined;
}

/** Where a stored envelope says it belongs; it must agree with its subject and headers. */
export interface Origin {
  subKey: string;
  channel: string;
  timetoken: string;
}

function parse(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RefusedMessage(`${what} is not JSON.`);
  }
}

/** The envelope as a JSON object whose timetoken, keyset and channel are `origin`'s. */
function checkedObject(text: string, origin: Origin): Record<string, unknown> {
  const envelope = parse(text, `The envelope on ${JSON.stringify(origin.channel)}`);
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope))
    throw new RefusedMessage(`The envelope on ${JSON.stringify(origin.channel)} is not a JSON object.`);
  const fields = envelope as Record<string, unknown>;
  const p = fields['p'] as { t?: unknown } | null | undefined;
  const agrees =
    typeof p === 'object' &&
    p !== null &&
    p.t === origin.timetoken &&
    fields['k'] === origin.subKey &&
    fields['c'] === origin.channel &&
    fields['b'] === origin.channel;
  if (!agrees)
    throw new RefusedMessage(`The envelope on ${JSON.stringify(origin.channel)} does not name its timetoken ${origin.timetoken}, keyset and channel.`);
  return fields;
}

/** A published message's envelope checked, and what subscribe filters read from it (as `subjectOf`). */
export function checkedMessage(text: string, origin: Origin): FilterSubject {
  const envelope = checkedObject(text, origin);
  return { meta: envelope['u'], data: envelope['d'], publisher: typeof envelope['i'] === 'string' ? envelope['i'] : undefined };
}

/** An envelope with no filter subject, checked. */
export function checkEnvelope(text: string, origin: Origin): void {
  checkedObject(text, origin);
}

/**
 * Head and tail of an envelope in parts, checked without its payload: with `null` in the payload's
 * place they make an envelope whose `d` is that `null`. As the tail opens with `,"`, that `null`
 * cannot sit inside a JSON string (the tail's quote would close the string and leave `b` bare),
 * so any JSON value in its place, the payload checked with `checkPayload`, makes a JSON object.
 */
export function checkParts(head: string, tail: string, origin: Origin): void {
  const framed = head.endsWith('"d":') && tail.startsWith(',"b":');
  if (!framed || checkedObject(head + 'null' + tail, origin)['d'] !== null)
    throw new RefusedMessage(`The envelope in parts on ${JSON.stringify(origin.channel)} is not framed around its payload.`);
}

/** Whether `text` is one JSON value, as the payload of an envelope in parts must be. */
export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function checkPayload(text: string): void {
  if (!isJson(text)) throw new RefusedMessage('An App Context payload is not JSON.');
}
