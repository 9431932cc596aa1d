import { pubnubEncode } from '@roster/protocol';
import type { RequestDescriptor } from '../request.ts';
import type { Cursor } from './state-machine.ts';

/** Comma-joined, each name encoded, sorted as the official SDK sends them. */
function channelList(channels: readonly string[]): string {
  return [...channels].sort().map(pubnubEncode).join(',');
}

/**
 * `GET /v2/subscribe/{sub}/{channels}/0`: with no cursor a handshake (answered at once with
 * the current timetoken), with one a long-poll for everything after it.
 */
export function subscribeRequest(subscribeKey: string, channels: readonly string[], cursor: Cursor | null, timeoutMs: number): RequestDescriptor {
  const query: Array<readonly [string, string]> = [['ee', '']];
  if (cursor !== null) query.push(['tt', cursor.timetoken], ['tr', String(cursor.region)]);
  return {
    method: 'GET',
    path: `/v2/subscribe/${pubnubEncode(subscribeKey)}/${channelList(channels)}/0`,
    query,
    // The loop has its own reconnect policy; the transport must not retry underneath it.
    idempotent: false,
    timeoutMs,
  };
}

/** `GET /v2/presence/sub-key/{sub}/channel/{channels}/leave` */
export function leaveRequest(subscribeKey: string, channels: readonly string[]): RequestDescriptor {
  return {
    method: 'GET',
    path: `/v2/presence/sub-key/${pubnubEncode(subscribeKey)}/channel/${channelList(channels)}/leave`,
    query: [],
    idempotent: false,
  };
}
