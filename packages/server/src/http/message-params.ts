import { badRequest } from '../errors.ts';
import type { StoreOptions } from '../messages/service.ts';
import { parseTimetoken } from '../messages/timetokens.ts';
import { MAX_TTL_HOURS } from '../model/keyset.ts';
import { checkChannelName, decodeSegment } from './channel-list.ts';
import { single, type QueryValues } from './url.ts';

/**
 * Parameters the Message Persistence and Message Actions routes share (history.ts,
 * message-counts.ts, message-actions.ts): each a 400 naming itself when it is malformed.
 */

/** A `true`/`false` parameter (`1`/`0` too); absent or empty is `fallback`. */
export function flag(query: QueryValues, name: string, fallback = false): boolean {
  const text = single(query, name)?.toLowerCase();
  if (text === undefined || text === '') return fallback;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw badRequest(name, 'query', `${name} must be true, false, 1 or 0; got '${clip(text)}'.`);
}

/**
 * A page size (`max`, `limit`): a positive integer; absent or empty is `cap`, and a larger one is
 * taken as `cap`, as PubNub caps it silently.
 */
export function pageSize(query: QueryValues, name: string, cap: number): number {
  const text = single(query, name);
  if (text === undefined || text === '') return cap;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw badRequest(name, 'query', `${name} must be a positive integer (at most ${cap} are answered); got '${clip(text)}'.`);
  return Math.min(Number(text), cap);
}

/** An optional timetoken parameter (`start`, `end`): absent or empty is undefined. */
export function timetokenParam(query: QueryValues, name: string): string | undefined {
  const text = single(query, name);
  return text === undefined || text === '' ? undefined : parseTimetoken(text, name);
}

/** A raw path segment naming exactly one channel (decoded; a `,` would make it a list), held to the channel-name rule. */
export function oneChannel(segment: string, maxLength: number): string {
  const channel = decodeSegment(segment, 'channel');
  if (channel === '') throw badRequest('channel', 'path', 'The channel name is empty.');
  if (channel.includes(',')) throw badRequest('channel', 'path', 'Name one channel: the name may not contain a comma.');
  checkChannelName(channel, 'channel', maxLength);
  return channel;
}

/**
 * A publish's `store` and `ttl` (PubNub's Message Persistence options): `store=0` (or `false`)
 * keeps the message out of history; `ttl` is the hours it is kept, `0` for no expiry, absent
 * (or `null`, which the Chat SDK sends) for the keyset's retention.
 */
export function storeOptions(query: QueryValues): StoreOptions {
  const store = flag(query, 'store', true);
  const text = single(query, 'ttl');
  if (text === undefined || text === '' || text === 'null' || text === 'undefined') return { store };
  if (!/^\d+$/.test(text) || Number(text) > MAX_TTL_HOURS) {
    throw badRequest('ttl', 'query', `ttl is the hours the message is kept: an integer from 0 (no expiry) to ${MAX_TTL_HOURS}; got '${clip(text)}'.`);
  }
  return { store, ttlHours: Number(text) };
}

/** At most 40 characters of what a client sent, for an error message. */
const clip = (text: string): string => (text.length > 40 ? `${text.slice(0, 40)}…` : text);
