import type { Table } from '../../query/fields.ts';

/**
 * The tables every SQL backend keeps, as the shared SQL names them. Each logical table has one
 * alias in list statements; a backend's dialect spells its columns with the same aliases
 * (`SqlDialect.column('uuid', 'name')` is `u.name`).
 */
export const TABLE_NAME: Record<Table, string> = { uuid: 'uuids', channel: 'channels', membership: 'memberships' };
export const ALIAS: Record<Table, string> = { uuid: 'u', channel: 'c', membership: 'm' };

/** The stored columns of a record, in the order the readers of rows.ts expect them. */
export const OBJECT_COLUMNS: Record<'uuid' | 'channel', readonly string[]> = {
  uuid: ['id', 'name', 'external_id', 'profile_url', 'email', 'status', 'type', 'custom', 'updated', 'etag'],
  channel: ['id', 'name', 'description', 'status', 'type', 'custom', 'updated', 'etag'],
};
export const MEMBERSHIP_COLUMNS = ['uuid_id', 'channel_id', 'status', 'type', 'custom', 'updated', 'etag'] as const;
