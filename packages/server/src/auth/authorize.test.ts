import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { authorize, authorizeListing, need, subscribeKeyInPath } from './authorize.ts';
import { parseGrantRequest } from './grant-request.ts';
import { keysetFrom, Keysets } from './keysets.ts';
import { MemoryRevocations } from './revocations.ts';
import { mintToken, readToken, tokenExpiresAt } from './token.ts';

const keyset = keysetFrom({ publishKey: 'pub', subscribeKey: 'sub', secretKey: 'sec', accessManager: true, disallowGetAllUuids: true });
const nowSeconds = Math.floor(Date.now() / 1000);

function setup() {
  return { keysets: new Keysets([keyset]), revocations: new MemoryRevocations() };
}

/** Just what authorize reads from a request: its parsed query. */
const requestWith = (query: Record<string, string>) => ({ query }) as unknown as FastifyRequest;

const token = (body: object, timestamp = nowSeconds) => mintToken(parseGrantRequest(body, timestamp), 'sec');
const readGrant = { ttl: 10, permissions: { resources: { uuids: { alice: 32 } }, uuid: 'alice' } };

describe('authorize', () => {
  it('lets a token do what it grants and names what is missing', async () => {
    const context = setup();
    const request = requestWith({ auth: token(readGrant), uuid: 'alice' });
    await authorize(context, request, keyset, [need('get', 'uuid', 'alice')]);
    await expect(authorize(context, request, keyset, [need('update', 'uuid', 'alice'), need('get', 'channel', 'c')])).rejects.toMatchObject({
      status: 403,
      details: [
        { message: "Missing update permission on uuid 'alice'", location: 'uuid', locationType: 'path' },
        { message: "Missing get permission on channel 'c'", location: 'channel', locationType: 'path' },
      ],
      payload: { uuids: ['alice'], channels: ['c'] },
    });
  });

  it('refuses an expired token', async () => {
    const expired = token(readGrant, nowSeconds - 11 * 60);
    await expect(authorize(setup(), requestWith({ auth: expired, uuid: 'alice' }), keyset, [need('get', 'uuid', 'alice')])).rejects.toMatchObject({
      status: 403,
      message: 'Token is expired',
    });
    const almost = token(readGrant, nowSeconds - 9 * 60);
    await authorize(setup(), requestWith({ auth: almost, uuid: 'alice' }), keyset, [need('get', 'uuid', 'alice')]);
  });

  it('refuses a revoked token, and one used by another uuid', async () => {
    const context = setup();
    const text = token(readGrant);
    await expect(authorize(context, requestWith({ auth: text, uuid: 'mallory' }), keyset, [])).rejects.toMatchObject({ status: 403 });
    const reading = readToken(text, 'sec');
    if (!reading.ok) throw new Error('unreadable');
    await context.revocations.revoke('sub', reading.token.signature, tokenExpiresAt(reading.token));
    await expect(authorize(context, requestWith({ auth: text, uuid: 'alice' }), keyset, [need('get', 'uuid', 'alice')])).rejects.toMatchObject({
      message: 'Token is revoked',
    });
  });

  it('waives update on the uuid for its authorized uuid only', async () => {
    const context = setup();
    const auth = token({ ttl: 10, permissions: { resources: { channels: { c: 128 } }, uuid: 'alice' } });
    const needs = (uuid: string) => [need('join', 'channel', 'c'), need('update', 'uuid', uuid, { waivedForAuthorizedUuid: true })];
    await authorize(context, requestWith({ auth, uuid: 'alice' }), keyset, needs('alice'));
    await expect(authorize(context, requestWith({ auth, uuid: 'alice' }), keyset, needs('bob'))).rejects.toMatchObject({ status: 403 });
  });

  it('refuses requests without a token when anything is needed; listing follows the keyset', async () => {
    const context = setup();
    await expect(authorize(context, requestWith({}), keyset, [need('get', 'channel', 'c')])).rejects.toMatchObject({ status: 403 });
    await expect(authorizeListing(context, requestWith({}), keyset, 'uuid')).rejects.toMatchObject({ status: 403 });
    await authorizeListing(context, requestWith({}), keyset, 'channel');
    await authorize(context, requestWith({}), keysetFrom({ publishKey: 'p', subscribeKey: 's' }), [need('get', 'channel', 'c')]);
  });
});

describe('subscribeKeyInPath', () => {
  it('finds the key in every endpoint family', () => {
    expect(subscribeKeyInPath('/v2/objects/sub/uuids/x?a=1')).toBe('sub');
    expect(subscribeKeyInPath('/v3/pam/sub/grant')).toBe('sub');
    expect(subscribeKeyInPath('/publish/pub/sub/0/ch/0/%22x%22')).toBe('sub');
    expect(subscribeKeyInPath('/v2/subscribe/sub/ch/0')).toBe('sub');
    expect(subscribeKeyInPath('/v2/presence/sub-key/sub/channel/ch/leave')).toBe('sub');
    expect(subscribeKeyInPath('/time/0')).toBeUndefined();
  });
});
