/**
 * Access Manager on Message Persistence and Message Actions, as PubNub maps operations to
 * permissions: fetching history (with or without actions), counting messages and listing actions
 * need read on each channel; deleting from history and removing an action need delete; adding an
 * action needs write. Token patterns count as exact grants do; signed requests pass.
 */
import PubNub from 'pubnub';
import { startServer, type RunningServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureV2, sortedQuery } from '../src/auth/signature.ts';
import { parseQueryString, queryPairs } from '../src/http/url.ts';
import { encode } from './http.ts';

const KEYSET = { publishKey: 'pub-c-msg', subscribeKey: 'sub-c-msg', secretKey: 'sec-c-msg-secret', accessManager: true };
const SUB = KEYSET.subscribeKey;

let server: RunningServer;
let admin: PubNub;
/** A message on `room` and an action on it, written with the secret key. */
let messageTt: string;
let actionTt: string;

async function raw(method: string, path: string, query: Record<string, string>, options: { body?: string; sign?: boolean } = {}) {
  const params = new URLSearchParams(query);
  if (options.sign) {
    params.set('timestamp', String(Math.floor(Date.now() / 1000)));
    const pairs = queryPairs(parseQueryString(params.toString().replace(/\+/g, '%20')));
    params.set('signature', signatureV2(KEYSET, method, path, sortedQuery(pairs), options.body ?? ''));
  }
  const headers: Record<string, string> = options.body === undefined ? {} : { 'content-type': 'application/json' };
  const response = await fetch(`${server.url}${path}?${params.toString().replace(/\+/g, '%20')}`, { method, headers, body: options.body ?? null });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as any };
}

beforeAll(async () => {
  server = await startServer({ keysets: [KEYSET] });
  admin = new PubNub({ ...KEYSET, userId: 'admin', origin: server.origin, ssl: false, logVerbosity: false });
  messageTt = (await admin.publish({ channel: 'room', message: 'hello' })).timetoken;
  await admin.publish({ channel: 'secret', message: 'hidden' });
  await admin.publish({ channel: 'pub-news', message: 'news' });
  actionTt = (await admin.addMessageAction({ channel: 'room', messageTimetoken: messageTt, action: { type: 'reactions', value: 'x' } })).data.actionTimetoken;
});

afterAll(async () => {
  admin?.destroy();
  await server?.close();
});

let ttl = 5;
/** A token for `uuid` with `permissions` on `room`; tokens of one grant in one second are equal, so each gets its own ttl. */
const tokenFor = (uuid: string, permissions: Record<string, boolean>) =>
  admin.grantToken({
    ttl: ttl++,
    authorized_uuid: uuid,
    resources: { channels: { room: permissions } },
    patterns: { channels: { 'pub-[a-z]+': { read: true } } },
  });

/** Every operation, by what it is, as the request it makes. */
function operations(uuid: string, auth: string | undefined) {
  const credentials = { uuid, ...(auth === undefined ? {} : { auth }) };
  const actionBody = JSON.stringify({ type: 'reactions', value: uuid });
  return {
    history: () => raw('GET', `/v3/history/sub-key/${SUB}/channel/room`, credentials),
    historyWithActions: () => raw('GET', `/v3/history-with-actions/sub-key/${SUB}/channel/room`, credentials),
    counts: () => raw('GET', `/v3/history/sub-key/${SUB}/message-counts/room`, { ...credentials, timetoken: '0' }),
    listActions: () => raw('GET', `/v1/message-actions/${SUB}/channel/room`, credentials),
    addAction: () => raw('POST', `/v1/message-actions/${SUB}/channel/room/message/${messageTt}`, credentials, { body: actionBody }),
    removeAction: () => raw('DELETE', `/v1/message-actions/${SUB}/channel/room/message/${messageTt}/action/1`, credentials),
    deleteHistory: () => raw('DELETE', `/v3/history/sub-key/${SUB}/channel/room`, { ...credentials, start: '1', end: '2' }),
  };
}
type Operation = keyof ReturnType<typeof operations>;

/** The status of each operation for a token of `permissions` on `room`. */
async function statuses(permissions: Record<string, boolean>): Promise<Record<Operation, number>> {
  const uuid = `user-${Object.keys(permissions).join('-') || 'none'}`;
  const calls = operations(uuid, await tokenFor(uuid, permissions));
  const entries = await Promise.all(Object.entries(calls).map(async ([name, call]) => [name, (await call()).status] as const));
  return Object.fromEntries(entries) as Record<Operation, number>;
}

describe('a token on the channel', () => {
  it('with read fetches history and history with actions, counts and lists actions, and nothing else', async () => {
    expect(await statuses({ read: true })).toEqual({
      history: 200,
      historyWithActions: 200,
      counts: 200,
      listActions: 200,
      addAction: 403,
      removeAction: 403,
      deleteHistory: 403,
    });
  });

  it('with write adds actions only; with delete removes actions and deletes from history only', async () => {
    expect(await statuses({ write: true })).toMatchObject({
      history: 403,
      counts: 403,
      listActions: 403,
      addAction: 200,
      removeAction: 403,
      deleteHistory: 403,
    });
    expect(await statuses({ delete: true })).toMatchObject({ history: 403, addAction: 403, removeAction: 200, deleteHistory: 200 });
  });

  it('is refused with Access Manager’s 403 naming every channel it lacks', async () => {
    const token = await tokenFor('alice', { read: true });
    const both = await raw('GET', `/v3/history/sub-key/${SUB}/channel/room,secret`, { uuid: 'alice', auth: token });
    expect(both.status).toBe(403);
    expect(both.json).toEqual({
      message: 'Forbidden',
      payload: { channels: ['secret'] },
      error: true,
      service: 'Access Manager',
      status: 403,
    });
    const counts = await raw('GET', `/v3/history/sub-key/${SUB}/message-counts/room,secret`, { uuid: 'alice', auth: token, channelsTimetoken: '0,0' });
    expect(counts.status).toBe(403);
    const add = await raw(
      'POST',
      `/v1/message-actions/${SUB}/channel/secret/message/${messageTt}`,
      { uuid: 'alice', auth: token },
      { body: '{"type":"a","value":"b"}' },
    );
    expect(add.json).toMatchObject({ status: 403, service: 'Access Manager', payload: { channels: ['secret'] } });
  });

  it('reads channels its patterns match', async () => {
    const token = await tokenFor('alice', { read: true });
    const news = await raw('GET', `/v3/history/sub-key/${SUB}/channel/${encode('pub-news')},room`, { uuid: 'alice', auth: token });
    expect(news.status).toBe(200);
    expect(Object.keys(news.json.channels).sort()).toEqual(['pub-news', 'room']);
  });

  it('cannot be lent to another uuid', async () => {
    const token = await tokenFor('alice', { read: true });
    expect((await operations('mallory', token).history()).status).toBe(403);
  });
});

describe('without a token', () => {
  it('every operation is refused', async () => {
    const calls = operations('anyone', undefined);
    for (const [name, call] of Object.entries(calls)) expect((await call()).status, name).toBe(403);
  });
});

describe('requests signed with the secret key', () => {
  it('pass every check', async () => {
    const signed = (method: string, path: string, query: Record<string, string> = {}, body?: string) =>
      raw(method, path, { uuid: 'admin', ...query }, { sign: true, ...(body === undefined ? {} : { body }) });
    expect((await signed('GET', `/v3/history/sub-key/${SUB}/channel/room,secret`)).status).toBe(200);
    expect((await signed('GET', `/v3/history/sub-key/${SUB}/message-counts/secret`, { timetoken: '0' })).json.channels).toEqual({ secret: 1 });
    expect((await signed('POST', `/v1/message-actions/${SUB}/channel/secret/message/1`, {}, '{"type":"a","value":"b"}')).status).toBe(200);
    expect((await signed('DELETE', `/v1/message-actions/${SUB}/channel/room/message/${messageTt}/action/${actionTt}`)).status).toBe(200);
    expect((await signed('DELETE', `/v3/history/sub-key/${SUB}/channel/secret`)).status).toBe(200);
    expect((await signed('GET', `/v3/history/sub-key/${SUB}/channel/secret`)).json.channels).toEqual({});
  });
});
