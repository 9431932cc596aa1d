import type { ChannelRecord, MembershipRecord, UuidRecord } from './records.ts';

/**
 * One descriptor per stored resource: its fields, their columns and their wire order. Column
 * lists, row readers and writers (store/sql/rows.ts, tables.ts), the filter and sort fields
 * (query/fields.ts), the sort-key columns (store/sqlite/schema.ts) and the wire shapes
 * (objects/shape.ts) are all derived from these, so a new field is added here (plus a
 * migration adding its column, and its tests).
 */

/** `text`: a nullable or key string; `date`: the stored instant of `clock.ts`; `json`: the `custom` object. */
export type FieldType = 'text' | 'date' | 'json';

/** Fields a response carries only when its `include` flag of the same name is set. */
export type IncludedField = 'custom' | 'status' | 'type';

export interface FieldDescriptor<R> {
  /** The property of the record, which is also the key on the wire. */
  readonly name: keyof R & string;
  /** The column every SQL backend stores it in (migrations create it: never rename). */
  readonly column: string;
  readonly type: FieldType;
  /** Filter and sort expressions may name it (a `json` field by `custom.<key>`). */
  readonly queryable: boolean;
  /** The table keeps a generated `<column>_key` in our collation, for sorting and keyset seeks. */
  readonly sortKey: boolean;
}

export interface ResourceDescriptor<R> {
  readonly kind: 'uuid' | 'channel' | 'membership';
  /** The table in every SQL backend. */
  readonly table: string;
  /** In stored column order: SELECT lists, INSERTs and row readers follow it. */
  readonly fields: readonly FieldDescriptor<R>[];
  /**
   * The record's keys on the wire, in PubNub's order; `IncludedField`s appear only when asked
   * for. A membership's related object (`channel`/`uuid`) comes before these.
   */
  readonly wire: readonly (keyof R & string)[];
}

type Field<R> = FieldDescriptor<R>;
interface Stored {
  custom: unknown;
  updated: string;
  eTag: string;
}

/** A text field that can be filtered and sorted on, in our collation. */
const text = <R>(name: keyof R & string, column: string): Field<R> => ({ name, column, type: 'text', queryable: true, sortKey: true });
const custom = <R extends Stored>(): Field<R> => ({ name: 'custom', column: 'custom', type: 'json', queryable: true, sortKey: false });
const updated = <R extends Stored>(): Field<R> => ({ name: 'updated', column: 'updated', type: 'date', queryable: true, sortKey: false });
const eTag = <R extends Stored>(): Field<R> => ({ name: 'eTag', column: 'etag', type: 'text', queryable: false, sortKey: false });

export const UUID_RESOURCE: ResourceDescriptor<UuidRecord> = {
  kind: 'uuid',
  table: 'uuids',
  fields: [
    text('id', 'id'),
    text('name', 'name'),
    text('externalId', 'external_id'),
    text('profileUrl', 'profile_url'),
    text('email', 'email'),
    text('status', 'status'),
    text('type', 'type'),
    custom(),
    updated(),
    eTag(),
  ],
  wire: ['id', 'name', 'externalId', 'profileUrl', 'email', 'type', 'status', 'custom', 'updated', 'eTag'],
};

export const CHANNEL_RESOURCE: ResourceDescriptor<ChannelRecord> = {
  kind: 'channel',
  table: 'channels',
  fields: [
    text('id', 'id'),
    text('name', 'name'),
    text('description', 'description'),
    text('status', 'status'),
    text('type', 'type'),
    custom(),
    updated(),
    eTag(),
  ],
  wire: ['id', 'name', 'description', 'type', 'status', 'custom', 'updated', 'eTag'],
};

/** The ends are queried as `channel.id` / `uuid.id` (query/fields.ts), not by their own names. */
export const MEMBERSHIP_RESOURCE: ResourceDescriptor<MembershipRecord> = {
  kind: 'membership',
  table: 'memberships',
  fields: [
    { name: 'uuidId', column: 'uuid_id', type: 'text', queryable: false, sortKey: true },
    { name: 'channelId', column: 'channel_id', type: 'text', queryable: false, sortKey: true },
    text('status', 'status'),
    text('type', 'type'),
    custom(),
    updated(),
    eTag(),
  ],
  wire: ['type', 'status', 'custom', 'updated', 'eTag'],
};

/** The stored columns, in the order readers expect them. */
export const columnsOf = <R>(resource: ResourceDescriptor<R>): string[] => resource.fields.map((f) => f.column);

/** The columns with a generated `<column>_key`. */
export const sortKeyColumnsOf = <R>(resource: ResourceDescriptor<R>): string[] => resource.fields.filter((f) => f.sortKey).map((f) => f.column);

/** The fields filter and sort expressions may name, by name. */
export function queryableFieldsOf<R>(resource: ResourceDescriptor<R>): ReadonlyMap<string, FieldDescriptor<R>> {
  return new Map(resource.fields.filter((f) => f.queryable).map((f) => [f.name, f]));
}

/** The fields of the wire form, in wire order (a name missing from `fields` is a descriptor bug). */
export function wireFieldsOf<R>(resource: ResourceDescriptor<R>): FieldDescriptor<R>[] {
  return resource.wire.map((name) => {
    const field = resource.fields.find((f) => f.name === name);
    if (!field) throw new Error(`The ${resource.kind} descriptor puts ${name} on the wire but has no such field`);
    return field;
  });
}

export const isIncludedField = (name: string): name is IncludedField => name === 'custom' || name === 'status' || name === 'type';
