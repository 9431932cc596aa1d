import { pubnubEncode } from '@roster/protocol';
import { MAX_SUBSCRIBE_RESPONSE_BYTES } from '../read-body.ts';
import type { RequestDescriptor } from '../request.ts';
import type { Cursor, SubscribedNames } from './state-machine.ts';

/** The suffix of a channel's (or group's) presence channel, which carries its join/leave/timeout events. */
export const PRESENCE_SUFFIX = '-pnpres';

/** Comma-joined, each name encoded, sorted as the official SDK sends them; a lone `,` when there are none (groups only). */
function channelList(channels: readonly string[]): string {
  return channels.length === 0 ? ',' : [...channels].sort().map(pubnubEncode).join(',');
}

/** `channel-group=a,b` (sorted) when there are groups. */
function groupParam(groups: readonly string[]): Array<readonly [string, string]> {
  return groups.length === 0 ? [] : [['channel-group', [...groups].sort().join(',')]];
}

/** `heartbeat=N` when a presence timeout is configured. */
function heartbeatParam(presenceTimeout: number | undefined): Array<readonly [string, string]> {
  return presenceTimeout === undefined ? [] : [['heartbeat', String(presenceTimeout)]];
}

/**
 * `GET /v2/subscribe/{sub}/{channels}/0[?channel-group=][&heartbeat=]`: with no cursor a
 * handshake (answered at once with the current timetoken), with one a long-poll for everything
 * after it. Only groups: the channel path is `,`.
 */
export function subscribeRequest(
  subscribeKey: string,
  names: SubscribedNames,
  cursor: Cursor | null,
  timeoutMs: number,
  presenceTimeout?: number,
): RequestDescriptor {
  const query: Array<readonly [string, string]> = [['ee', ''], ...groupParam(names.groups), ...heartbeatParam(presenceTimeout)];
  if (cursor !== null) query.push(['tt', cursor.timetoken], ['tr', String(cursor.region)]);
  return {
    method: 'GET',
    path: `/v2/subscribe/${pubnubEncode(subscribeKey)}/${channelList(names.channels)}/0`,
    query,
    // The loop has its own reconnect policy; the transport must not retry underneath it.
    idempotent: false,
    timeoutMs,
    maxResponseBytes: MAX_SUBSCRIBE_RESPONSE_BYTES,
  };
}

/** The names presence tracks: the `-pnpres` channels and groups carry events and are never joined themselves. */
export function presenceNames(names: SubscribedNames): SubscribedNames {
  const tracked = (name: string) => !name.endsWith(PRESENCE_SUFFIX);
  return { channels: names.channels.filter(tracked), groups: names.groups.filter(tracked) };
}

/**
 * `GET /v2/presence/sub-key/{sub}/channel/{channels}/leave[?channel-group=]`, or `undefined`
 * when only presence channels are left (nothing to leave).
 */
export function leaveRequest(subscribeKey: string, names: SubscribedNames): RequestDescriptor | undefined {
  const { channels, groups } = presenceNames(names);
  if (channels.length === 0 && groups.length === 0) return undefined;
  return {
    method: 'GET',
    path: `/v2/presence/sub-key/${pubnubEncode(subscribeKey)}/channel/${channelList(channels)}/leave`,
    query: groupParam(groups),
    idempotent: false,
  };
}

/**
 * `GET /v2/presence/sub-key/{sub}/channel/{channels}/heartbeat?heartbeat={presenceTimeout}[&channel-group=]`,
 * which keeps the user present for `presenceTimeout` more seconds; `undefined` when nothing is tracked.
 */
export function heartbeatRequest(subscribeKey: string, names: SubscribedNames, presenceTimeout: number): RequestDescriptor | undefined {
  const { channels, groups } = presenceNames(names);
  if (channels.length === 0 && groups.length === 0) return undefined;
  return {
    method: 'GET',
    path: `/v2/presence/sub-key/${pubnubEncode(subscribeKey)}/channel/${channelList(channels)}/heartbeat`,
    query: [...heartbeatParam(presenceTimeout), ...groupParam(groups)],
    idempotent: false,
  };
}
