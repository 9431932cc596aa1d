/**
 * The transfer format of `roster export` and `roster import`: NDJSON, one stored record a line,
 * each a JSON object whose `kind` is `user`, `channel` or `membership` and whose `keyset` is the
 * subscribe key it belongs to, then the record's fields in PubNub's wire order, every field
 * present (null when unset) and `updated` in the stored form (`2024-03-07T08:49:07.011608Z`):
 *
 *   {"kind":"user","keyset":"demo","id":"alice","name":"Alice","externalId":null,"profileUrl":null,"email":null,"type":null,"status":null,"custom":{"team":"red"},"updated":"…","eTag":"…"}
 *   {"kind":"channel","keyset":"demo","id":"general","name":"General","description":null,"type":null,"status":null,"custom":null,"updated":"…","eTag":"…"}
 *   {"kind":"membership","keyset":"demo","uuid":"alice","channel":"general","type":null,"status":"active","custom":null,"updated":"…","eTag":"…"}
 *
 * Order: by keyset, then users, channels, memberships, then by id (memberships by user id, then
 * channel id), ids in code point order. The same database always exports the same bytes.
 */
import type { ChannelRecord, MembershipRecord, UuidRecord } from '../model/records.ts';
import type { StoredItem } from '../store/store.ts';

/** The kinds a transfer file holds (revocations are copied by `roster migrate` only). */
export const LINE_KINDS = ['user', 'channel', 'membership'] as const;
export type LineKind = (typeof LINE_KINDS)[number];
export type LineItem = Extract<StoredItem, { kind: LineKind }>;

/** Every key of a line of each kind, in the order `toLine` writes them. */
export const LINE_KEYS: Record<LineKind, readonly string[]> = {
  user: ['kind', 'keyset', 'id', 'name', 'externalId', 'profileUrl', 'email', 'type', 'status', 'custom', 'updated', 'eTag'],
  channel: ['kind', 'keyset', 'id', 'name', 'description', 'type', 'status', 'custom', 'updated', 'eTag'],
  membership: ['kind', 'keyset', 'uuid', 'channel', 'type', 'status', 'custom', 'updated', 'eTag'],
};

/** One record as its line, without the newline. */
export function toLine(item: LineItem): string {
  return JSON.stringify(lineObject(item));
}

function lineObject(item: LineItem): Record<string, unknown> {
  const head = { kind: item.kind, keyset: item.subKey };
  switch (item.kind) {
    case 'user': {
      const r: UuidRecord = item.record;
      return {
        ...head,
        id: r.id,
        name: r.name,
        externalId: r.externalId,
        profileUrl: r.profileUrl,
        email: r.email,
        type: r.type,
        status: r.status,
        custom: r.custom,
        updated: r.updated,
        eTag: r.eTag,
      };
    }
    case 'channel': {
      const r: ChannelRecord = item.record;
      return {
        ...head,
        id: r.id,
        name: r.name,
        description: r.description,
        type: r.type,
        status: r.status,
        custom: r.custom,
        updated: r.updated,
        eTag: r.eTag,
      };
    }
    case 'membership': {
      const r: MembershipRecord = item.record;
      return { ...head, uuid: r.uuidId, channel: r.channelId, type: r.type, status: r.status, custom: r.custom, updated: r.updated, eTag: r.eTag };
    }
  }
}
