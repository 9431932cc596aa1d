import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { authorize, authorizeListing, isSignedRequest, need, publishNeeds, routeKeyset, verifyRequestSignature } from './authorize.ts';
import { parseGrantRequest } from './grant-request.ts';
import { keysetFrom, Keysets, type Keyset } from './keysets.ts';
import { MemoryRevocations } from './revocations.ts';
import { signatureV2, sortedQuery } from './signature.ts';
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

/** Two locked-down keysets on one node; whoever holds B's secret must get nothing on A. */
const keysetA = keysetFrom({ publishKey: 'pub-a', subscribeKey: 'sub-a', secretKey: 'sec-a', accessManager: true });
const keysetB = keysetFrom({ publishKey: 'pub-b', subscribeKey: 'sub-b', secretKey: 'sec-b', accessManager: true });
const twoKeysets = () => ({ keysets: new Keysets([keysetA, keysetB]), revocations: new MemoryRevocations() });

/** A request as the preHandler sees it: route parameters, the URL as sent, signed with `signer`'s secret. */
function signedRequest(params: Record<string, string>, path: string, signer: Keyset): FastifyRequest {
  const query: [string, string][] = [['uuid', 'u'], ['timestamp', String(nowSeconds)]];
  const keys = { publishKey: signer.publishKey, subscribeKey: signer.subscribeKey, secretKey: signer.secretKey! };
  const signature = signatureV2(keys, 'GET', path, sortedQuery(query), '');
  const url = `${path}?uuid=u&timestamp=${nowSeconds}&signature=${signature}`;
  return { params, method: 'GET', url, raw: { url }, query: { uuid: 'u' } } as unknown as FastifyRequest;
}

describe('verifyRequestSignature', () => {
  const forged = '/publish/pub-a/sub-a/0/sub-key/sub-b/%22x%22';

  it('checks the signature with the secret of the keyset the route names, whatever the path holds', async () => {
    const context = twoKeysets();
    await expect(verifyRequestSignature(context, signedRequest({ subKey: 'sub-a' }, forged, keysetB))).rejects.toMatchObject({
      status: 403,
      message: 'Signature does not match',
    });
    const genuine = signedRequest({ subKey: 'sub-a' }, forged, keysetA);
    await verifyRequestSignature(context, genuine);
    expect(isSignedRequest(genuine, keysetA)).toBe(true);
    expect(isSignedRequest(genuine, keysetB)).toBe(false);
    await authorize(context, genuine, keysetA, publishNeeds('sub-key'));
    await expect(authorize(context, genuine, keysetB, publishNeeds('sub-key'))).rejects.toMatchObject({ status: 403 });
  });

  it('grants nothing to a request whose route names no keyset, or an unknown one', async () => {
    const context = twoKeysets();
    for (const params of [{}, { '*': 'sub-key/sub-b' }, { subKey: 'sub-unknown' }] as Record<string, string>[]) {
      const request = signedRequest(params, '/v2/nothing/sub-key/sub-b', keysetB);
      await verifyRequestSignature(context, request);
      expect(isSignedRequest(request, keysetA) || isSignedRequest(request, keysetB)).toBe(false);
    }
  });

  it('finds the keyset in the route parameters only', () => {
    const keysets = new Keysets([keysetA, keysetB]);
    const route = (params: unknown) => routeKeyset(keysets, { params } as FastifyRequest);
    expect(route({ subKey: 'sub-b' })).toBe(keysetB);
    expect(route({ subKey: 'sub-c' })).toBeUndefined();
    expect(route({ '*': 'sub-key/sub-b' })).toBeUndefined();
    expect(route(undefined)).toBeUndefined();
  });
});

describe('tokens', () => {
  it('from one keyset never authorize on another, even once verified and cached', async () => {
    const context = twoKeysets();
    const fromB = mintToken(parseGrantRequest({ ttl: 10, permissions: { resources: { channels: { c: 3 } } } }, nowSeconds), 'sec-b');
    const request = requestWith({ auth: fromB, uuid: 'u' });
    await authorize(context, request, keysetB, publishNeeds('c'));
    await expect(authorize(context, request, keysetA, publishNeeds('c'))).rejects.toMatchObject({ status: 403, message: 'Invalid token' });
  });
});
