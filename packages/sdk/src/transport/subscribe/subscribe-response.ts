import { isRecord } from '../json.ts';
import type { Cursor } from './state-machine.ts';

/** One envelope of a subscribe response (the fields the SDK reads). */
export interface SubscribeEnvelope {
  /** Actual channel. */
  readonly c: string;
  /** Subscription match (channel group, wildcard, or the channel itself). */
  readonly b?: string;
  /** Payload. */
  readonly d: unknown;
  /** Message type: absent/0 message, 1 signal, 2 App Context, 3 message action, 4 file. */
  readonly e?: number;
  /** Publisher's user id. */
  readonly i?: string;
  /** Publish timetoken. */
  readonly p: { readonly t: string; readonly r?: number };
  /** Publish `meta`. */
  readonly u?: unknown;
}

export interface SubscribeResponse {
  readonly cursor: Cursor;
  readonly messages: readonly SubscribeEnvelope[];
}

/**
 * `{"t":{"t":"17...","r":1},"m":[...]}`. Timetokens are read from the raw text, because a
 * server that sends them as JSON numbers would lose their last digits to float rounding.
 * Returns `undefined` when the body is not a subscribe response.
 */
export function parseSubscribeResponse(body: unknown, text: string): SubscribeResponse | undefined {
  if (!isRecord(body)) return undefined;
  const { t, m } = body;
  if (!isRecord(t) || !Array.isArray(m)) return undefined;
  const timetoken = typeof t['t'] === 'string' ? t['t'] : /"t"\s*:\s*\{\s*"t"\s*:\s*(\d+)/.exec(text)?.[1];
  if (timetoken === undefined) return undefined;
  const region = typeof t['r'] === 'number' ? t['r'] : 0;
  const messages = m.filter(isEnvelope).map((envelope) => ({ ...envelope, p: { ...envelope.p, t: String(envelope.p.t) } }));
  return { cursor: { timetoken, region }, messages };
}

function isEnvelope(value: unknown): value is SubscribeEnvelope {
  return isRecord(value) && typeof value['c'] === 'string' && isRecord(value['p']) && 't' in value['p'];
}
