import { isSubscribeEnvelope, isTimetoken, type SubscribeEnvelope } from '@roster/protocol';
import { isRecord } from '../json.ts';
import type { Cursor } from './state-machine.ts';

/** One envelope of a subscribe response (the protocol's shape; `p.t` is made a string here). */
export type { SubscribeEnvelope };

export interface SubscribeResponse {
  readonly cursor: Cursor;
  readonly messages: readonly SubscribeEnvelope[];
}

/**
 * `{"t":{"t":"17...","r":1},"m":[...]}`. Timetokens are read from the raw text, because a
 * server that sends them as JSON numbers would lose their last digits to float rounding.
 * Returns `undefined` when the body is not a subscribe response, including when its `t.t` is not
 * a timetoken (1 to 20 digits, see `isTimetoken`): it would be sent back as the next `tt`.
 * Envelopes that are not deliverable (`isSubscribeEnvelope`: no channel, a bogus `p.t`) are
 * dropped, as one bad envelope must not stall the rest of the stream.
 */
export function parseSubscribeResponse(body: unknown, text: string): SubscribeResponse | undefined {
  if (!isRecord(body)) return undefined;
  const { t, m } = body;
  if (!isRecord(t) || !Array.isArray(m)) return undefined;
  const timetoken = typeof t['t'] === 'string' ? t['t'] : /"t"\s*:\s*\{\s*"t"\s*:\s*(\d+)/.exec(text)?.[1];
  if (!isTimetoken(timetoken)) return undefined;
  const region = typeof t['r'] === 'number' ? t['r'] : 0;
  const messages = m.filter(isSubscribeEnvelope).map((envelope) => ({ ...envelope, p: { ...envelope.p, t: String(envelope.p.t) } }));
  return { cursor: { timetoken, region }, messages };
}
