import type { ChannelRecord, Custom, MembershipRecord, MembershipRow, UuidRecord } from '../../objects/records.ts';
import { MEMBERSHIP_COLUMNS } from './tables.ts';

/** One SQL value as the shared SQL binds and reads it. */
export type SqlValue = string | number | null;

/**
 * A row as the executor returns it: the selected values in order. Reading rows as arrays
 * spares building an object per row, which shows on 100-row pages.
 */
export type SqlValues = SqlValue[];

const text = (value: string | number | null | undefined): string | null =>
  value === null || value === undefined ? null : String(value);

function custom(value: string | number | null | undefined): Custom | null {
  return typeof value === 'string' ? (JSON.parse(value) as Custom) : null; // written by us as a JSON object
}

/** In the order of `OBJECT_COLUMNS.uuid`: id, name, external_id, profile_url, email, status, type, custom, updated, etag */
export function uuidFromValues(v: SqlValues, at = 0): UuidRecord {
  return {
    id: String(v[at]),
    name: text(v[at + 1]),
    externalId: text(v[at + 2]),
    profileUrl: text(v[at + 3]),
    email: text(v[at + 4]),
    status: text(v[at + 5]),
    type: text(v[at + 6]),
    custom: custom(v[at + 7]),
    updated: String(v[at + 8]),
    eTag: String(v[at + 9]),
  };
}

/** In the order of `OBJECT_COLUMNS.channel`: id, name, description, status, type, custom, updated, etag */
export function channelFromValues(v: SqlValues, at = 0): ChannelRecord {
  return {
    id: String(v[at]),
    name: text(v[at + 1]),
    description: text(v[at + 2]),
    status: text(v[at + 3]),
    type: text(v[at + 4]),
    custom: custom(v[at + 5]),
    updated: String(v[at + 6]),
    eTag: String(v[at + 7]),
  };
}

/** In the order of `MEMBERSHIP_COLUMNS`: uuid_id, channel_id, status, type, custom, updated, etag */
export function membershipFromValues(v: SqlValues, at = 0): MembershipRecord {
  return {
    uuidId: String(v[at]),
    channelId: String(v[at + 1]),
    status: text(v[at + 2]),
    type: text(v[at + 3]),
    custom: custom(v[at + 4]),
    updated: String(v[at + 5]),
    eTag: String(v[at + 6]),
  };
}

/** A membership followed by its related object's columns, all NULL when that object has no metadata. */
export function membershipRowFrom(v: SqlValues, related: 'uuid' | 'channel'): MembershipRow {
  const membership: MembershipRow = membershipFromValues(v);
  const at = MEMBERSHIP_COLUMNS.length;
  if (related === 'channel') membership.channel = v[at] === null ? null : channelFromValues(v, at);
  else membership.uuid = v[at] === null ? null : uuidFromValues(v, at);
  return membership;
}

export const customText = (value: Custom | null): string | null => (value === null ? null : JSON.stringify(value));
