import { useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../src/query/cursor.ts';
import { ISO_UPDATED, objectsClient } from './http.ts';

const server = useServer({
  keysets: [
    { publishKey: 'demo', subscribeKey: 'demo', limits: { maxMembersPerChannel: 3 } },
    { publishKey: 'strict', subscribeKey: 'strict', referentialIntegrity: true },
  ],
});
const api = objectsClient(server);

const ids = (reply: { body: { data: { channel?: { id: string }; uuid?: { id: string } }[] } }) =>
  reply.body.data.map((item) => (item.channel ?? item.uuid)!.id);

describe('memberships of a user', () => {
  it('sets memberships and answers the user’s whole list after the change', async () => {
    await api.patch('channels/c-room', { name: 'Room', description: 'd', status: 'open', custom: { topic: 'x' } });
    const first = await api.patch(
      'uuids/m-alice/channels',
      { set: [{ channel: { id: 'c-room' }, custom: { role: 'admin' }, status: 'active', type: 'owner' }] },
      { query: { include: 'custom,status,type,channel,channel.custom' } },
    );
    expect(first.status).toBe(200);
    const item = first.body.data[0];
    expect(Object.keys(item)).toEqual(['channel', 'type', 'status', 'custom', 'updated', 'eTag']);
    expect(item).toMatchObject({ type: 'owner', status: 'active', custom: { role: 'admin' } });
    expect(item.channel).toEqual({
      id: 'c-room',
      name: 'Room',
      description: 'd',
      custom: { topic: 'x' },
      updated: expect.stringMatching(ISO_UPDATED),
      eTag: expect.any(String),
    });
    expect(item.eTag).toMatch(/^[A-Za-z0-9+/]+$/);

    const second = await api.patch(
      'uuids/m-alice/channels',
      { set: [{ channel: { id: 'c-no-metadata' } }], delete: [] },
      { query: { include: 'channel', count: true } },
    );
    expect(ids(second)).toEqual(['c-no-metadata', 'c-room']);
    expect(second.body.totalCount).toBe(2);
    expect(second.body.data[0].channel).toEqual({ id: 'c-no-metadata' });
  });

  it('upserts a membership field by field and keeps eTag/updated on an identical set', async () => {
    const set = (item: object) =>
      api.patch('uuids/m-bob/channels', { set: [{ channel: { id: 'c1' }, ...item }] }, { query: { include: 'custom,status,type' } });
    const first = (await set({ status: 's', type: 't', custom: { a: 1 } })).body.data[0];
    const onlyType = (await set({ type: 't2' })).body.data[0];
    expect(onlyType).toMatchObject({ status: 's', type: 't2', custom: { a: 1 } });
    expect(onlyType.eTag).not.toBe(first.eTag);
    const same = (await set({ type: 't2' })).body.data[0];
    expect([same.eTag, same.updated]).toEqual([onlyType.eTag, onlyType.updated]);
  });

  it('removes and manages memberships in one PATCH, ignoring absent pairs', async () => {
    await api.patch('uuids/m-carol/channels', { set: [{ channel: { id: 'a' } }, { channel: { id: 'b' } }] });
    const removed = await api.patch('uuids/m-carol/channels', { delete: [{ channel: { id: 'a' }, custom: { ignored: true } }, { channel: { id: 'never' } }] });
    expect(ids(removed)).toEqual(['b']);
    const managed = await api.patch('uuids/m-carol/channels', { set: [{ channel: { id: 'c' } }], delete: [{ channel: { id: 'b' } }] });
    expect(ids(managed)).toEqual(['c']);
    expect(ids(await api.get('uuids/m-carol/channels'))).toEqual(['c']);
  });

  it('filters, sorts and limits the list a PATCH answers with', async () => {
    const reply = await api.patch(
      'uuids/m-dan/channels',
      { set: ['x1', 'x2', 'x3', 'y1'].map((id) => ({ channel: { id }, status: id.startsWith('x') ? 'on' : 'off' })) },
      { query: { filter: 'status == "on"', sort: 'channel.id:desc', limit: 2, count: true } },
    );
    expect(ids(reply)).toEqual(['x3', 'x2']);
    expect(reply.body.totalCount).toBe(3);
    expect(reply.body.next).toEqual(expect.any(String));
  });
});

describe('members of a channel', () => {
  it('sets, lists with the user objects and removes members', async () => {
    await api.patch('uuids/mem-1', { name: 'One', status: 'online', custom: { k: 1 } });
    const set = await api.patch(
      'channels/team/uuids',
      { set: [{ uuid: { id: 'mem-1' }, type: 'QA', status: 'active', custom: { isCustom: true } }, { uuid: { id: 'mem-2' } }] },
      {
        query: { include: 'custom,uuid,uuid.custom,uuid.status' },
      },
    );
    expect(set.body.data[0]).toMatchObject({ uuid: { id: 'mem-1', name: 'One', status: 'online', custom: { k: 1 } }, custom: { isCustom: true } });
    expect(Object.keys(set.body.data[0].uuid)).toEqual(['id', 'name', 'externalId', 'profileUrl', 'email', 'status', 'custom', 'updated', 'eTag']);
    expect(set.body.data[1]).toMatchObject({ uuid: { id: 'mem-2' }, custom: null });
    const removed = await api.patch('channels/team/uuids', { set: [], delete: [{ uuid: { id: 'mem-2' } }] });
    expect(ids(removed)).toEqual(['mem-1']);
    expect(ids(await api.get('uuids/mem-1/channels'))).toEqual(['team']);
  });

  it('refuses a PATCH that would exceed the keyset’s members-per-channel limit, writing nothing', async () => {
    const reply = await api.patch('channels/small/uuids', { set: ['a', 'b', 'c', 'd'].map((id) => ({ uuid: { id } })) });
    expect(reply.status).toBe(400);
    expect(reply.body.error.details[0].message).toContain('exceed 3 members');
    expect((await api.get('channels/small/uuids')).body.data).toEqual([]);
  });

  it('refuses a cursor that does not fit the sort before writing anything', async () => {
    await api.patch('uuids/m-cursor/channels', { set: [{ channel: { id: 'c-1' } }, { channel: { id: 'c-2' } }] });
    const next: string = (await api.get('uuids/m-cursor/channels', { query: { limit: 1 } })).body.next;
    // The same list, sort and filter (the fingerprint after the direction, 11 characters), but one value where the sort has two.
    const forged = encodeCursor('next', ['c-1'], next.slice(1, 12));
    const reply = await api.patch('uuids/m-cursor/channels', { set: [{ channel: { id: 'c-3' } }] }, { query: { start: forged } });
    expect(reply.status).toBe(400);
    expect(reply.body.error.details[0]).toMatchObject({ location: 'start', message: 'The cursor does not match this sort.' });
    expect(ids(await api.get('uuids/m-cursor/channels'))).toEqual(['c-1', 'c-2']);
  });
});

describe('referential integrity (keyset option)', () => {
  const strict = () => objectsClient(server, 'strict');

  it('requires both the user and the channel to exist', async () => {
    await strict().patch('uuids/ri-user', { name: 'U' });
    const missing = await strict().patch('uuids/ri-user/channels', { set: [{ channel: { id: 'ri-chan' } }] });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details[0]).toMatchObject({ location: 'set[0].channel.id', locationType: 'body' });
    await strict().patch('channels/ri-chan', { name: 'C' });
    expect((await strict().patch('uuids/ri-user/channels', { set: [{ channel: { id: 'ri-chan' } }] })).status).toBe(200);
  });

  it('deletes a user’s memberships with the user', async () => {
    await strict().delete('uuids/ri-user');
    expect((await strict().get('channels/ri-chan/uuids')).body.data).toEqual([]);
  });

  it('leaves memberships alone on a keyset without it', async () => {
    await api.patch('uuids/loose/channels', { set: [{ channel: { id: 'loose-chan' } }] });
    await api.delete('uuids/loose');
    expect(ids(await api.get('channels/loose-chan/uuids'))).toEqual(['loose']);
  });
});
