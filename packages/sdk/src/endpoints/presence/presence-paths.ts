import { encodePath } from '@roster/protocol';
import type { ParsedResponse } from '../execute.ts';
import { envelope } from '../shared/parse.ts';

/** `/v2/presence/sub-key/{sub}` followed by `tail`, which is already encoded. */
export function presencePath(subscribeKey: string, tail = ''): string {
  return `/v2/presence${encodePath('sub-key', subscribeKey)}${tail}`;
}

/** The `payload` of a presence answer `{"status":200,"message":"OK","service":"Presence","payload":…}`, or `undefined`. */
export function presencePayload(response: ParsedResponse): unknown {
  return envelope(response)['payload'];
}
