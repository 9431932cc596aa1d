import type { ChannelRecord, Custom, MembershipRecord, MembershipRow, UuidRecord } from '../../model/records.ts';
import { CHANNEL_RESOURCE, MEMBERSHIP_RESOURCE, UUID_RESOURCE, type ResourceDescriptor } from '../../model/resources.ts';
import { MEMBERSHIP_COLUMNS } from './tables.ts';

/** One SQL value as the shared SQL binds and reads it. */
export type SqlValue = string | number | null;

/**
 * A row as the executor returns it: the selected values in order. Reading rows as arrays
 * spares building an object per row, which shows on 100-row pages.
 */
export type SqlValues = SqlValue[];

const text = (value: SqlValue | undefined): string | null => (value === null || value === undefined ? null : String(value));

function custom(value: SqlValue | undefined): Custom | null {
  return typeof value === 'string' ? (JSON.parse(value) as Custom) : null; // written by us as a JSON object
}

/** Reads a record from `values` starting at `at`, one value per field in the order of `columnsOf(resource)`. */
export type RowReader<R> = (values: SqlValues, at?: number) => R;

/**
 * The reader of a resource's rows. Key, `updated` and eTag columns are NOT NULL, so reading
 * every text as nullable gives them the same strings.
 */
export function rowReader<R>(resource: ResourceDescriptor<R>): RowReader<R> {
  const fields = resource.fields.map((f) => ({ name: f.name, read: f.type === 'json' ? custom : text }));
  return (values, at = 0) => {
    const record: Record<string, unknown> = {};
    for (let index = 0; index < fields.length; index++) record[fields[index]!.name] = fields[index]!.read(values[at + index]);
    return record as R;
  };
}

/** The values a record is stored as, in the order of `columnsOf(resource)`. */
export function rowWriter<R>(resource: ResourceDescriptor<R>): (record: R) => (string | null)[] {
  const fields = resource.fields.map((f) => ({ name: f.name, json: f.type === 'json' }));
  return (record) =>
    fields.map(({ name, json }) => {
      const value = record[name] as string | Custom | null;
      return json ? customText(value as Custom | null) : (value as string | null);
    });
}

export const uuidFromValues: RowReader<UuidRecord> = rowReader(UUID_RESOURCE);
export const channelFromValues: RowReader<ChannelRecord> = rowReader(CHANNEL_RESOURCE);
export const membershipFromValues: RowReader<MembershipRecord> = rowReader(MEMBERSHIP_RESOURCE);

/** A membership followed by its related object's columns, all NULL when that object has no metadata. */
export function membershipRowFrom(v: SqlValues, related: 'uuid' | 'channel'): MembershipRow {
  const membership: MembershipRow = membershipFromValues(v);
  const at = MEMBERSHIP_COLUMNS.length;
  if (related === 'channel') membership.channel = v[at] === null ? null : channelFromValues(v, at);
  else membership.uuid = v[at] === null ? null : uuidFromValues(v, at);
  return membership;
}

export const customText = (value: Custom | null): string | null => (value === null ? null : JSON.stringify(value));
