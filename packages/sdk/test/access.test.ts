import PubNub from 'pubnub';
import { useServer } from '@roster/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { PNStatusCategory, type Roster } from '../src/index.ts';
import { clientFor, rejection } from './helpers/roster.ts';

const SECRET = 'sec-c-sdk-test';
const server = useServer({ keysets: [{ publishKey: 'demo', subscribeKey: 'demo', secretKey: SECRET, accessManager: true }] });
let admin: Roster;

beforeAll(() => {
  admin = clientFor(server, 'backend', { secretKey: SECRET });
});

describe('Access Manager from the SDK against a locked-down Roster keyset', () => {
  it('signs with the secretKey: an admin client has full access, an anonymous one none', async () => {
    expect((await admin.setUUIDMetadata({ uuid: 'alice', name: 'Alice' }).sync()).status.statusCode).toBe(200);
    const refused = await rejection(clientFor(server, 'alice').getUUIDMetadata({ uuid: 'alice' }));
    expect(refused).toMatchObject({ status: { statusCode: 403, category: PNStatusCategory.PNAccessDeniedCategory } });
  });

  it('signs a publish sent as POST the way the server checks it (as GET, body not covered)', async () => {
    const { status } = await admin.publish({ channel: 'signed-post', message: { hi: 1 }, usePost: true }).sync();
    expect(status.statusCode).toBe(200);
  });

  it('grants a token that parseToken reads, and that allows exactly what it grants', async () => {
    const { result } = await admin
      .grantToken()
      .ttl(60)
      .authorizedUuid('alice')
      .resources({ uuids: { alice: { get: true, update: true } }, channels: { lobby: { get: true, join: true } } })
      .patterns({ channels: { 'team-[a-z]+': { read: true } } })
      .sync();
    const parsed = admin.parseToken(result.token);
    expect(parsed).toMatchObject({
      version: 2,
      ttl: 60,
      authorizedUuid: 'alice',
      resources: { uuids: { alice: { get: true, update: true, delete: false } }, channels: { lobby: { get: true, join: true, update: false } } },
      patterns: { channels: { 'team-[a-z]+': { read: true, write: false } } },
    });
    expect(Math.abs(parsed.timestamp - Date.now() / 1000)).toBeLessThan(60);

    const alice = clientFor(server, 'alice');
    alice.setToken(result.token);
    expect((await alice.getUUIDMetadata().sync()).result.data.name).toBe('Alice');
    expect((await alice.setUUIDMetadata({ name: 'Alice B' }).sync()).result.data.name).toBe('Alice B');
    expect(await rejection(alice.removeUUIDMetadata())).toMatchObject({ status: { statusCode: 403 } });
    expect(await rejection(alice.getUUIDMetadata({ uuid: 'bob' }))).toMatchObject({ status: { statusCode: 403 } });
    expect((await admin.getUUIDMetadata({ uuid: 'alice' }).sync()).result.data.name).toBe('Alice B');
  });

  it('reads the same token as the official SDK does', async () => {
    const { result } = await admin.grantToken({ ttl: 5, resources: { channels: { room: { write: true } } } }).sync();
    const official = new PubNub({ subscribeKey: 'demo', userId: 'x', origin: server.origin, ssl: false });
    const theirs = official.parseToken(result.token);
    expect(theirs?.resources?.channels?.['room']?.write).toBe(true);
    expect(admin.parseToken(result.token).resources.channels?.['room']?.write).toBe(true);
  });

  it('revokes a token', async () => {
    const { result } = await admin.grantToken({ ttl: 7, resources: { uuids: { alice: { get: true } } } }).sync();
    const alice = clientFor(server, 'alice');
    alice.setToken(result.token);
    expect((await alice.getUUIDMetadata().sync()).status.statusCode).toBe(200);
    await admin.revokeToken(result.token).sync();
    expect(await rejection(alice.getUUIDMetadata())).toMatchObject({ status: { statusCode: 403 } });
  });

  it('refuses to build a grant without the secretKey', async () => {
    expect(await rejection(clientFor(server, 'alice').grantToken({ ttl: 1 }))).toMatchObject({
      status: { category: PNStatusCategory.PNValidationErrorCategory },
    });
  });
});
