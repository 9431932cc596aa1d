import { useServer } from '@roster/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { signatureV2, sortedQuery } from '../auth/signature.ts';
import { parseQueryString, queryPairs } from './url.ts';

/**
 * The request order of route-steps.ts on a locked keyset (secret key and Access Manager): each
 * request here is both wrong and not allowed, and gets the answer of the step that comes first.
 */
const KEYS = { publishKey: 'pub-order', subscribeKey: 'sub-order', secretKey: 'sec-order' };
const SUB = KEYS.subscribeKey;
const server = useServer({ keysets: [{ ...KEYS, accessManager: true }], args: ['--subscribe-hold', '1'] });

interface Options {
  body?: string;
  /** Sign with the secret key, or send this (wrong) signature. */
  sign?: true | string;
}

/** A request with `query` (and `uuid=alice`), answered as status and JSON. */
async function send(method: string, path: string, query: Record<string, string> = {}, options: Options = {}): Promise<{ status: number; body: any }> {
  const params = new URLSearchParams({ uuid: 'alice', ...query });
  if (options.sign !== undefined) params.set('timestamp', String(Math.floor(Date.now() / 1000)));
  const text = () => params.toString().replace(/\+/g, '%20');
  if (options.sign === true) params.set('signature', signatureV2(KEYS, method, path, sortedQuery(queryPairs(parseQueryString(text()))), options.body ?? ''));
  else if (options.sign !== undefined) params.set('signature', options.sign);
  const headers: Record<string, string> = options.body === undefined ? {} : { 'content-type': 'application/json' };
  const response = await fetch(`${server.url}${path}?${text()}`, { method, headers, body: options.body ?? null });
  return { status: response.status, body: await response.json() };
}

const patch = (path: string, body: unknown, query: Record<string, string> = {}) => send('PATCH', path, query, { body: JSON.stringify(body) });

/** alice's token: get and update on herself, read, write and join on `room`. */
let auth: string;
beforeAll(async () => {
  const grant = { ttl: 5, permissions: { uuid: 'alice', resources: { uuids: { alice: 32 | 64 }, channels: { room: 1 | 2 | 128 } } } };
  const reply = await send('POST', `/v3/pam/${SUB}/grant`, {}, { body: JSON.stringify(grant), sign: true });
  expect(reply.status).toBe(200);
  auth = reply.body.data.token;
});

describe('parse comes before auth', () => {
  it('a body of the wrong shape is a 400, whoever sends it', async () => {
    const reply = await patch(`/v2/objects/${SUB}/uuids/alice`, { name: 5 });
    expect(reply).toMatchObject({ status: 400, body: { error: { details: [{ location: 'user.name' }] } } });
  });

  it('a method the path does not serve is a 405, even wrongly signed', async () => {
    expect((await send('POST', `/v2/objects/${SUB}/uuids/alice`, {}, { sign: 'v2.wrong' })).status).toBe(405);
  });

  it('an unknown keyset is a 400, and its signature is not looked at', async () => {
    const reply = await send('GET', '/v2/objects/sub-nope/uuids/alice', {}, { sign: 'v2.wrong' });
    expect(reply).toMatchObject({ status: 400, body: { status: 400, error: { source: 'objects' } } });
  });

  it('the resources named are held to the id rule first: ids, channel names, a membership PATCH’s items', async () => {
    expect(await send('GET', `/v2/objects/${SUB}/uuids/${'x'.repeat(93)}`)).toMatchObject({
      status: 400,
      body: { error: { details: [{ location: 'uuid' }] } },
    });
    expect((await send('GET', `/v2/subscribe/${SUB}/${'c'.repeat(93)}/0`)).status).toBe(400);
    expect((await send('GET', `/publish/${KEYS.publishKey}/${SUB}/0/a%2Cb/0/1`)).body).toEqual([
      0,
      'Publish to one channel: the name may not contain a comma.',
      expect.any(String),
    ]);
    const item = await patch(`/v2/objects/${SUB}/uuids/alice/channels`, { set: [{ channel: { id: 'a\u0000' } }] });
    expect(item).toMatchObject({ status: 400, body: { error: { details: [{ location: 'set[0].channel.id' }] } } });
  });
});

describe('auth comes before validate', () => {
  it('a field rule is checked only for a request allowed to write', async () => {
    const path = `/v2/objects/${SUB}/uuids/alice`;
    expect((await patch(path, { name: ' ' })).status).toBe(403);
    expect(await patch(path, { name: ' ' }, { auth })).toMatchObject({
      status: 400,
      body: { error: { details: [{ location: 'user.name', message: 'User name must not be empty or whitespace only.' }] } },
    });
  });

  it('list options are checked only for a request allowed to read, and after the signature', async () => {
    const path = `/v2/objects/${SUB}/uuids/alice/channels`;
    expect((await send('GET', path, { limit: '0' })).status).toBe(403);
    expect(await send('GET', path, { limit: '0' }, { sign: 'v2.wrong' })).toMatchObject({
      status: 403,
      body: { error: { message: 'Signature does not match' } },
    });
    expect(await send('GET', path, { limit: '0', auth })).toMatchObject({ status: 400, body: { error: { details: [{ location: 'limit' }] } } });
  });

  it('a message’s rules are checked only for a request allowed to publish', async () => {
    const path = `/publish/${KEYS.publishKey}/${SUB}/0/room/0/1`;
    expect(await send('GET', path, { custom_message_type: 'pn-x' })).toMatchObject({ status: 403, body: { service: 'Access Manager' } });
    expect(await send('GET', path, { custom_message_type: 'pn-x', auth })).toMatchObject({
      status: 400,
      body: [0, expect.stringContaining('custom_message_type'), expect.any(String)],
    });
  });

  it('a poll’s options are checked only for a request allowed to subscribe', async () => {
    const path = `/v2/subscribe/${SUB}/room/0`;
    expect(await send('GET', path, { tt: 'yesterday' })).toMatchObject({ status: 403, body: { payload: { channels: ['room'] } } });
    expect(await send('GET', path, { tt: 'yesterday', auth })).toMatchObject({ status: 400, body: { service: 'Subscribe' } });
  });

  it('a grant’s ttl is checked only when signed, with PubNub’s answer', async () => {
    const body = JSON.stringify({ ttl: 'soon' });
    expect((await send('POST', `/v3/pam/${SUB}/grant`, {}, { body })).status).toBe(403);
    expect(await send('POST', `/v3/pam/${SUB}/grant`, {}, { body, sign: true })).toMatchObject({
      status: 400,
      body: { error: { message: 'Invalid ttl', source: 'grant' } },
    });
  });
});
