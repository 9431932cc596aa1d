import type { ChannelRecord, Custom, MembershipRecord, MembershipRow, UuidRecord } from '../../objects/records.ts';

/** A row as better-sqlite3 returns it: column name → SQLite value. */
export type SqlRow = Record<string, string | number | null>;

const text = (value: string | number | null | undefined): string | null =>
  value === null || value === undefined ? null : String(value);

function custom(value: string | number | null | undefined): Custom | null {
  return typeof value === 'string' ? (JSON.parse(value) as Custom) : null; // written by us as a JSON object
}

export function uuidFromRow(row: SqlRow, prefix = ''): UuidRecord {
  return {
    id: String(row[`${prefix}id`]),
    name: text(row[`${prefix}name`]),
    externalId: text(row[`${prefix}external_id`]),
    profileUrl: text(row[`${prefix}profile_url`]),
    email: text(row[`${prefix}email`]),
    status: text(row[`${prefix}status`]),
    type: text(row[`${prefix}type`]),
    custom: custom(row[`${prefix}custom`]),
    updated: String(row[`${prefix}updated`]),
    eTag: String(row[`${prefix}etag`]),
  };
}

export function channelFromRow(row: SqlRow, prefix = ''): ChannelRecord {
  return {
    id: String(row[`${prefix}id`]),
    name: text(row[`${prefix}name`]),
    description: text(row[`${prefix}description`]),
    status: text(row[`${prefix}status`]),
    type: text(row[`${prefix}type`]),
    custom: custom(row[`${prefix}custom`]),
    updated: String(row[`${prefix}updated`]),
    eTag: String(row[`${prefix}etag`]),
  };
}

export function membershipFromRow(row: SqlRow, prefix = ''): MembershipRecord {
  return {
    uuidId: String(row[`${prefix}uuid_id`]),
    channelId: String(row[`${prefix}channel_id`]),
    status: text(row[`${prefix}status`]),
    type: text(row[`${prefix}type`]),
    custom: custom(row[`${prefix}custom`]),
    updated: String(row[`${prefix}updated`]),
    eTag: String(row[`${prefix}etag`]),
  };
}

/** A membership row with its related object (`r_` columns), NULL when that object has no metadata. */
export function membershipRowFrom(row: SqlRow, related: 'uuid' | 'channel'): MembershipRow {
  const membership: MembershipRow = membershipFromRow(row, 'm_');
  if (related === 'channel') membership.channel = row['r_id'] === null ? null : channelFromRow(row, 'r_');
  else membership.uuid = row['r_id'] === null ? null : uuidFromRow(row, 'r_');
  return membership;
}

export const customText = (value: Custom | null): string | null => (value === null ? null : JSON.stringify(value));
