import type { ChannelObject, CustomData, MemberObject, MembershipObject, ObjectIncludes, RelationIncludes, UserObject } from '@roster/protocol';
import { toWire } from './clock.ts';
import type { ChannelRecord, MembershipRow, UuidRecord } from './records.ts';

/** Which optional fields a response carries (`include=custom,status,type,channel.custom,...`): the protocol's flags. */
export type Include = RelationIncludes;
export type ObjectFields = ObjectIncludes;

/** Wire form of a user, keys in PubNub's order; type/status/custom only when included. */
export function uuidToWire(record: UuidRecord, include: ObjectFields): UserObject {
  return {
    id: record.id,
    name: record.name,
    externalId: record.externalId,
    profileUrl: record.profileUrl,
    email: record.email,
    ...optional(record, include),
    updated: toWire(record.updated),
    eTag: record.eTag,
  };
}

export function channelToWire(record: ChannelRecord, include: ObjectFields): ChannelObject {
  return {
    id: record.id,
    name: record.name,
    description: record.description,
    ...optional(record, include),
    updated: toWire(record.updated),
    eTag: record.eTag,
  };
}

function optional(record: { type: string | null; status: string | null; custom: CustomData | null }, include: ObjectFields) {
  const fields: { type?: string | null; status?: string | null; custom?: CustomData | null } = {};
  if (include.type) fields.type = record.type;
  if (include.status) fields.status = record.status;
  if (include.custom) fields.custom = record.custom;
  return fields;
}

/**
 * A membership (`channel` key) or member (`uuid` key). The related object is id-only unless
 * asked for, and also when it has no metadata.
 */
export function membershipToWire(row: MembershipRow, key: 'channel' | 'uuid', include: Include): MembershipObject | MemberObject {
  const nested = { custom: include.relatedCustom, status: include.relatedStatus, type: include.relatedType };
  const own = { ...optional(row, include), updated: toWire(row.updated), eTag: row.eTag };
  if (key === 'channel') return { channel: include.related && row.channel ? channelToWire(row.channel, nested) : { id: row.channelId }, ...own };
  return { uuid: include.related && row.uuid ? uuidToWire(row.uuid, nested) : { id: row.uuidId }, ...own };
}
