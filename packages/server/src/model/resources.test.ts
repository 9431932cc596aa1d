import { describe, expect, it } from 'vitest';
import { channelToWire, membershipToWire, uuidToWire } from '../objects/shape.ts';
import { resolveField } from '../query/fields.ts';
import { rowReader, rowWriter } from '../store/sql/rows.ts';
import { MEMBERSHIP_COLUMNS, OBJECT_COLUMNS } from '../store/sql/tables.ts';
import { SORT_KEY_COLUMNS } from '../store/sqlite/schema.ts';
import type { UuidRecord } from './records.ts';
import { columnsOf, queryableFieldsOf, sortKeyColumnsOf, UUID_RESOURCE, wireFieldsOf, type ResourceDescriptor } from './resources.ts';

const ALL = { custom: true, status: true, type: true };

describe('what the descriptors derive', () => {
  it('gives the stored columns and sort keys the migrations created', () => {
    expect(OBJECT_COLUMNS).toEqual({
      uuid: ['id', 'name', 'external_id', 'profile_url', 'email', 'status', 'type', 'custom', 'updated', 'etag'],
      channel: ['id', 'name', 'description', 'status', 'type', 'custom', 'updated', 'etag'],
    });
    expect(MEMBERSHIP_COLUMNS).toEqual(['uuid_id', 'channel_id', 'status', 'type', 'custom', 'updated', 'etag']);
    expect(SORT_KEY_COLUMNS).toEqual({
      uuids: ['id', 'name', 'external_id', 'profile_url', 'email', 'status', 'type'],
      channels: ['id', 'name', 'description', 'status', 'type'],
      memberships: ['uuid_id', 'channel_id', 'status', 'type'],
    });
  });

  it('lets filters and sorts name the queryable fields, at their columns', () => {
    expect(resolveField('uuids', ['externalId'])).toEqual({ kind: 'column', table: 'uuid', column: 'external_id', type: 'string' });
    expect(resolveField('channels', ['updated'])).toEqual({ kind: 'column', table: 'channel', column: 'updated', type: 'date' });
    expect(resolveField('members', ['uuid', 'profileUrl'])).toEqual({ kind: 'column', table: 'uuid', column: 'profile_url', type: 'string' });
    expect(resolveField('memberships', ['custom', 'x'])).toEqual({ kind: 'custom', table: 'membership', key: 'x' });
    expect(resolveField('uuids', ['eTag'])).toBeUndefined();
    expect(resolveField('memberships', ['channelId'])).toBeUndefined();
    expect(resolveField('uuids', ['custom'])).toBeUndefined();
    expect(resolveField('uuids', ['name', 'x'])).toBeUndefined();
  });

  it('writes wire keys in PubNub order, whatever the column order', () => {
    const user: UuidRecord = {
      id: 'u',
      name: 'n',
      externalId: 'x',
      profileUrl: 'p',
      email: 'e',
      status: 's',
      type: 't',
      custom: { a: 1 },
      updated: '2024-01-02T03:04:05.678901Z',
      eTag: 'E',
    };
    expect(Object.keys(uuidToWire(user, ALL))).toEqual(['id', 'name', 'externalId', 'profileUrl', 'email', 'type', 'status', 'custom', 'updated', 'eTag']);
    expect(Object.keys(uuidToWire(user, { custom: false, status: false, type: true }))).toEqual([
      'id',
      'name',
      'externalId',
      'profileUrl',
      'email',
      'type',
      'updated',
      'eTag',
    ]);
    const channel = { id: 'c', name: null, description: null, status: null, type: null, custom: null, updated: user.updated, eTag: 'E' };
    expect(Object.keys(channelToWire(channel, ALL))).toEqual(['id', 'name', 'description', 'type', 'status', 'custom', 'updated', 'eTag']);
    const membership = { uuidId: 'u', channelId: 'c', status: 's', type: 't', custom: null, updated: user.updated, eTag: 'E' };
    const include = { ...ALL, related: false, relatedCustom: false, relatedStatus: false, relatedType: false };
    expect(membershipToWire(membership, 'channel', include)).toEqual({
      channel: { id: 'c' },
      type: 't',
      status: 's',
      custom: null,
      updated: '2024-01-02T03:04:05.678901Z',
      eTag: 'E',
    });
    expect(Object.keys(membershipToWire(membership, 'uuid', include))).toEqual(['uuid', 'type', 'status', 'custom', 'updated', 'eTag']);
  });
});

describe('adding a field to a descriptor', () => {
  type Nicknamed = UuidRecord & { nickname: string | null };
  const fields = UUID_RESOURCE.fields as ResourceDescriptor<Nicknamed>['fields'];
  const nicknamed: ResourceDescriptor<Nicknamed> = {
    ...UUID_RESOURCE,
    fields: [...fields.slice(0, 5), { name: 'nickname', column: 'nick_name', type: 'text', queryable: true, sortKey: true }, ...fields.slice(5)],
    wire: [...UUID_RESOURCE.wire.slice(0, 5), 'nickname', ...UUID_RESOURCE.wire.slice(5)],
  };

  it('flows into its columns, sort keys, queryable fields and wire order', () => {
    expect(columnsOf(nicknamed)).toEqual(['id', 'name', 'external_id', 'profile_url', 'email', 'nick_name', 'status', 'type', 'custom', 'updated', 'etag']);
    expect(sortKeyColumnsOf(nicknamed)).toContain('nick_name');
    expect(queryableFieldsOf(nicknamed).get('nickname')).toMatchObject({ column: 'nick_name', type: 'text' });
    expect(wireFieldsOf(nicknamed).map((f) => f.name)).toEqual([
      'id',
      'name',
      'externalId',
      'profileUrl',
      'email',
      'nickname',
      'type',
      'status',
      'custom',
      'updated',
      'eTag',
    ]);
  });

  it('is stored and read back by the derived row writer and reader', () => {
    const record: Nicknamed = {
      id: 'u',
      name: null,
      externalId: null,
      profileUrl: null,
      email: 'e',
      nickname: 'nick',
      status: null,
      type: 't',
      custom: { k: 'v' },
      updated: '2024-01-02T03:04:05.678901Z',
      eTag: 'E',
    };
    const values = rowWriter(nicknamed)(record);
    expect(values).toEqual(['u', null, null, null, 'e', 'nick', null, 't', '{"k":"v"}', record.updated, 'E']);
    expect(rowReader(nicknamed)(['prefix', ...values], 1)).toEqual(record);
  });

  it('must put only its own fields on the wire', () => {
    const broken: ResourceDescriptor<Nicknamed> = { ...nicknamed, fields };
    expect(() => wireFieldsOf(broken)).toThrow(/nickname/);
  });
});
