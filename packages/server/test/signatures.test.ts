/**
 * Issue 10, items 3 and 4, end to end: a node serving two locked-down keysets, A and B. Whoever
 * holds B's secret key can sign for B only, whatever the path says; a signature covers the one
 * path it was made for; and the requests the official SDKs sign still pass.
 */
import PubNub from 'pubnub';
import { useServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSigningAgent, sendRaw, signedQuery, signV1, signV2, type Keys, type RawAnswer } from './signing.ts';
import { statusOf } from './http.ts';

const A: Keys = { publishKey: 'pub-c-alpha', subscribeKey: 'sub-c-alpha', secretKey: 'sec-c-alpha-secret' };
const B: Keys = { publishKey: 'pub-c-beta', subscribeKey: 'sub-c-beta', secretKey: 'sec-c-beta-secret' };
/** Channel names that once made the server look for a subscribe key after them. */
const MARKERS = ['sub-key', 'sub_key'] as const;

const locked = { accessManager: true, disallowGetAllUuids: true };
const server = useServer({
  keysets: [
    { ...A, ...locked },
    { ...B, ...locked },
  ],
  args: ['--subscribe-hold', '1'],
});
let adminA: PubNub;
let adminB: PubNub;

beforeAll(() => {
  const sdk = (keys: Keys) => new PubNub({ ...keys, userId: 'backend', origin: server.origin, ssl: false, logVerbosity: false });
  adminA = sdk(A);
  adminB = sdk(B);
});

afterAll(() => {
  adminA?.destroy();
  adminB?.destroy();
  closeSigningAgent();
});

/** Sends `path` signed v2 with `keys`, over `signedPath` (default: the path as sent). */
function signed(
  keys: Keys,
  method: string,
  path: string,
  options: { body?: string; signedPath?: string; query?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const query = signedQuery(options.query ?? { uuid: 'backend' }, (q) => signV2(keys, method, options.signedPath ?? path, q, options.body));
  return sendRaw(server.url, method, path, query, options.body);
}

interface SubscribeAnswer {
  t: { t: string };
  m: { c: string; d: unknown }[];
}

/** A's backend subscribing to `channels` (a signed long-poll); `tt` omitted is the handshake. */
async function subscribeA(channels: string, tt?: string): Promise<SubscribeAnswer> {
  const query: Record<string, string> = tt === undefined ? { uuid: 'backend' } : { uuid: 'backend', tt };
  const answer = await signed(A, 'GET', `/v2/subscribe/${A.subscribeKey}/${channels}/0`, { query });
  expect(answer.status, answer.text).toBe(200);
  return JSON.parse(answer.text) as SubscribeAnswer;
}

describe('a signature is checked against the keyset the route serves', () => {
  it('refuses a publish to A signed with B’s secret, whatever segment after the channel names B', async () => {
    const channels = MARKERS.join(',');
    const since = (await subscribeA(channels)).t.t;
    for (const marker of MARKERS) {
      const get = `/publish/${A.publishKey}/${A.subscribeKey}/0/${marker}/${B.subscribeKey}/%22forged%22`;
      expect((await signed(B, 'GET', get)).status, get).toBe(403);
      const post = `/publish/${A.publishKey}/${A.subscribeKey}/0/${marker}/${B.subscribeKey}`;
      expect((await signed(B, 'POST', post, { body: '"forged"' })).status, post).toBe(403);
      const v1 = signedQuery({ uuid: 'backend' }, (q) => signV1(B, post, q));
      expect((await sendRaw(server.url, 'POST', post, v1, '"forged"')).status, `${post} (v1)`).toBe(403);
    }
    // A's subscribers get nothing before the backend's own message.
    expect(await statusOf(adminA.publish({ channel: 'sub-key', message: 'genuine' }))).toBe(200);
    const received = await subscribeA(channels, since);
    expect(received.m.map((message) => [message.c, message.d])).toEqual([['sub-key', 'genuine']]);
  });

  it('refuses a subscribe to A signed with B’s secret', async () => {
    for (const marker of MARKERS) {
      const path = `/v2/subscribe/${A.subscribeKey}/${marker}/${B.subscribeKey}`;
      expect((await signed(B, 'GET', path)).status, path).toBe(403);
    }
  });

  it('lets A’s backend, correctly signed, publish and subscribe on channels named sub-key and sub_key', async () => {
    for (const marker of MARKERS) {
      expect(await statusOf(adminA.publish({ channel: marker, message: { n: 1 } })), marker).toBe(200);
      expect(await statusOf(adminA.publish({ channel: marker, message: { n: 2 }, sendByPost: true })), marker).toBe(200);
      const post = `/publish/${A.publishKey}/${A.subscribeKey}/0/${marker}/0`;
      const v1 = signedQuery({ uuid: 'backend' }, (q) => signV1(A, post, q));
      expect((await sendRaw(server.url, 'POST', post, v1, '{"n":3}')).status).toBe(200);
      await subscribeA(marker);
    }
  });

  it('does not let A’s secret grant or revoke on B, nor B’s on A', async () => {
    const body = JSON.stringify({ ttl: 5, permissions: { resources: { channels: { room: 3 } } } });
    expect((await signed(B, 'POST', `/v3/pam/${A.subscribeKey}/grant`, { body })).status).toBe(403);
    const granted = await signed(A, 'POST', `/v3/pam/${A.subscribeKey}/grant`, { body });
    expect(granted.status).toBe(200);
    const token = (JSON.parse(granted.text) as { data: { token: string } }).data.token;
    expect((await signed(B, 'DELETE', `/v3/pam/${A.subscribeKey}/grant/${encodeURIComponent(token)}`)).status).toBe(403);
    const publish = `/publish/${A.publishKey}/${A.subscribeKey}/0/room/0/%22hi%22`;
    expect((await sendRaw(server.url, 'GET', publish, { uuid: 'u', auth: token })).status).toBe(200);
  });

  it('does not let a token from B authorize anything on A, even once B has verified it', async () => {
    const token = await adminB.grantToken({ ttl: 5, resources: { channels: { room: { read: true, write: true } }, uuids: { u: { get: true } } } });
    const on = (keys: Keys) => sendRaw(server.url, 'GET', `/publish/${keys.publishKey}/${keys.subscribeKey}/0/room/0/%22hi%22`, { uuid: 'u', auth: token });
    expect((await on(B)).status).toBe(200);
    const refused = await on(A);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text)).toMatchObject({ status: 403, message: 'Invalid token' });
    expect((await sendRaw(server.url, 'GET', `/v2/objects/${A.subscribeKey}/uuids/u`, { uuid: 'u', auth: token })).status).toBe(403);
  });

  it('gives a signed request to a path no route serves a 404 and no keyset’s trust', async () => {
    for (const keys of [A, B]) expect((await signed(keys, 'GET', `/v2/nothing/sub-key/${keys.subscribeKey}`)).status).toBe(404);
    // The channel registry of A takes A's signature only.
    expect((await signed(A, 'GET', `/v1/channel-registration/sub-key/${A.subscribeKey}/channel-group/g`)).status).toBe(200);
    expect((await signed(B, 'GET', `/v1/channel-registration/sub-key/${A.subscribeKey}/channel-group/g`)).status).toBe(403);
    expect((await signed(B, 'GET', '/time/0')).status).toBe(200);
  });
});

describe('a signature covers exactly one path', () => {
  const users = `/v2/objects/${A.subscribeKey}/uuids`;

  it('refuses a signature made for uuids/a%2Fb on uuids/a%252Fb, which names another user', async () => {
    // The user whose id is the literal text `a%2Fb` (the SDK sends it as a%252Fb).
    expect(await statusOf(adminA.objects.setUUIDMetadata({ uuid: 'a%2Fb', data: { name: 'kept' } }))).toBe(200);
    const body = JSON.stringify({ name: 'hacked' });
    const query = signedQuery({ uuid: 'backend' }, (q) => signV2(A, 'PATCH', `${users}/a%2Fb`, q, body));
    const replay = await sendRaw(server.url, 'PATCH', `${users}/a%252Fb`, query, body);
    expect(replay.status, replay.text).toBe(403);
    const remove = signedQuery({ uuid: 'backend' }, (q) => signV2(A, 'DELETE', `${users}/a%2Fb`, q));
    expect((await sendRaw(server.url, 'DELETE', `${users}/a%252Fb`, remove)).status).toBe(403);
    expect((await adminA.objects.getUUIDMetadata({ uuid: 'a%2Fb' })).data.name).toBe('kept');
    // The signed request itself acts on the user it names: `a/b`.
    expect((await sendRaw(server.url, 'PATCH', `${users}/a%2Fb`, query, body)).status).toBe(200);
    expect((await adminA.objects.getUUIDMetadata({ uuid: 'a/b' })).data.name).toBe('hacked');
  });

  it('accepts Python’s form, App Context ids signed unescaped, only where decoding keeps the resource', async () => {
    const body = JSON.stringify({ name: 'py' });
    const python = await signed(A, 'PATCH', `${users}/py%20user%20%C3%BC`, { body, signedPath: `${users}/py user ü` });
    expect(python.status, python.text).toBe(200);
    expect((await adminA.objects.getUUIDMetadata({ uuid: 'py user ü' })).data.name).toBe('py');
    // Python sends a `/` in an id as a path separator; decoding `%2F` would name another route.
    expect((await signed(A, 'GET', `${users}/a%2Fb/channels`, { signedPath: `${users}/a/b/channels` })).status).toBe(403);
    // Python escapes channel names in publish paths itself, so the unescaped form is never signed there.
    expect(
      (await signed(A, 'GET', `/publish/${A.publishKey}/${A.subscribeKey}/0/a%20b/0/1`, { signedPath: `/publish/${A.publishKey}/${A.subscribeKey}/0/a b/0/1` }))
        .status,
    ).toBe(403);
  });

  it('accepts what the official JS SDK signs for ids with spaces and reserved characters', async () => {
    const ids = ['a b', 'user/with space+ü&x', 'a%2Fb', '100%', 'q?x#y', 'sub-key', "it's (1) *!~", 'ü:@;,=$'];
    for (const id of ids) {
      expect(await statusOf(adminA.objects.setUUIDMetadata({ uuid: id, data: { name: id } })), id).toBe(200);
      expect((await adminA.objects.getUUIDMetadata({ uuid: id })).data.id, id).toBe(id);
      expect(await statusOf(adminA.objects.setChannelMetadata({ channel: id, data: { name: id } })), id).toBe(200);
    }
    expect(await statusOf(adminA.objects.setMemberships({ uuid: 'a b', channels: ids }))).toBe(200);
    const memberships = await adminA.objects.getMemberships({ uuid: 'a b', limit: 100 });
    expect(memberships.data.map((membership) => membership.channel.id).sort()).toEqual([...ids].sort());
    expect(await statusOf(adminA.objects.removeUUIDMetadata({ uuid: 'q?x#y' }))).toBe(200);
  });
});
