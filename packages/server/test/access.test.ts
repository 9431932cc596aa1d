/**
 * Issue 5 end to end: a locked-down keyset (secret key + Access Manager) driven by the official
 * `pubnub` SDK. A server-side client holding the secret key grants tokens; a client holding only
 * the token can do exactly what was granted, and every refusal is a 403 that changes nothing.
 */
import fc from 'fast-check';
import PubNub from 'pubnub';
import { startServer, type RunningServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureV2, sortedQuery } from '../src/auth/signature.ts';
import { parseQueryString, queryPairs } from '../src/http/url.ts';
import { statusOf } from './http.ts';

const KEYSET = {
  publishKey: 'pub-c-locked',
  subscribeKey: 'sub-c-locked',
  secretKey: 'sec-c-locked-secret',
  accessManager: true,
  disallowGetAllUuids: true,
};
const SUB = KEYSET.subscribeKey;

let server: RunningServer;
let admin: PubNub;
const clients: PubNub[] = [];

function client(userId: string, token?: string): PubNub {
  const pubnub = new PubNub({ publishKey: KEYSET.publishKey, subscribeKey: SUB, userId, origin: server.origin, ssl: false, logVerbosity: false });
  if (token !== undefined) pubnub.setToken(token);
  clients.push(pubnub);
  return pubnub;
}

/** A raw request, signed with the secret key when `sign` is set (as the SDK would). */
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
  return {
    status: response.status,
    text,
    json: (() => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    })(),
  };
}

beforeAll(async () => {
  server = await startServer({ keysets: [KEYSET] });
  admin = new PubNub({ ...KEYSET, userId: 'admin', origin: server.origin, ssl: false, logVerbosity: false });
  for (const uuid of ['alice', 'bob']) await admin.objects.setUUIDMetadata({ uuid, data: { name: uuid } });
  for (const channel of ['room-1', 'lobby', 'secret']) await admin.objects.setChannelMetadata({ channel, data: { name: channel } });
  await admin.objects.setChannelMembers({ channel: 'secret', uuids: ['bob'] });
});

const stopped: RunningServer[] = [];
afterAll(async () => {
  for (const pubnub of [admin, ...clients]) pubnub?.destroy();
  await server?.close();
  for (const old of stopped) await old.close();
});

/** Tokens are deterministic: the same grant in the same second is the same token, so vary `ttl` to get another. */
async function aliceToken(ttl = 5): Promise<string> {
  return admin.grantToken({
    ttl,
    authorized_uuid: 'alice',
    resources: {
      uuids: { alice: { get: true, update: true }, bob: { get: true } },
      channels: { 'room-1': { get: true, join: true }, lobby: { get: true, update: true, delete: true, manage: true } },
    },
    patterns: { channels: { 'room-[0-9]+': { join: true } } },
  });
}

describe('a token holder', () => {
  let alice: PubNub;
  beforeAll(async () => {
    alice = client('alice', await aliceToken());
  });

  it('reads the token the server minted with parseToken', async () => {
    const parsed = admin.parseToken(await aliceToken());
    expect(parsed).toBeDefined();
    expect(parsed).toMatchObject({ version: 2, ttl: 5, authorized_uuid: 'alice' });
    expect(parsed?.resources?.channels?.['lobby']).toMatchObject({ get: true, update: true, delete: true, manage: true, join: false });
    expect(parsed?.patterns?.channels?.['room-[0-9]+']).toMatchObject({ join: true, get: false });
  });

  it('does everything granted', async () => {
    expect(await statusOf(alice.objects.getUUIDMetadata({ uuid: 'alice' }))).toBe(200);
    expect(await statusOf(alice.objects.getUUIDMetadata({ uuid: 'bob' }))).toBe(200);
    expect(await statusOf(alice.objects.setUUIDMetadata({ uuid: 'alice', data: { name: 'Alice' } }))).toBe(200);
    expect(await statusOf(alice.objects.getChannelMetadata({ channel: 'room-1' }))).toBe(200);
    expect(await statusOf(alice.objects.setChannelMetadata({ channel: 'lobby', data: { name: 'Lobby' } }))).toBe(200);
    expect(await statusOf(alice.objects.getMemberships({ uuid: 'alice' }))).toBe(200);
    expect(await statusOf(alice.objects.setMemberships({ uuid: 'alice', channels: ['room-1', 'room-22'] }))).toBe(200);
    expect(await statusOf(alice.objects.removeMemberships({ uuid: 'alice', channels: ['room-22'] }))).toBe(200);
    expect(await statusOf(alice.objects.getChannelMembers({ channel: 'room-1' }))).toBe(200);
    expect(await statusOf(alice.objects.setChannelMembers({ channel: 'lobby', uuids: ['bob'] }))).toBe(200);
    expect(await statusOf(alice.objects.getAllChannelMetadata())).toBe(200);
    expect(await statusOf(alice.objects.removeChannelMetadata({ channel: 'lobby' }))).toBe(200);
    const memberships = await admin.objects.getMemberships({ uuid: 'alice' });
    expect(memberships.data.map((m) => m.channel.id)).toEqual(['room-1']);
    expect((await admin.objects.getUUIDMetadata({ uuid: 'alice' })).data.name).toBe('Alice');
  });

  it('is refused everything else with a 403 that changes nothing', async () => {
    const refused: [string, Promise<unknown>][] = [
      ['delete own uuid', alice.objects.removeUUIDMetadata({ uuid: 'alice' })],
      ['update bob', alice.objects.setUUIDMetadata({ uuid: 'bob', data: { name: 'hacked' } })],
      ['get unknown uuid', alice.objects.getUUIDMetadata({ uuid: 'carol' })],
      ['get secret channel', alice.objects.getChannelMetadata({ channel: 'secret' })],
      ['update room-1', alice.objects.setChannelMetadata({ channel: 'room-1', data: { name: 'hacked' } })],
      ['delete room-1', alice.objects.removeChannelMetadata({ channel: 'room-1' })],
      ['join secret', alice.objects.setMemberships({ uuid: 'alice', channels: ['room-1', 'secret'] })],
      ['memberships of bob', alice.objects.setMemberships({ uuid: 'bob', channels: ['room-1'] })],
      ['list carol memberships', alice.objects.getMemberships({ uuid: 'carol' })],
      ['members of secret', alice.objects.getChannelMembers({ channel: 'secret' })],
      ['manage room-1 members', alice.objects.setChannelMembers({ channel: 'room-1', uuids: ['alice'] })],
      ['remove secret members', alice.objects.removeChannelMembers({ channel: 'secret', uuids: ['bob'] })],
      ['list all uuids', alice.objects.getAllUUIDMetadata()],
    ];
    // Every refusal is handled at once: awaiting them one by one leaves the later ones rejected unhandled meanwhile.
    const statuses = await Promise.all(refused.map(([, call]) => statusOf(call)));
    refused.forEach(([what], index) => expect(statuses[index], what).toBe(403));

    expect((await admin.objects.getUUIDMetadata({ uuid: 'bob' })).data.name).toBe('bob');
    expect((await admin.objects.getChannelMetadata({ channel: 'room-1' })).data.name).toBe('room-1');
    expect((await admin.objects.getMemberships({ uuid: 'alice' })).data.map((m) => m.channel.id)).toEqual(['room-1']);
    expect((await admin.objects.getMemberships({ uuid: 'bob' })).data.map((m) => m.channel.id).sort()).toEqual(['lobby', 'secret']);
    expect((await admin.objects.getChannelMembers({ channel: 'room-1' })).data.map((m) => m.uuid.id)).toEqual(['alice']);
  });

  it('gets a refusal naming the missing permission', async () => {
    const token = await aliceToken();
    const reply = await raw('GET', `/v2/objects/${SUB}/uuids/carol`, { uuid: 'alice', auth: token });
    expect(reply.status).toBe(403);
    expect(reply.json).toMatchObject({
      status: 403,
      error: { source: 'objects', details: [{ message: "Missing get permission on uuid 'carol'", location: 'uuid', locationType: 'path' }] },
    });
  });

  it('cannot lend the token to another uuid', async () => {
    const mallory = client('mallory', await aliceToken());
    expect(await statusOf(mallory.objects.getUUIDMetadata({ uuid: 'alice' }))).toBe(403);
  });

  it('without a token, or with a tampered one, gets 403', async () => {
    expect(await statusOf(client('alice').objects.getUUIDMetadata({ uuid: 'alice' }))).toBe(403);
    const token = await aliceToken();
    const tampered = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
    expect(await statusOf(client('alice', tampered).objects.getUUIDMetadata({ uuid: 'alice' }))).toBe(403);
  });
});

describe('revoking', () => {
  it('makes the token useless at once', async () => {
    const token = await aliceToken();
    const alice = client('alice', token);
    expect(await statusOf(alice.objects.getUUIDMetadata({ uuid: 'alice' }))).toBe(200);
    await admin.revokeToken(token);
    expect(await statusOf(alice.objects.getUUIDMetadata({ uuid: 'alice' }))).toBe(403);
    const reply = await raw('GET', `/v2/objects/${SUB}/uuids/alice`, { uuid: 'alice', auth: token });
    expect(reply.json).toMatchObject({ status: 403, error: { message: 'Token is revoked', source: 'objects' } });
  });
});

describe('grant and revoke endpoints', () => {
  it('refuse unsigned and wrongly signed requests', async () => {
    const body = JSON.stringify({ ttl: 5, permissions: { resources: { uuids: { x: 32 } } } });
    const unsigned = await raw('POST', `/v3/pam/${SUB}/grant`, { uuid: 'x' }, { body });
    expect(unsigned.status).toBe(403);
    expect(unsigned.json).toMatchObject({ error: true, status: 403, service: 'Access Manager' });
    const forged = await raw('POST', `/v3/pam/${SUB}/grant`, { uuid: 'x', timestamp: String(Math.floor(Date.now() / 1000)), signature: 'v2.AAAA' }, { body });
    expect(forged.status).toBe(403);
    const signed = await raw('POST', `/v3/pam/${SUB}/grant`, { uuid: 'x' }, { body, sign: true });
    expect(signed.status).toBe(200);
    expect(signed.json).toMatchObject({ data: { message: 'Success' }, service: 'Access Manager', status: 200 });
  });

  it('answer an out-of-range ttl as PubNub does', async () => {
    const body = JSON.stringify({ ttl: 43_201, permissions: { resources: { channels: { c: 1 } } } });
    const reply = await raw('POST', `/v3/pam/${SUB}/grant`, { uuid: 'x' }, { body, sign: true });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({
      error: {
        message: 'Invalid ttl',
        source: 'grant',
        details: [{ message: 'Range should be 1 to 43200 minute(s).', location: 'ttl', locationType: 'body' }],
      },
      service: 'Access Manager',
      status: 400,
    });
  });
});

describe('pattern permissions', () => {
  it('are matched in time linear in the name: a pattern that would backtrack for ever answers at once', async () => {
    // With a backtracking matcher, `([a-z0-9]+)+` against 60 letters and a dash takes 2^60 steps.
    const token = await admin.grantToken({ ttl: 7, authorized_uuid: 'alice', resources: {}, patterns: { channels: { '([a-z0-9]+)+': { write: true } } } });
    const alice = client('alice', token);
    expect(await statusOf(alice.publish({ channel: `${'a'.repeat(60)}-`, message: 'x' }))).toBe(403);
    expect(await statusOf(alice.publish({ channel: 'a'.repeat(60), message: 'x' }))).toBe(200);
  });

  it('that RE2 cannot match in linear time (lookaround, backreferences) are refused at grant, naming the pattern', async () => {
    const body = JSON.stringify({ ttl: 5, permissions: { patterns: { channels: { '(a)\\1': 2 } } } });
    const reply = await raw('POST', `/v3/pam/${SUB}/grant`, { uuid: 'x' }, { body, sign: true });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: { details: [{ location: 'permissions.patterns.channels.(a)\\1', locationType: 'body' }] }, status: 400 });
  });
});

describe('signed requests', () => {
  it('have full access; a wrong, stale or foreign-key signature is a 403 in the objects envelope', async () => {
    expect(await statusOf(admin.objects.getAllUUIDMetadata())).toBe(200);
    const path = `/v2/objects/${SUB}/uuids/bob`;
    expect((await raw('GET', path, { uuid: 'admin' }, { sign: true })).status).toBe(200);
    const stale = await raw('GET', path, { uuid: 'admin', timestamp: String(Math.floor(Date.now() / 1000) - 120), signature: 'v2.x' });
    expect(stale.status).toBe(403);
    expect(stale.json).toMatchObject({ status: 403, error: { source: 'objects' } });
    const foreign = new PubNub({ ...KEYSET, publishKey: 'pub-c-unknown', userId: 'admin', origin: server.origin, ssl: false, logVerbosity: false });
    clients.push(foreign);
    expect(await statusOf(foreign.objects.getUUIDMetadata({ uuid: 'bob' }))).toBe(403);
  });

  it('covers publish too: the SDK signs it as GET; a wrong secret is refused in Access Manager’s shape', async () => {
    expect(await statusOf(admin.publish({ channel: 'room-1', message: { hello: 'world' } }))).toBe(200);
    const wrong = new PubNub({ ...KEYSET, secretKey: 'sec-c-wrong', userId: 'admin', origin: server.origin, ssl: false, logVerbosity: false });
    clients.push(wrong);
    expect(await statusOf(wrong.publish({ channel: 'room-1', message: { hello: 'world' } }))).toBe(403);
    const reply = await raw('GET', `/publish/${KEYSET.publishKey}/${SUB}/0/room-1/0/%22x%22`, {
      uuid: 'a',
      timestamp: String(Math.floor(Date.now() / 1000)),
      signature: 'v2.bad',
    });
    expect(reply.status).toBe(403);
    expect(reply.json).toMatchObject({ error: true, status: 403, service: 'Access Manager' });
  });

  it('random and mutated signatures and tokens never cause a 5xx', async () => {
    const token = await aliceToken();
    const mutate = (text: string) =>
      fc.tuple(fc.nat(text.length), fc.string({ maxLength: 3 })).map(([at, insert]) => text.slice(0, at) + insert + text.slice(at + 1));
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.base64String({ maxLength: 80 }),
      mutate(token),
      mutate('v2.qYaUVMHP50BFY_yT7yg108i5eHSAPu-iGxRu5vvRhH0'),
    );
    await fc.assert(
      fc.asyncProperty(value, value, fc.constantFrom('GET', 'PATCH', 'DELETE'), fc.integer({ min: -100, max: 100 }), async (auth, signature, method, skew) => {
        const query = { uuid: 'alice', auth, signature, timestamp: String(Math.floor(Date.now() / 1000) + skew) };
        const body = method === 'PATCH' ? '{"name":"x"}' : undefined;
        const reply = await raw(method, `/v2/objects/${SUB}/uuids/alice`, query, body === undefined ? {} : { body });
        expect(reply.status, reply.text).toBeGreaterThanOrEqual(400);
        expect(reply.status, reply.text).toBeLessThan(500);
        const revoke = await raw('DELETE', `/v3/pam/${SUB}/grant/${encodeURIComponent(auth || 'x')}`, { uuid: 'a', signature, timestamp: query.timestamp });
        expect(revoke.status, revoke.text).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
    expect((await admin.objects.getUUIDMetadata({ uuid: 'alice' })).data.name).toBe('Alice');
  });
});

describe('after a restart over the same database', () => {
  it('revoked tokens stay revoked and others keep working', async () => {
    const revoked = await aliceToken();
    const kept = await aliceToken(6);
    await admin.revokeToken(revoked);
    const old = server;
    await old.stop();
    stopped.push(old);
    server = await startServer({ keysets: [KEYSET], dir: old.dir });
    expect(await statusOf(client('alice', revoked).objects.getUUIDMetadata({ uuid: 'alice' }))).toBe(403);
    expect(await statusOf(client('alice', kept).objects.getUUIDMetadata({ uuid: 'alice' }))).toBe(200);
  });
});
