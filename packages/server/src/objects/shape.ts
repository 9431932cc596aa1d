import type { ChannelObject, MemberObject, MembershipObject, ObjectIncludes, RelationIncludes, UserObject } from '@roster/protocol';
import { toWire } from '../model/instant.ts';
import type { ChannelRecord, MembershipRecord, MembershipRow, UuidRecord } from '../model/records.ts';
import { CHANNEL_RESOURCE, isIncludedField, MEMBERSHIP_RESOURCE, UUID_RESOURCE, wireFieldsOf, type ResourceDescriptor } from '../model/resources.ts';

/** Which optional fields a response carries (`include=custom,status,type,channel.custom,...`): the protocol's flags. */
export type Include = RelationIncludes;
export type ObjectFields = ObjectIncludes;

/**
 * The wire form of a resource's records: keys in the descriptor's wire order (PubNub's),
 * type/status/custom only when included, `updated` in its wire form.
 */
function wireWriter<R, W>(resource: ResourceDescriptor<R>): (record: R, include: ObjectFields) => W {
  const fields = wireFieldsOf(resource).map((f) => ({ name: f.name, flag: isIncludedField(f.name) ? f.name : undefined, date: f.type === 'date' }));
  return (record, include) => {
    const wire: Record<string, unknown> = {};
    for (const { name, flag, date } of fields) {
      if (flag !== undefined && !include[flag]) continue;
      wire[name] = date ? toWire(record[name] as string) : record[name];
    }
    return wire as W;
  };
}

/** Wire form of a user, keys in PubNub's order; type/status/custom only when included. */
export const uuidToWire: (record: UuidRecord, include: ObjectFields) => UserObject = wireWriter(UUID_RESOURCE);

export const channelToWire: (record: ChannelRecord, include: ObjectFields) => ChannelObject = wireWriter(CHANNEL_RESOURCE);

/** A membership's own keys (type/status/custom when included, updated, eTag), which follow the related object. */
const membershipOwnToWire: (record: MembershipRecord, include: ObjectFields) => Omit<MembershipObject, 'channel'> = wireWriter(MEMBERSHIP_RESOURCE);

/**
 * A membership (`channel` key) or member (`uuid` key). The related object is id-only unless
 * asked for, and also when it has no metadata.
 */
export function membershipToWire(row: MembershipRow, key: 'channel' | 'uuid', include: Include): MembershipObject | MemberObject {
  const nested = { custom: include.relatedCustom, status: include.relatedStatus, type: include.relatedType };
  const own = membershipOwnToWire(row, include);
  if (key === 'channel') return { channel: include.related && row.channel ? channelToWire(row.channel, nested) : { id: row.channelId }, ...own };
  return { uuid: include.related && row.uuid ? uuidToWire(row.uuid, nested) : { id: row.uuidId }, ...own };
}
