import { describe, expect, it } from 'vitest';
import { AccessChecker, need, publishNeeds, setStateNeeds, VerifiedTokens, type Credentials } from './authorize.ts';
import { parseGrantRequest } from './grant-request.ts';
import { keysetFrom, type Keyset } from '../model/keyset.ts';
import { MemoryRevocations } from './revocations.ts';
import { signatureV2, sortedQuery, type SignedParts } from './signature.ts';
import { mintToken, readToken, tokenExpiresAt } from './token.ts';

const keyset = keysetFrom({ publishKey: 'pub', subscribeKey: 'sub', secretKey: 'sec', accessManager: true, disallowGetAllUuids: true });
const nowSeconds = Math.floor(Date.now() / 1000);

/** One node's checker, and the revocations it consults. */
function setup() {
  const revocations = new MemoryRevocations();
  return { access: new AccessChecker(revocations), revocations };
}

/** What an unsigned request shows: its `auth` and `uuid` parameters. */
const requestWith = ({ auth, uuid }: { auth?: string; uuid?: string }): Credentials => ({ auth, uuid, signedFor: undefined });

const token = (body: object, timestamp = nowSeconds) => mintToken(parseGrantRequest(body, timestamp), 'sec');
const readGrant = { ttl: 10, permissions: { resources: { uuids: { alice: 32 } }, uuid: 'alice' } };

describe('authorize', () => {
  it('lets a token do what it grants and names what is missing', async () => {
    const context = setup();
    const request = requestWith({ auth: token(readGrant), uuid: 'alice' });
    await context.access.authorize(request, keyset, [need('get', 'uuid', 'alice')]);
    await expect(context.access.authorize(request, keyset, [need('update', 'uuid', 'alice'), need('get', 'channel', 'c')])).rejects.toMatchObject({
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
    await expect(setup().access.authorize(requestWith({ auth: expired, uuid: 'alice' }), keyset, [need('get', 'uuid', 'alice')])).rejects.toMatchObject({
      status: 403,
      message: 'Token is expired',
    });
    const almost = token(readGrant, nowSeconds - 9 * 60);
    await setup().access.authorize(requestWith({ auth: almost, uuid: 'alice' }), keyset, [need('get', 'uuid', 'alice')]);
  });

  it('refuses a revoked token, and one used by another uuid', async () => {
    const context = setup();
    const text = token(readGrant);
    await expect(context.access.authorize(requestWith({ auth: text, uuid: 'mallory' }), keyset, [])).rejects.toMatchObject({ status: 403 });
    const reading = readToken(text, 'sec');
    if (!reading.ok) throw new Error('unreadable');
    await context.revocations.revoke('sub', reading.token.signature, tokenExpiresAt(reading.token));
    await expect(context.access.authorize(requestWith({ auth: text, uuid: 'alice' }), keyset, [need('get', 'uuid', 'alice')])).rejects.toMatchObject({
      message: 'Token is revoked',
    });
  });

  it('waives update on the uuid for its authorized uuid only', async () => {
    const context = setup();
    const auth = token({ ttl: 10, permissions: { resources: { channels: { c: 128 } }, uuid: 'alice' } });
    const needs = (uuid: string) => [need('join', 'channel', 'c'), need('update', 'uuid', uuid, { waivedForAuthorizedUuid: true })];
    await context.access.authorize(requestWith({ auth, uuid: 'alice' }), keyset, needs('alice'));
    await expect(context.access.authorize(requestWith({ auth, uuid: 'alice' }), keyset, needs('bob'))).rejects.toMatchObject({ status: 403 });
  });

  it('lets a token bound to one uuid set presence state of that uuid only, unless it grants update on the other', async () => {
    const context = setup();
    const bound = token({ ttl: 10, permissions: { resources: { channels: { c: 1 } }, uuid: 'alice' } });
    await context.access.authorize(requestWith({ auth: bound, uuid: 'alice' }), keyset, setStateNeeds('alice', ['c']));
    await expect(context.access.authorize(requestWith({ auth: bound, uuid: 'alice' }), keyset, setStateNeeds('bob', ['c']))).rejects.toMatchObject({
      status: 403,
      payload: { uuids: ['bob'] },
    });
    const keeper = token({ ttl: 10, permissions: { resources: { channels: { c: 1 }, uuids: { bob: 64 } }, uuid: 'alice' } });
    await context.access.authorize(requestWith({ auth: keeper, uuid: 'alice' }), keyset, setStateNeeds('bob', ['c']));
    const unbound = token({ ttl: 10, permissions: { resources: { channels: { c: 1 } } } });
    await context.access.authorize(requestWith({ auth: unbound, uuid: 'carl' }), keyset, setStateNeeds('bob', ['c']));
    // Without a token the refusal names the channel only: no uuid binding is in question.
    await expect(context.access.authorize(requestWith({ uuid: 'alice' }), keyset, setStateNeeds('bob', ['c']))).rejects.toMatchObject({
      payload: { channels: ['c'] },
    });
  });

  it('refuses requests without a token when anything is needed; listing follows the keyset', async () => {
    const context = setup();
    await expect(context.access.authorize(requestWith({}), keyset, [need('get', 'channel', 'c')])).rejects.toMatchObject({ status: 403 });
    await expect(context.access.authorizeListing(requestWith({}), keyset, 'uuid')).rejects.toMatchObject({ status: 403 });
    await context.access.authorizeListing(requestWith({}), keyset, 'channel');
    await context.access.authorize(requestWith({}), keysetFrom({ publishKey: 'p', subscribeKey: 's' }), [need('get', 'channel', 'c')]);
  });
});

/** Two locked-down keysets on one node; whoever holds B's secret must get nothing on A. */
const keysetA = keysetFrom({ publishKey: 'pub-a', subscribeKey: 'sub-a', secretKey: 'sec-a', accessManager: true });
const keysetB = keysetFrom({ publishKey: 'pub-b', subscribeKey: 'sub-b', secretKey: 'sec-b', accessManager: true });

/** A GET as the signature check sees it, split from its URL, signed with `signer`'s secret. */
function signedParts(path: string, signer: Keyset, timestamp = nowSeconds): SignedParts {
  const query: [string, string][] = [
    ['uuid', 'u'],
    ['timestamp', String(timestamp)],
  ];
  const keys = { publishKey: signer.publishKey, subscribeKey: signer.subscribeKey, secretKey: signer.secretKey! };
  const signature = signatureV2(keys, 'GET', path, sortedQuery(query), '');
  return { method: 'GET', rawPath: path, query: [...query, ['signature', signature]], body: '' };
}

describe('verifySignature', () => {
  const forged = '/publish/pub-a/sub-a/0/sub-key/sub-b/%22x%22';

  it('checks with the secret of the keyset it is given, whatever the path holds', async () => {
    const { access } = setup();
    expect(() => access.verifySignature(keysetA, signedParts(forged, keysetB))).toThrow(
      expect.objectContaining({ status: 403, message: 'Signature does not match' }),
    );
    expect(access.verifySignature(keysetA, signedParts(forged, keysetA))).toBe(true);
  });

  it('refuses a stale timestamp, and passes over unsigned requests and keysets without a secret key', () => {
    const { access } = setup();
    expect(() => access.verifySignature(keysetA, signedParts(forged, keysetA, nowSeconds - 61))).toThrow(
      expect.objectContaining({ status: 403, message: 'Request timestamp is not valid' }),
    );
    expect(access.verifySignature(keysetA, { method: 'GET', rawPath: forged, query: [['uuid', 'u']], body: '' })).toBe(false);
    expect(access.verifySignature(keysetFrom({ publishKey: 'p', subscribeKey: 's' }), signedParts(forged, keysetA))).toBe(false);
  });

  it('a signed request has full access to its own keyset and to no other', async () => {
    const { access } = setup();
    const signedForA: Credentials = { auth: undefined, uuid: 'u', signedFor: keysetA.subscribeKey };
    await access.authorize(signedForA, keysetA, publishNeeds('sub-key'));
    await access.authorizeListing(signedForA, keysetFrom({ ...keysetA, disallowGetAllUuids: true }), 'uuid');
    await expect(access.authorize(signedForA, keysetB, publishNeeds('sub-key'))).rejects.toMatchObject({ status: 403 });
  });
});

describe('tokens', () => {
  it('from one keyset never authorize on another, even once verified and cached', async () => {
    const context = setup();
    const fromB = mintToken(parseGrantRequest({ ttl: 10, permissions: { resources: { channels: { c: 3 } } } }, nowSeconds), 'sec-b');
    const request = requestWith({ auth: fromB, uuid: 'u' });
    await context.access.authorize(request, keysetB, publishNeeds('c'));
    await expect(context.access.authorize(request, keysetA, publishNeeds('c'))).rejects.toMatchObject({ status: 403, message: 'Invalid token' });
  });

  it('are remembered per secret key: a keyset with the same subscribe key but another secret verifies afresh', async () => {
    const { access } = setup();
    const granted = requestWith({ auth: token({ ttl: 10, permissions: { resources: { channels: { c: 3 } } } }), uuid: 'u' });
    await access.authorize(granted, keyset, publishNeeds('c'));
    const rekeyed = keysetFrom({ ...keyset, secretKey: 'another secret' });
    await expect(access.authorize(granted, rekeyed, publishNeeds('c'))).rejects.toMatchObject({ status: 403, message: 'Invalid token' });
  });
});

describe('VerifiedTokens', () => {
  /** A token long enough to have both base64 alphabets' special characters, and padding. */
  const withSpecials = (): string => {
    for (let n = 0; ; n++) {
      const text = token({ ttl: 10, permissions: { resources: { channels: { [`room-${n}`]: 3 } } } });
      if (text.includes('-') && text.includes('_') && text.endsWith('=')) return text;
    }
  };
  const spellings = (text: string) => [text, text.replace(/-/g, '+').replace(/_/g, '/'), text.replace(/=+$/, ''), text.replace(/-/g, '+').replace(/=+$/, '')];

  it('verifies the spellings of one token (either base64 alphabet, padding or not) once, and keeps one entry', () => {
    const tokens = new VerifiedTokens();
    const text = withSpecials();
    const variants = spellings(text);
    expect(new Set(variants).size).toBe(4);
    expect(tokens.read(text, 'sec')).toBeDefined();
    // Read with a wrong secret: only an answer from the cache can succeed, so none was verified again.
    for (const variant of variants) expect(tokens.read(variant, 'not the secret')?.signature).toEqual(tokens.read(text, 'sec')!.signature);
    expect(tokens.size).toEqual({ tokens: 1, chars: text.length });
  });

  it('never answers from the cache for a spelling readToken refuses', () => {
    const tokens = new VerifiedTokens();
    const text = withSpecials();
    tokens.read(text, 'sec');
    expect(tokens.read(`${text.replace(/=+$/, '')}===`, 'sec')).toBeUndefined();
    expect(tokens.read(`${text}x`, 'sec')).toBeUndefined();
  });

  it('holds at most its count and its characters of tokens, dropping the oldest first', () => {
    const texts = [0, 1, 2, 3].map((n) => token({ ttl: 10, permissions: { resources: { channels: { [`c-${n}`]: 3 } } } }));
    const longest = Math.max(...texts.map((text) => text.length));
    const byChars = new VerifiedTokens(100, 2 * longest);
    for (const text of texts) byChars.read(text, 'sec');
    expect(byChars.size.tokens).toBe(2);
    expect(byChars.size.chars).toBeLessThanOrEqual(2 * longest);
    expect(byChars.read(texts[0]!, 'not the secret')).toBeUndefined(); // dropped: verified afresh, and refused
    expect(byChars.read(texts[3]!, 'not the secret')).toBeDefined();
    const byCount = new VerifiedTokens(3);
    for (const text of texts) byCount.read(text, 'sec');
    expect(byCount.size.tokens).toBe(3);
    const huge = new VerifiedTokens(100, 10);
    expect(huge.read(texts[0]!, 'sec')).toBeDefined(); // a token bigger than the whole budget is verified, not kept
    expect(huge.size).toEqual({ tokens: 0, chars: 0 });
  });
});
