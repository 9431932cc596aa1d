import { CHANNEL_RESOURCE, MEMBERSHIP_RESOURCE, queryableFieldsOf, UUID_RESOURCE, type FieldType } from '../model/resources.ts';

/**
 * Which fields each list endpoint can filter and sort on, and where each lives in the store.
 * `uuids`/`channels` list objects; `memberships` lists a user's channels; `members` lists a
 * channel's users. Relation fields (`channel.name`, `uuid.email`) read the related object.
 */
export type Resource = 'uuids' | 'channels' | 'memberships' | 'members';

/** The logical tables a list query reads: the listed objects, or a membership and both ends. */
export type Table = 'uuid' | 'channel' | 'membership';

export type FieldRef = { kind: 'column'; table: Table; column: string; type: 'string' | 'date' } | { kind: 'custom'; table: Table; key: string };

/** The fields filters and sorts may name, per table (model/resources.ts `queryable`). */
type QueryableFields = ReadonlyMap<string, { column: string; type: FieldType }>;

const QUERYABLE: Record<Table, QueryableFields> = {
  uuid: queryableFieldsOf(UUID_RESOURCE),
  channel: queryableFieldsOf(CHANNEL_RESOURCE),
  membership: queryableFieldsOf(MEMBERSHIP_RESOURCE),
};

function objectField(table: Table, path: readonly string[]): FieldRef | undefined {
  const [head, ...rest] = path;
  const field = head === undefined ? undefined : QUERYABLE[table].get(head);
  if (field === undefined) return undefined;
  if (field.type === 'json') return rest.length === 1 ? { kind: 'custom', table, key: rest[0]! } : undefined;
  if (rest.length > 0) return undefined;
  return { kind: 'column', table, column: field.column, type: field.type === 'date' ? 'date' : 'string' };
}

/** A membership's own fields, or those of the object at its other end (`channel.*` / `uuid.*`). */
function relationField(relation: 'channel' | 'uuid', path: readonly string[]): FieldRef | undefined {
  const [head, ...rest] = path;
  const aliases = relation === 'channel' ? ['channel', 'space'] : ['uuid', 'user'];
  if (head !== undefined && aliases.includes(head)) {
    // The related id lives on the membership itself, so it works without metadata for that object.
    if (rest.length === 1 && rest[0] === 'id') {
      return { kind: 'column', table: 'membership', column: relation === 'channel' ? 'channel_id' : 'uuid_id', type: 'string' };
    }
    return objectField(relation, rest);
  }
  return objectField('membership', path);
}

/** Resolves a dotted field path (`name`, `custom.age`, `channel.custom.x`) for a resource. */
export function resolveField(resource: Resource, path: readonly string[]): FieldRef | undefined {
  switch (resource) {
    case 'uuids':
      return objectField('uuid', path);
    case 'channels':
      return objectField('channel', path);
    case 'memberships':
      return relationField('channel', path);
    case 'members':
      return relationField('uuid', path);
  }
}

/** The field that makes the order total: the listed object's id, or the related id. */
export function identityField(resource: Resource): FieldRef {
  switch (resource) {
    case 'uuids':
      return { kind: 'column', table: 'uuid', column: 'id', type: 'string' };
    case 'channels':
      return { kind: 'column', table: 'channel', column: 'id', type: 'string' };
    case 'memberships':
      return { kind: 'column', table: 'membership', column: 'channel_id', type: 'string' };
    case 'members':
      return { kind: 'column', table: 'membership', column: 'uuid_id', type: 'string' };
  }
}
