/**
 * Ids and channel names are limited to 92 characters (Unicode code points), as PubNub's docs state,
 * not 92 bytes: CJK, accented and emoji ids work on every endpoint that takes one, and one
 * character more is a 400 naming where the id was.
 */
import { pollFor, useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';
import { encode, objectsClient, type Reply } from './http.ts';

/** Longest valid ids of several scripts: 92 characters each, 92 to 368 bytes in UTF-8. */
const LONGEST = {
  cjk: '用户名'.repeat(30) + '频道',
  accented: 'é'.repeat(46) + 'Ü'.repeat(46),
  emoji: '😀'.repeat(91) + '🚀',
  mixed: `ñandú-${'日本'.repeat(20)}-${'🙂'.repeat(20)}-${'ê'.repeat(5)}-${'x'.repeat(18)}`,
};
/** A 50-character CJK id: 150 bytes, which the old byte limit refused. */
const CJK_50 = '张'.repeat(50);
/** One character too many, in each script. */
const TOO_LONG = { ascii: 'x'.repeat(93), cjk: '字'.repeat(93), accented: 'é'.repeat(93), emoji: '😀'.repeat(93) };

const VALID = { ...LONGEST, cjk50: CJK_50 };

const server = useServer({ args: ['--subscribe-hold', '1'] });
const api = objectsClient(server);

const path = (...parts: string[]) => parts.map(encode).join('/');

async function get(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${url}`, init);
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) };
}

function expectOk(reply: Reply | { status: number; body: unknown }, what: string): void {
  expect(reply.status, `${what}: ${JSON.stringify(reply.body)}`).toBe(200);
}

function expectRefused(reply: { status: number; body: any }, location: string): void {
  expect(reply.status).toBe(400);
  expect(reply.body.error.details[0]).toMatchObject({ location, message: expect.stringContaining('at most 92') });
}

describe('valid ids of up to 92 characters in any script', () => {
  it.each(Object.entries(VALID))('%s: users and channels can be set, read, listed and removed', async (_, id) => {
    for (const kind of ['uuids', 'channels']) {
      const set = await api.patch(path(kind, id), { name: `named ${id}` });
      expectOk(set, `PATCH ${kind}`);
      expect(set.body.data.id).toBe(id);
      expect((await api.get(path(kind, id))).body.data).toMatchObject({ id, name: `named ${id}` });
      const listed = await api.get(kind, { query: { filter: `id == "${id}"` } });
      expect(listed.body.data.map((row: { id: string }) => row.id)).toEqual([id]);
      expectOk(await api.delete(path(kind, id)), `DELETE ${kind}`);
      expect((await api.get(path(kind, id))).status).toBe(404);
    }
  });

  it.each(Object.entries(VALID))('%s: memberships and members, as owner and as item', async (_, id) => {
    const other = `${id.slice(0, 10)}-other`;
    expectOk(await api.patch(path('uuids', id, 'channels'), { set: [{ channel: { id } }, { channel: { id: other } }] }), 'memberships set');
    const memberships = await api.get(path('uuids', id, 'channels'));
    expect(memberships.body.data.map((row: { channel: { id: string } }) => row.channel.id).sort()).toEqual([id, other].sort());
    expectOk(await api.patch(path('channels', id, 'uuids'), { set: [{ uuid: { id: other } }] }), 'members set');
    const members = await api.get(path('channels', id, 'uuids'));
    expect(members.body.data.map((row: { uuid: { id: string } }) => row.uuid.id).sort()).toEqual([id, other].sort());
    expectOk(await api.patch(path('uuids', id, 'channels'), { delete: [{ channel: { id } }, { channel: { id: other } }] }), 'memberships delete');
    expect((await api.get(path('uuids', id, 'channels'))).body.data).toEqual([]);
  });

  it.each(Object.entries(VALID))('%s: subscribe, publish (GET and POST), presence and App Context events', async (_, id) => {
    const handshake = await get(`/v2/subscribe/demo/${encode(id)},other/0?uuid=${encode(id)}`);
    expectOk(handshake, 'subscribe handshake');
    const tt: string = handshake.body.t.t;
    const sent = await get(`/publish/demo/demo/0/${encode(id)}/0/${encode('"hello"')}?uuid=${encode(id)}`);
    expect(sent.body).toEqual([1, 'Sent', expect.any(String)]);
    const posted = await get(`/publish/demo/demo/0/${encode(id)}/0?uuid=p`, {
      method: 'POST',
      body: '"posted"',
      headers: { 'content-type': 'application/json' },
    });
    expect(posted.body[0]).toBe(1);
    expectOk(await api.patch(path('channels', id), { name: 'event' }), 'channel set');
    const poll = { body: await pollFor<any>(async (after) => (await get(`/v2/subscribe/demo/${encode(id)}/0?uuid=s&tt=${after}&tr=1`)).body, tt, 3) };
    expect(poll.body.m.map((envelope: { c: string; d: unknown }) => [envelope.c, envelope.d])).toEqual([
      [id, 'hello'],
      [id, 'posted'],
      [id, expect.objectContaining({ type: 'channel', event: 'set', data: expect.objectContaining({ id, name: 'event' }) })],
    ]);
    for (const action of ['heartbeat', 'leave']) {
      expectOk(await get(`/v2/presence/sub-key/demo/channel/${encode(id)}/${action}?uuid=${encode(id)}`), action);
    }
  });
});

describe('one character more is a 400 naming where the id was', () => {
  it.each(Object.entries(TOO_LONG))('%s: objects paths and membership items', async (_, id) => {
    expectRefused(await api.get(path('uuids', id)), 'uuid');
    expectRefused(await api.patch(path('uuids', id), { name: 'n' }), 'uuid');
    expectRefused(await api.delete(path('uuids', id)), 'uuid');
    expectRefused(await api.get(path('channels', id)), 'channel');
    expectRefused(await api.patch(path('channels', id), { name: 'n' }), 'channel');
    expectRefused(await api.delete(path('channels', id)), 'channel');
    expectRefused(await api.get(path('uuids', id, 'channels')), 'uuid');
    expectRefused(await api.get(path('channels', id, 'uuids')), 'channel');
    expectRefused(await api.patch(path('uuids', 'u', 'channels'), { set: [{ channel: { id } }] }), 'set[0].channel.id');
    expectRefused(await api.patch(path('uuids', 'u', 'channels'), { delete: [{ channel: { id } }] }), 'delete[0].channel.id');
    expectRefused(await api.patch(path('channels', 'c', 'uuids'), { set: [{ uuid: { id: 'ok' } }, { uuid: { id } }] }), 'set[1].uuid.id');
    expect((await api.get(path('uuids', 'u', 'channels'))).body.data).toEqual([]);
  });

  it.each(Object.entries(TOO_LONG))('%s: publish, subscribe and presence', async (_, id) => {
    const published = await get(`/publish/demo/demo/0/${encode(id)}/0/${encode('"x"')}`);
    expect(published.status).toBe(400);
    expect(published.body.slice(0, 2)).toEqual([0, 'Channel names are at most 92 characters; one has 93.']);
    const posted = await get(`/publish/demo/demo/0/${encode(id)}/0`, { method: 'POST', body: '"x"', headers: { 'content-type': 'application/json' } });
    expect(posted.status).toBe(400);
    const subscribed = await get(`/v2/subscribe/demo/ok,${encode(id)}/0`);
    expect(subscribed).toMatchObject({
      status: 400,
      body: { error: true, service: 'Subscribe', message: 'Channel names are at most 92 characters; one has 93.' },
    });
    const heartbeat = await get(`/v2/presence/sub-key/demo/channel/${encode(id)}/heartbeat`);
    expect(heartbeat).toMatchObject({ status: 400, body: { error: true, message: 'Channel names are at most 92 characters; one has 93.' } });
  });

  it('refuses control characters (C0, DEL, C1, U+2028/2029) in publish, subscribe and presence channel names', async () => {
    for (const name of ['a\u0000b', 'a\nb', 'a\u007f', 'a\u0085', 'a\u2028b']) {
      const message = 'The channel name must not contain control characters.';
      const published = await get(`/publish/demo/demo/0/${encode(name)}/0/${encode('"x"')}`);
      expect(published.status, JSON.stringify(name)).toBe(400);
      expect(published.body.slice(0, 2)).toEqual([0, message]);
      const posted = await get(`/publish/demo/demo/0/${encode(name)}/0`, { method: 'POST', body: '"x"', headers: { 'content-type': 'application/json' } });
      expect(posted.status).toBe(400);
      const subscribed = await get(`/v2/subscribe/demo/ok,${encode(name)}/0`);
      expect(subscribed).toMatchObject({ status: 400, body: { error: true, service: 'Subscribe', message } });
      const heartbeat = await get(`/v2/presence/sub-key/demo/channel/${encode(name)}/heartbeat`);
      expect(heartbeat).toMatchObject({ status: 400, body: { error: true, message } });
    }
  });

  it('holds the uuid query parameter of publish, subscribe and presence to the id rule', async () => {
    const refused = {
      [`${'u'.repeat(93)}`]: 'The uuid is 93 characters long; at most 92 are allowed.',
      'u\n': 'The uuid must not contain control characters.',
      'u\u0000': 'The uuid must not contain control characters.',
      '': 'The uuid must not be empty.',
    };
    for (const [uuid, message] of Object.entries(refused)) {
      const published = await get(`/publish/demo/demo/0/ch/0/${encode('"x"')}?uuid=${encode(uuid)}`);
      expect(published.status, JSON.stringify(uuid)).toBe(400);
      expect(published.body.slice(0, 2)).toEqual([0, message]);
      expect(await get(`/v2/subscribe/demo/ch/0?uuid=${encode(uuid)}`)).toMatchObject({ status: 400, body: { error: true, service: 'Subscribe', message } });
      expect(await get(`/v2/presence/sub-key/demo/channel/ch/leave?uuid=${encode(uuid)}`)).toMatchObject({ status: 400, body: { error: true, message } });
    }
    const longest = LONGEST.emoji;
    expect((await get(`/publish/demo/demo/0/ch/0/${encode('"x"')}?uuid=${encode(longest)}`)).status).toBe(200);
    expect((await get(`/v2/subscribe/demo/ch/0?uuid=${encode(longest)}`)).status).toBe(200);
    expect((await get(`/v2/presence/sub-key/demo/channel/ch/heartbeat?uuid=${encode(longest)}`)).status).toBe(200);
  });

  it('refuses an id in a body that is not well-formed Unicode', async () => {
    const reply = await api.send('PATCH', 'uuids/u/channels', {
      rawBody: '{"set":[{"channel":{"id":"a\\ud800"}}]}',
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.details[0]).toMatchObject({ location: 'set[0].channel.id', message: expect.stringContaining('lone surrogate') });
  });
});
