import { toWire } from './clock.ts';
import type { ChannelRecord, MembershipRow, UuidRecord } from './records.ts';

/** Which optional fields a response carries (`include=custom,status,type,channel.custom,...`). */
export interface Include {
  custom: boolean;
  status: boolean;
  type: boolean;
  /** The related object in full instead of `{id}` (memberships: channel; members: uuid). */
  related: boolean;
  relatedCustom: boolean;
  relatedStatus: boolean;
  relatedType: boolean;
}

export interface ObjectFields {
  custom: boolean;
  status: boolean;
  type: boolean;
}

/** Wire form of a user, keys in PubNub's order; type/status/custom only when included. */
export function uuidToWire(record: UuidRecord, include: ObjectFields): Record<string, unknown> {
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

export function channelToWire(record: ChannelRecord, include: ObjectFields): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    description: record.description,
    ...optional(record, include),
    updated: toWire(record.updated),
    eTag: record.eTag,
  };
}

function optional(record: { type: string | null; status: string | null; custom: unknown }, include: ObjectFields) {
  const fields: { type?: string | null; status?: string | null; custom?: unknown } = {};
  if (include.type) fields.type = record.type;
  if (include.status) fields.status = record.status;
  if (include.custom) fields.custom = record.custom;
  return fields;
}

/**
 * A membership (`channel` key) or member (`uuid` key). The related object is id-only unless
 * asked for, and also when it has no metadata.
 */
export function membershipToWire(row: MembershipRow, key: 'channel' | 'uuid', include: Include): Record<string, unknown> {
  const nested = { custom: include.relatedCustom, status: include.relatedStatus, type: include.relatedType };
  let related: Record<string, unknown>;
  if (key === 'channel') related = include.related && row.channel ? channelToWire(row.channel, nested) : { id: row.channelId };
  else related = include.related && row.uuid ? uuidToWire(row.uuid, nested) : { id: row.uuidId };
  return { [key]: related, ...optional(row, include), updated: toWire(row.updated), eTag: row.eTag };
}
