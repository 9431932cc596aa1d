import { badRequest } from '../errors.ts';
import { longestOf } from '../groups/names.ts';
import { basePresenceName, isPresenceName } from '../model/presence-names.ts';
import type { PresenceState } from '../presence/store.ts';
import { checkChannelName, checkNameLength, checkUuidParam, decodeSegment } from './channel-list.ts';
import { single, type QueryValues } from './url.ts';

/**
 * The query parameters of presence (heartbeat, leave, here-now, state) and of subscribe's
 * presence (`heartbeat`, `state`), and the channel list of both paths, each parsed to a value or
 * a 400 naming it.
 */

/** Our bound on one `state` parameter's JSON text, in UTF-8 bytes (PubNub documents none). */
export const MAX_STATE_BYTES = 32 * 1024;

/**
 * Our bound on what one set-state writes: the state's bytes times the channels it is set on (its
 * groups' channels too), so that one request cannot store a large state on thousands of channels.
 */
export const MAX_STATE_WRITE_BYTES = 4 * 1024 * 1024;

/** How deeply a state may nest arrays and objects: enough for any state, and no deep recursion later. */
const MAX_STATE_DEPTH = 32;

/** PubNub's default and largest here-now page of uuids per channel (JS SDK `MAXIMUM_COUNT`, REST "Here Now" `limit` 0–1000). */
export const MAX_HERE_NOW_LIMIT = 1000;

/** The uuid the request acts as (`uuid`), which presence needs (PubNub answers 400 without one). */
export function requiredUuid(query: QueryValues, maxIdLength: number): string {
  const uuid = checkUuidParam(single(query, 'uuid'), maxIdLength);
  if (uuid === undefined) throw badRequest('uuid', 'query', 'Presence needs the uuid of the user: give uuid.');
  return uuid;
}

/**
 * `heartbeat`: the presence timeout the client asks for, in whole seconds (PubNub's SDKs send
 * their `presenceTimeout`); the service clamps it into the keyset's limits. Absent or empty:
 * the keyset's default.
 */
export function parseHeartbeat(query: QueryValues): number | undefined {
  const text = single(query, 'heartbeat');
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,9}$/.test(text)) throw badRequest('heartbeat', 'query', `heartbeat must be the presence timeout in whole seconds; got '${text}'.`);
  return Number(text);
}

/** A `0`/`1` (or `false`/`true`) flag such as here-now's `disable_uuids` and `state`; absent is `false`. */
export function parseFlag(query: QueryValues, name: string): boolean {
  const text = single(query, name);
  if (text === undefined || text === '' || text === '0' || text === 'false') return false;
  if (text === '1' || text === 'true') return true;
  throw badRequest(name, 'query', `${name} must be 1 or 0 (true or false); got '${text}'.`);
}

/** A whole number from 0 to `max`; `fallback` when absent or empty. */
export function parseCount(query: QueryValues, name: string, fallback: number, max: number): number {
  const text = single(query, name);
  if (text === undefined || text === '') return fallback;
  const value = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(value <= max)) throw badRequest(name, 'query', `${name} must be a whole number from 0 to ${max}; got '${text.slice(0, 20)}'.`);
  return value;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether `value` nests arrays and objects deeper than `limit` (walked without recursion). */
function nestsDeeper(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** The `state` parameter's JSON value: at most `MAX_STATE_BYTES`, valid, not nested too deeply. */
function parseStateJson(text: string): unknown {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_STATE_BYTES) throw badRequest('state', 'query', `state is ${bytes} bytes of JSON; at most ${MAX_STATE_BYTES} are allowed.`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('state', 'query', 'state is not valid JSON.');
  }
  if (nestsDeeper(value, MAX_STATE_DEPTH)) throw badRequest('state', 'query', `state nests arrays and objects deeper than ${MAX_STATE_DEPTH} levels.`);
  return value;
}

/** Set state's `state`: a JSON object (`{}` clears the state), required. */
export function parseState(query: QueryValues): PresenceState {
  const text = single(query, 'state');
  if (text === undefined || text === '') throw badRequest('state', 'query', 'Give the state to set: state, a JSON object.');
  const state = parseStateJson(text);
  if (!isPlainObject(state)) throw badRequest('state', 'query', 'state must be a JSON object.');
  return state;
}

/**
 * Heartbeat's and subscribe's `state`: each channel's state, `{"room":{"mood":"happy"}}` (what
 * PubNub's SDKs send); absent or empty is none. Each value must be a JSON object.
 */
export function parseChannelStates(query: QueryValues): Map<string, PresenceState> | undefined {
  const text = single(query, 'state');
  if (text === undefined || text === '') return undefined;
  const states = parseStateJson(text);
  if (!isPlainObject(states)) throw badRequest('state', 'query', 'state must be a JSON object of each channel’s state: {"channel":{…}}.');
  const byChannel = new Map<string, PresenceState>();
  for (const [channel, state] of Object.entries(states)) {
    if (!isPlainObject(state))
      throw badRequest('state', 'query', `state must map each channel to a JSON object; '${channel.slice(0, 100)}' maps to something else.`);
    byChannel.set(channel, state);
  }
  return byChannel;
}

/** `states` kept to the channels a request acts on: a state for another channel is ignored. */
export function statesOn(states: ReadonlyMap<string, PresenceState> | undefined, channels: readonly string[]): Map<string, PresenceState> | undefined {
  if (states === undefined) return undefined;
  const on = new Set(channels);
  return new Map([...states].filter(([channel]) => on.has(channel)));
}

/** Set state's write within `MAX_STATE_WRITE_BYTES`: `state` set on `channels`, else a 400 naming `state`. */
export function checkStateWrite(state: PresenceState, channels: number): void {
  const bytes = Buffer.byteLength(JSON.stringify(state)) * channels;
  if (bytes > MAX_STATE_WRITE_BYTES) {
    throw badRequest(
      'state',
      'query',
      `Setting this state on ${channels} channels would store ${bytes} bytes; at most ${MAX_STATE_WRITE_BYTES} per request are allowed.`,
    );
  }
}

/**
 * The `{channels}` path segment of subscribe and presence: names joined by `,`, each
 * percent-encoded, by the channel-name rule (http/channel-list.ts `parseChannelList`), except
 * that a presence channel `{channel}-pnpres` names a channel of at most `maxIdLength` characters
 * (so it is `-pnpres` longer): what an SDK subscribing with presence sends for the longest
 * channel. A lone `,` is none; repeats count once; else a 400 naming `channels`.
 */
export function parseSubscribedChannels(segment: string, maxIdLength: number): string[] {
  if (segment === ',') return [];
  // Most polls name one channel: no list to split, nothing to count twice.
  if (!segment.includes(',')) return [subscribedChannel(segment, maxIdLength)];
  const channels = new Set<string>();
  for (const part of segment.split(',')) channels.add(subscribedChannel(part, maxIdLength));
  return [...channels];
}

/** One name of a subscribe's channel list, decoded and held to the rule `parseSubscribedChannels` gives. */
function subscribedChannel(part: string, maxIdLength: number): string {
  const channel = decodeSegment(part, 'channels');
  if (channel === '') throw badRequest('channels', 'path', 'A channel name in the list is empty.');
  checkNameLength(isPresenceName(channel) ? basePresenceName(channel) : channel, 'channels', maxIdLength);
  checkChannelName(channel, 'channels', longestOf(channel, maxIdLength));
  return channel;
}
