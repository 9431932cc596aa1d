import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyPermissionTable } from './permissions.ts';
import { canonicalTokenText, decodeToken, encodeToken, tokenExpiresAt, tokenSigningBytes, type TokenGrant } from './token.ts';

/** A real token from PubNub (cassette pam/grant_token_with_uuid_and_channels.json). */
const PUBNUB_TOKEN =
  'qEF2AkF0GmertwtDdHRsGDxDcmVzpURjaGFuoW9zb21lX2NoYW5uZWxfaWQY70NncnChbXNvbWVfZ3JvdXBfaWQFQ3NwY6Fvc29tZV9jaGFubmVsX2lkGO9DdXNyoWlzb21lX3V1aWQYaER1dWlkoWlzb21lX3V1aWQYaENwYXSlRGNoYW6hZnNvbWVfKgdDZ3JwoWZzb21lXyoBQ3NwY6Fmc29tZV8qB0N1c3KhZnNvbWVfKhggRHV1aWShZnNvbWVfKhggRG1ldGGgRHV1aWRpc29tZV91dWlkQ3NpZ1ggwfN_9UgB2U0sIBUVoaSihuFQ_BDnHJsmek0AuKQYhfs=';

/**
 * A known-answer vector: {@link VECTOR_GRANT} signed with {@link VECTOR_SECRET}, as the server
 * minted it before the token layout moved here. The server's and the SDK's token tests check
 * the same string.
 */
const VECTOR_SECRET = 'sec-c-protocol-vector';
const VECTOR_TOKEN =
  'qEF2AkF0GmVT8QBDdHRsGDxDcmVzpURjaGFuoWVsb2JieRigQ2dycKBDc3BjoEN1c3KgRHV1aWShZWFsaWNlGGBDcGF0pURjaGFuoWt0ZWFtLVthLXpdKwFDZ3JwoENzcGOgQ3VzcqBEdXVpZKBEbWV0YaFkcGxhbmRnb2xkRHV1aWRlYWxpY2VDc2lnWCCoxnLU1VHR0ggdRFsTiqXpnQ3TGKrZdAll9zr5RgYOhg==';
const VECTOR_GRANT: TokenGrant = {
  timestamp: 1_700_000_000,
  ttl: 60,
  resources: { ...emptyPermissionTable(), chan: new Map([['lobby', 160]]), uuid: new Map([['alice', 96]]) },
  patterns: { ...emptyPermissionTable(), chan: new Map([['team-[a-z]+', 1]]) },
  meta: new Map([['plan', 'gold']]),
  authorizedUuid: 'alice',
};

/** A token {@link encodeToken} wrote with the hand-written codec, before the switch to `cborg`. */
const PINNED_TOKEN =
  'p0F2AkF0GmhO4ftDdHRsGajAQ3Jlc6VEY2hhbqNuw7xuw69jb2RlLWNoYW4Y_2bvu79ib20DeB54eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHgBQ2dycKFhZwRDc3BjoWFzCEN1c3KhYXUQRHV1aWShYXoAQ3BhdKVEY2hhbqBDZ3JwoENzcGOgQ3VzcqBEdXVpZKFpXnVzZXItLiokGGBEbWV0YadhbiRhZvtABAAAAAAAAGF09WJub_Rjbmls9mNiaWcbAAABAAAAAABjc3RyZPCfmIBDc2lnWCAABw4VHCMqMTg_Rk1UW2JpcHd-hYyTmqGor7a9xMvS2Q==';

const hmac = (grant: TokenGrant, secret: string) => createHmac('sha256', secret).update(tokenSigningBytes(grant)).digest();

describe('Access Manager tokens', () => {
  it('are laid out as the known-answer vector says', () => {
    expect(encodeToken(VECTOR_GRANT, hmac(VECTOR_GRANT, VECTOR_SECRET))).toBe(VECTOR_TOKEN);
  });

  it('read back to the grant they carry', () => {
    const token = decodeToken(VECTOR_TOKEN)!;
    expect(token).toEqual({ ...VECTOR_GRANT, signature: new Uint8Array(hmac(VECTOR_GRANT, VECTOR_SECRET)) });
    expect(tokenExpiresAt(token)).toBe(1_700_003_600);
  });

  it('read PubNub’s own tokens, and write them back byte for byte', () => {
    const token = decodeToken(PUBNUB_TOKEN)!;
    expect(token).toMatchObject({ timestamp: 1_739_306_763, ttl: 60, authorizedUuid: 'some_uuid' });
    expect([...token.resources.chan]).toEqual([['some_channel_id', 239]]);
    expect([...token.patterns.usr]).toEqual([['some_*', 32]]);
    expect(token.signature.length).toBe(32);
    expect(encodeToken(token, token.signature)).toBe(PUBNUB_TOKEN);
  });

  it('keep the bytes the hand-written codec wrote before the CBOR library replaced it', () => {
    const signature = new Uint8Array(32).map((_, i) => i * 7);
    const grant: TokenGrant = {
      timestamp: 1_750_000_123,
      ttl: 43_200,
      resources: {
        chan: new Map([
          ['ünïcode-chan', 255],
          ['\uFEFFbom', 3],
          ['x'.repeat(30), 1],
        ]),
        grp: new Map([['g', 4]]),
        spc: new Map([['s', 8]]),
        usr: new Map([['u', 16]]),
        uuid: new Map([['z', 0]]),
      },
      patterns: { ...emptyPermissionTable(), uuid: new Map([['^user-.*$', 96]]) },
      meta: new Map<string, string | number | boolean | null>([
        ['n', -5],
        ['f', 2.5],
        ['t', true],
        ['no', false],
        ['nil', null],
        ['big', 2 ** 40],
        ['str', '😀'],
      ]),
    };
    const token = encodeToken(grant, signature);
    expect(token).toBe(PINNED_TOKEN);
    expect(decodeToken(token)).toEqual({ ...grant, authorizedUuid: undefined, signature });
    // A 70,000-byte uuid needs a 4-byte length head; too long to read back as a token.
    const long = encodeToken({ ...grant, authorizedUuid: 'u'.repeat(70_000), meta: new Map() }, signature);
    expect(createHash('sha256').update(long).digest('hex')).toBe('219801905b95601106f337590561be08badced963e3e967b4614dafc4ec989ae');
  });

  it('read with or without padding, in either base64 alphabet', () => {
    const unpadded = VECTOR_TOKEN.replace(/=+$/, '');
    const standard = VECTOR_TOKEN.replace(/-/g, '+').replace(/_/g, '/');
    expect(decodeToken(unpadded)).toEqual(decodeToken(VECTOR_TOKEN));
    expect(decodeToken(standard)).toEqual(decodeToken(VECTOR_TOKEN));
    expect(canonicalTokenText(unpadded)).toBe(VECTOR_TOKEN);
    expect(canonicalTokenText(standard)).toBe(VECTOR_TOKEN);
  });

  it('are not read when they are not well-formed v2 tokens', () => {
    const bytes = Buffer.from(VECTOR_TOKEN, 'base64url');
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0xa8, 0x41, 0x76, 0x02])); // {h'76' ("v"): 2, ...
    const version3 = Buffer.from(bytes);
    version3[3] = 0x03;
    expect(decodeToken(version3.toString('base64url'))).toBeUndefined();
    for (const text of ['', 'not a token', `${VECTOR_TOKEN}A`, VECTOR_TOKEN.slice(0, -8), `${VECTOR_TOKEN}===`, 'A'.repeat(40_000)]) {
      expect(decodeToken(text), text.slice(0, 20)).toBeUndefined();
    }
  });

  it('never throw on random input', () => {
    const text = fc.oneof(
      fc.string(),
      fc.base64String(),
      fc.uint8Array().map((bytes) => Buffer.from(bytes).toString('base64url')),
    );
    fc.assert(
      fc.property(text, (value) => {
        expect(() => decodeToken(value)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});
