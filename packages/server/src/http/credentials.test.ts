import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { AccessChecker, publishNeeds } from '../auth/authorize.ts';
import { keysetFrom, Keysets, type Keyset } from '../model/keyset.ts';
import { MemoryRevocations } from '../auth/revocations.ts';
import { signatureV2, sortedQuery } from '../auth/signature.ts';
import { authorize, credentialsOf, isSignedRequest, routeKeyset, verifyRequestSignature } from './credentials.ts';
import { parseQueryString, rawQueryOf } from './url.ts';

const nowSeconds = Math.floor(Date.now() / 1000);

/** Two locked-down keysets on one node; whoever holds B's secret must get nothing on A. */
const keysetA = keysetFrom({ publishKey: 'pub-a', subscribeKey: 'sub-a', secretKey: 'sec-a', accessManager: true });
const keysetB = keysetFrom({ publishKey: 'pub-b', subscribeKey: 'sub-b', secretKey: 'sec-b', accessManager: true });
const twoKeysets = () => ({ keysets: new Keysets([keysetA, keysetB]), access: new AccessChecker(new MemoryRevocations()) });

/** A request as the auth step sees it: route parameters, the URL as sent and its parsed query, no body. */
function requestTo(params: Record<string, string>, url: string): FastifyRequest {
  return { params, method: 'GET', url, raw: { url }, query: parseQueryString(rawQueryOf(url)), rawBody: '', signedFor: null } as unknown as FastifyRequest;
}

/** A GET of `path` signed with `signer`'s secret, routed with `params`. */
function signedRequest(params: Record<string, string>, path: string, signer: Keyset): FastifyRequest {
  const query: [string, string][] = [
    ['uuid', 'u'],
    ['timestamp', String(nowSeconds)],
  ];
  const keys = { publishKey: signer.publishKey, subscribeKey: signer.subscribeKey, secretKey: signer.secretKey! };
  const signature = signatureV2(keys, 'GET', path, sortedQuery(query), '');
  return requestTo(params, `${path}?uuid=u&timestamp=${nowSeconds}&signature=${signature}`);
}

describe('verifyRequestSignature', () => {
  const forged = '/publish/pub-a/sub-a/0/sub-key/sub-b/%22x%22';

  it('checks the signature with the secret of the keyset the route names, whatever the path holds', async () => {
    const context = twoKeysets();
    expect(() => verifyRequestSignature(context, signedRequest({ subKey: 'sub-a' }, forged, keysetB))).toThrow(
      expect.objectContaining({ status: 403, message: 'Signature does not match' }),
    );
    const genuine = signedRequest({ subKey: 'sub-a' }, forged, keysetA);
    verifyRequestSignature(context, genuine);
    expect(isSignedRequest(genuine, keysetA)).toBe(true);
    expect(isSignedRequest(genuine, keysetB)).toBe(false);
    await authorize(context, genuine, keysetA, publishNeeds('sub-key'));
    await expect(authorize(context, genuine, keysetB, publishNeeds('sub-key'))).rejects.toMatchObject({ status: 403 });
  });

  it('grants nothing to a request whose route names no keyset, or an unknown one', () => {
    const context = twoKeysets();
    for (const params of [{}, { '*': 'sub-key/sub-b' }, { subKey: 'sub-unknown' }] as Record<string, string>[]) {
      const request = signedRequest(params, '/v2/nothing/sub-key/sub-b', keysetB);
      verifyRequestSignature(context, request);
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

describe('credentialsOf', () => {
  it('reads the last auth and uuid, and the keyset whose secret verified the signature', () => {
    const context = twoKeysets();
    expect(credentialsOf(requestTo({}, '/x?auth=t1&auth=t2&uuid=a%20b'))).toEqual({ auth: 't2', uuid: 'a b', signedFor: undefined });
    const signed = signedRequest({ subKey: 'sub-b' }, '/v2/objects/sub-b/uuids', keysetB);
    verifyRequestSignature(context, signed);
    expect(credentialsOf(signed)).toEqual({ auth: undefined, uuid: 'u', signedFor: 'sub-b' });
  });
});
