import { useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';
import { ISO_UPDATED, objectsClient } from './http.ts';

const server = useServer({
  keysets: [
    { publishKey: 'demo', subscribeKey: 'demo' },
    { publishKey: 'pub-b', subscribeKey: 'sub-b' },
  ],
});
const api = objectsClient(server);

const ALL = { include: 'custom,status,type' };

describe('user metadata', () => {
  it('sets a user and answers it in PubNub’s shape and key order', async () => {
    const body = {
      name: 'Alice',
      email: 'a@example.com',
      externalId: 'ext-1',
      profileUrl: 'http://a',
      status: 'online',
      type: 'admin',
      custom: { age: 36, city: 'London', vip: true },
    };
    const reply = await api.patch('uuids/alice', body, { query: ALL });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toContain('application/json');
    expect(reply.headers.get('access-control-allow-origin')).toBe('*');
    expect(Object.keys(reply.body.data)).toEqual(['id', 'name', 'externalId', 'profileUrl', 'email', 'type', 'status', 'custom', 'updated', 'eTag']);
    expect(reply.body.data).toMatchObject({ id: 'alice', ...body });
    expect(reply.body.data.updated).toMatch(ISO_UPDATED);
    expect(reply.body.data.eTag).toMatch(/^[0-9a-f]{32}$/);
    const read = await api.get('uuids/alice', { query: ALL });
    expect(read.body).toEqual({ status: 200, data: reply.body.data });
  });

  it('leaves out custom, status and type unless included', async () => {
    await api.patch('uuids/plain', { name: 'Plain', status: 's' });
    const reply = await api.get('uuids/plain');
    expect(Object.keys(reply.body.data)).toEqual(['id', 'name', 'externalId', 'profileUrl', 'email', 'updated', 'eTag']);
    const withType = await api.get('uuids/plain', { query: { include: 'type' } });
    expect(withType.body.data.type).toBeNull();
    expect(withType.body.data).not.toHaveProperty('status');
  });

  it('changes present fields, clears nulls, keeps absent ones and replaces custom whole', async () => {
    await api.patch('uuids/bob', { name: 'Bob', email: 'b@x', status: 'away', custom: { a: 1, b: 2 } });
    const reply = await api.patch('uuids/bob', { email: null, custom: { c: 3 } }, { query: ALL });
    expect(reply.body.data).toMatchObject({ name: 'Bob', email: null, status: 'away', custom: { c: 3 } });
  });

  it('merges custom key by key with Roster-Custom-Merge, null removing a key', async () => {
    await api.patch('uuids/carol', { custom: { a: 1, b: 2 } });
    const reply = await api.patch('uuids/carol', { custom: { b: null, c: 'x' } }, { query: ALL, headers: { 'roster-custom-merge': 'true' } });
    expect(reply.body.data.custom).toEqual({ a: 1, c: 'x' });
  });

  it('keeps eTag and updated when a set changes nothing', async () => {
    const first = await api.patch('uuids/dave', { name: 'Dave', custom: { x: 1, y: 2 } }, { query: ALL });
    const second = await api.patch('uuids/dave', { name: 'Dave', custom: { y: 2, x: 1 } }, { query: ALL });
    expect(second.body.data.eTag).toBe(first.body.data.eTag);
    expect(second.body.data.updated).toBe(first.body.data.updated);
    const third = await api.patch('uuids/dave', { name: 'David' }, { query: ALL });
    expect(third.body.data.eTag).not.toBe(first.body.data.eTag);
    expect(Date.parse(third.body.data.updated)).toBeGreaterThanOrEqual(Date.parse(first.body.data.updated));
  });

  it('answers 404 in the objects envelope for a missing user, and 200 data:null on delete', async () => {
    expect(await api.get('uuids/nobody')).toMatchObject({
      status: 404,
      body: { status: 404, error: { message: 'Requested object was not found.', source: 'objects' } },
    });
    expect((await api.delete('uuids/nobody')).body).toEqual({ status: 200, data: null });
    await api.patch('uuids/gone', { name: 'Gone' });
    expect((await api.delete('uuids/gone')).body).toEqual({ status: 200, data: null });
    expect((await api.get('uuids/gone')).status).toBe(404);
  });

  it('decodes ids per path segment, so an encoded slash stays in the id', async () => {
    const id = 'a b/c#ü+x';
    const path = `uuids/${encodeURIComponent(id)}`;
    expect((await api.patch(path, { name: 'odd' })).body.data.id).toBe(id);
    expect((await api.get(path)).body.data.name).toBe('odd');
  });
});

describe('conditional writes with If-Match', () => {
  it('applies a write whose eTag matches and refuses a stale one with 412, changing nothing', async () => {
    const created = await api.patch('channels/room', { name: 'Room' }, { query: ALL });
    const eTag: string = created.body.data.eTag;
    const updated = await api.patch('channels/room', { description: 'd' }, { headers: { 'if-match': eTag }, query: ALL });
    expect(updated.status).toBe(200);
    const stale = await api.patch('channels/room', { name: 'Hijacked' }, { headers: { 'if-match': eTag } });
    expect(stale).toMatchObject({
      status: 412,
      body: { status: 412, error: { message: 'Channel to update has been modified after it was read.', source: 'objects' } },
    });
    expect((await api.get('channels/room')).body.data.name).toBe('Room');
  });

  it('answers 412 for If-Match on a missing object, and checks it on DELETE too', async () => {
    expect((await api.patch('uuids/never', { name: 'x' }, { headers: { 'if-match': 'abc' } })).status).toBe(412);
    expect((await api.get('uuids/never')).status).toBe(404);
    const user = await api.patch('uuids/erin', { name: 'Erin' });
    const refused = await api.delete('uuids/erin', { headers: { 'if-match': 'stale' } });
    expect(refused.body.error.message).toBe('User to delete has been modified after it was read.');
    expect((await api.get('uuids/erin')).status).toBe(200);
    expect((await api.delete('uuids/erin', { headers: { 'if-match': user.body.data.eTag } })).status).toBe(200);
    expect((await api.get('uuids/erin')).status).toBe(404);
  });
});

describe('channel metadata', () => {
  it('sets, reads, lists and removes channels with description', async () => {
    const reply = await api.patch(
      'channels/general',
      { name: 'General', description: 'All hands', type: 'public', status: 'open', custom: { public: true } },
      { query: ALL },
    );
    expect(Object.keys(reply.body.data)).toEqual(['id', 'name', 'description', 'type', 'status', 'custom', 'updated', 'eTag']);
    expect(reply.body.data.eTag).toMatch(/^[0-9a-f]{32}$/);
    const list = await api.get('channels', { query: { filter: 'id == "general"', include: 'custom' } });
    expect(list.body.data).toEqual([expect.objectContaining({ id: 'general', custom: { public: true } })]);
    await api.delete('channels/general');
    expect((await api.get('channels/general')).status).toBe(404);
  });
});

describe('keysets', () => {
  it('keeps the data of different subscribe keys apart', async () => {
    const other = objectsClient(server, 'sub-b');
    await api.patch('uuids/shared-id', { name: 'in demo' });
    expect((await other.get('uuids/shared-id')).status).toBe(404);
    await other.patch('uuids/shared-id', { name: 'in b' });
    expect((await api.get('uuids/shared-id')).body.data.name).toBe('in demo');
    expect((await other.get('uuids')).body.data.map((u: { id: string }) => u.id)).toEqual(['shared-id']);
  });

  it('refuses an unknown subscribe key with a 400', async () => {
    const reply = await objectsClient(server, 'nope').get('uuids');
    expect(reply).toMatchObject({ status: 400, body: { status: 400, error: { message: 'Invalid subscribe key', source: 'objects' } } });
  });
});
