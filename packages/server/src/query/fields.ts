/**
 * Which fields each list endpoint can filter and sort on, and where each lives in the store.
 * `uuids`/`channels` list objects; `memberships` lists a user's channels; `members` lists a
 * channel's users. Relation fields (`channel.name`, `uuid.email`) read the related object.
 */
export type Resource = 'uuids' | 'channels' | 'memberships' | 'members';

/** The logical tables a list query reads: the listed objects, or a membership and both ends. */
export type Table = 'uuid' | 'channel' | 'membership';

export type FieldRef =
  | { kind: 'column'; table: Table; column: string; type: 'string' | 'date' }
  | { kind: 'custom'; table: Table; key: string };

const UUID_COLUMNS: Record<string, string> = {
  id: 'id',
  name: 'name',
  externalId: 'external_id',
  profileUrl: 'profile_url',
  email: 'email',
  status: 'status',
  type: 'type',
};

const CHANNEL_COLUMNS: Record<string, string> = {
  id: 'id',
  name: 'name',
  description: 'description',
  status: 'status',
  type: 'type',
};

const MEMBERSHIP_COLUMNS: Record<string, string> = { status: 'status', type: 'type' };

function objectField(table: Table, columns: Record<string, string>, path: readonly string[]): FieldRef | undefined {
  const [head, ...rest] = path;
  if (head === undefined) return undefined;
  if (head === 'custom') return rest.length === 1 ? { kind: 'custom', table, key: rest[0]! } : undefined;
  if (rest.length > 0) return undefined;
  if (head === 'updated') return { kind: 'column', table, column: 'updated', type: 'date' };
  const column = Object.hasOwn(columns, head) ? columns[head] : undefined;
  return column === undefined ? undefined : { kind: 'column', table, column, type: 'string' };
}

/** A membership's own fields, or those of the object at its other end (`channel.*` / `uuid.*`). */
function relationField(
  relation: 'channel' | 'uuid',
  path: readonly string[],
): FieldRef | undefined {
  const [head, ...rest] = path;
  const aliases = relation === 'channel' ? ['channel', 'space'] : ['uuid', 'user'];
  if (head !== undefined && aliases.includes(head)) {
    // The related id lives on the membership itself, so it works without metadata for that object.
    if (rest.length === 1 && rest[0] === 'id') {
      return { kind: 'column', table: 'membership', column: relation === 'channel' ? 'channel_id' : 'uuid_id', type: 'string' };
    }
    return relation === 'channel' ? objectField('channel', CHANNEL_COLUMNS, rest) : objectField('uuid', UUID_COLUMNS, rest);
  }
  return objectField('membership', MEMBERSHIP_COLUMNS, path);
}

/** Resolves a dotted field path (`name`, `custom.age`, `channel.custom.x`) for a resource. */
export function resolveField(resource: Resource, path: readonly string[]): FieldRef | undefined {
  switch (resource) {
    case 'uuids':
      return objectField('uuid', UUID_COLUMNS, path);
    case 'channels':
      return objectField('channel', CHANNEL_COLUMNS, path);
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
