import type { PNEventOrigin, PNPresenceAction, PNPresenceEvent } from '../models/events.ts';
import { isRecord } from './json.ts';
import { PRESENCE_SUFFIX } from './subscribe/subscribe-request.ts';
import type { SubscribeEnvelope } from './subscribe/subscribe-response.ts';

const ACTIONS: ReadonlySet<string> = new Set<PNPresenceAction>(['join', 'leave', 'timeout', 'state-change', 'interval']);

/** Whether an envelope came on a presence channel (`{channel}-pnpres`). */
export function isPresenceEnvelope(envelope: SubscribeEnvelope): boolean {
  return envelope.c.endsWith(PRESENCE_SUFFIX);
}

/**
 * The event of an envelope on `{channel}-pnpres`, whose `d` is
 * `{"action":"join","uuid":"u","timestamp":1790574122,"precise_timestamp":1790574122401,"occupancy":1}`
 * (`state-change` adds `state`, which older servers sent as `data`; `interval` has
 * `join`/`leave`/`timeout` lists or `here_now_refresh`). `undefined` when `d` is not one.
 */
export function presenceEvent(origin: PNEventOrigin, envelope: SubscribeEnvelope): PNPresenceEvent | undefined {
  const payload = envelope.d;
  if (!isRecord(payload)) return undefined;
  const { action, uuid, occupancy, timestamp } = payload;
  if (typeof action !== 'string' || !ACTIONS.has(action)) return undefined;
  const state = payload['state'] ?? payload['data'];
  return {
    ...origin,
    channel: origin.channel.slice(0, -PRESENCE_SUFFIX.length),
    // Checked against ACTIONS above.
    action: action as PNPresenceAction,
    ...(typeof uuid === 'string' ? { uuid } : {}),
    occupancy: typeof occupancy === 'number' ? occupancy : 0,
    timestamp: typeof timestamp === 'number' ? timestamp : 0,
    ...(isRecord(state) ? { state } : {}),
    ...uuidList('join', payload['join']),
    ...uuidList('leave', payload['leave']),
    ...uuidList('timeout', payload['timeout']),
    ...(action === 'interval' ? { hereNowRefresh: payload['here_now_refresh'] === true } : {}),
  };
}

/** `{ [key]: list }` when `value` is a list of uuids, else nothing. */
function uuidList(key: 'join' | 'leave' | 'timeout', value: unknown): Partial<Record<typeof key, readonly string[]>> {
  return Array.isArray(value) && value.every((uuid) => typeof uuid === 'string') ? { [key]: value as string[] } : {};
}
