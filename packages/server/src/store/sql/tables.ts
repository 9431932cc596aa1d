import { CHANNEL_RESOURCE, columnsOf, MEMBERSHIP_RESOURCE, UUID_RESOURCE } from '../../model/resources.ts';
import type { Table } from '../../query/fields.ts';

/**
 * The tables every SQL backend keeps, as the shared SQL names them. Each logical table has one
 * alias in list statements; a backend's dialect spells its columns with the same aliases
 * (`SqlDialect.column('uuid', 'name')` is `u.name`).
 */
export const TABLE_NAME: Record<Table, string> = {
  uuid: UUID_RESOURCE.table,
  channel: CHANNEL_RESOURCE.table,
  membership: MEMBERSHIP_RESOURCE.table,
};
export const ALIAS: Record<Table, string> = { uuid: 'u', channel: 'c', membership: 'm' };

/** The stored columns of a record, in the order the readers of rows.ts expect them (model/resources.ts). */
export const OBJECT_COLUMNS: Record<'uuid' | 'channel', readonly string[]> = {
  uuid: columnsOf(UUID_RESOURCE),
  channel: columnsOf(CHANNEL_RESOURCE),
};
export const MEMBERSHIP_COLUMNS: readonly string[] = columnsOf(MEMBERSHIP_RESOURCE);
