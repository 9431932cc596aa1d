import { describe, expect, it } from 'vitest';
import { parseToken, permissionBits } from './token.ts';

/** The protocol package's known-answer vector (packages/protocol/src/token.test.ts), as a server grants it. */
const VECTOR_TOKEN =
  'qEF2AkF0GmVT8QBDdHRsGDxDcmVzpURjaGFuoWVsb2JieRigQ2dycKBDc3BjoEN1c3KgRHV1aWShZWFsaWNlGGBDcGF0pURjaGFuoWt0ZWFtLVthLXpdKwFDZ3JwoENzcGOgQ3VzcqBEdXVpZKBEbWV0YaFkcGxhbmRnb2xkRHV1aWRlYWxpY2VDc2lnWCCoxnLU1VHR0ggdRFsTiqXpnQ3TGKrZdAll9zr5RgYOhg==';

const off = { read: false, write: false, manage: false, delete: false, get: false, update: false, join: false };

describe('parseToken', () => {
  it('reads what a server granted: lifetime, uuid, resources, patterns and meta', () => {
    const token = parseToken(VECTOR_TOKEN);
    expect(token).toEqual({
      version: 2,
      timestamp: 1_700_000_000,
      ttl: 60,
      authorizedUuid: 'alice',
      resources: { uuids: { alice: { ...off, get: true, update: true } }, channels: { lobby: { ...off, get: true, join: true } } },
      patterns: { channels: { 'team-[a-z]+': { ...off, read: true } } },
      meta: { plan: 'gold' },
      signature: expect.any(Uint8Array),
    });
    expect(token.signature.length).toBe(32);
  });

  it('reads tokens with or without their padding', () => {
    expect(parseToken(VECTOR_TOKEN.replace(/=+$/, ''))).toEqual(parseToken(VECTOR_TOKEN));
  });

  it('refuses text that is not a token, saying so', () => {
    for (const text of ['', 'hello world', VECTOR_TOKEN.slice(0, 40), 'oA==']) {
      expect(() => parseToken(text), text).toThrow('Not an Access Manager token');
    }
  });
});

describe('permissionBits', () => {
  it('writes Access Manager’s bits, which parseToken reads back', () => {
    expect(permissionBits({ read: true, join: true })).toBe(129);
    expect(permissionBits({ get: true, update: true, delete: true })).toBe(104);
    expect(permissionBits({})).toBe(0);
  });
});
