import fc from 'fast-check';
import PubNub from 'pubnub';
import { describe, expect, it } from 'vitest';
import { parseGrantRequest } from './grant-request.ts';
import { grantedBits, hasPermission } from './permissions.ts';
import { decodeToken, mintToken, readToken } from './token.ts';

const SECRET = 'sec-c-secret';
/** A real token from PubNub (cassette pam/grant_token_with_uuid_and_channels.json). */
const PUBNUB_TOKEN =
  'qEF2AkF0GmertwtDdHRsGDxDcmVzpURjaGFuoW9zb21lX2NoYW5uZWxfaWQY70NncnChbXNvbWVfZ3JvdXBfaWQFQ3NwY6Fvc29tZV9jaGFubmVsX2lkGO9DdXNyoWlzb21lX3V1aWQYaER1dWlkoWlzb21lX3V1aWQYaENwYXSlRGNoYW6hZnNvbWVfKgdDZ3JwoWZzb21lXyoBQ3NwY6Fmc29tZV8qB0N1c3KhZnNvbWVfKhggRHV1aWShZnNvbWVfKhggRG1ldGGgRHV1aWRpc29tZV91dWlkQ3NpZ1ggwfN_9UgB2U0sIBUVoaSihuFQ_BDnHJsmek0AuKQYhfs=';
/** The grant body that produced it. */
const PUBNUB_GRANT = {
  ttl: 60,
  permissions: {
    resources: {
      channels: { some_channel_id: 239 },
      groups: { some_group_id: 5 },
      uuids: { some_uuid: 104 },
      users: { some_uuid: 104 },
      spaces: { some_channel_id: 239 },
    },
    patterns: { channels: { 'some_*': 7 }, groups: { 'some_*': 1 }, uuids: { 'some_*': 32 }, users: { 'some_*': 32 }, spaces: { 'some_*': 7 } },
    meta: {},
    uuid: 'some_uuid',
  },
};

/** The protocol package's known-answer vector (packages/protocol/src/token.test.ts), from a grant body. */
const VECTOR_TOKEN =
  'qEF2AkF0GmVT8QBDdHRsGDxDcmVzpURjaGFuoWVsb2JieRigQ2dycKBDc3BjoEN1c3KgRHV1aWShZWFsaWNlGGBDcGF0pURjaGFuoWt0ZWFtLVthLXpdKwFDZ3JwoENzcGOgQ3VzcqBEdXVpZKBEbWV0YaFkcGxhbmRnb2xkRHV1aWRlYWxpY2VDc2lnWCCoxnLU1VHR0ggdRFsTiqXpnQ3TGKrZdAll9zr5RgYOhg==';
const VECTOR_GRANT = {
  ttl: 60,
  permissions: {
    resources: { channels: { lobby: 160 }, uuids: { alice: 96 } },
    patterns: { channels: { 'team-[a-z]+': 1 } },
    meta: { plan: 'gold' },
    uuid: 'alice',
  },
};

describe('Access Manager tokens', () => {
  it('are minted as the protocol’s known-answer vector says, and read back', () => {
    const token = mintToken(parseGrantRequest(VECTOR_GRANT, 1_700_000_000), 'sec-c-protocol-vector');
    expect(token).toBe(VECTOR_TOKEN);
    expect(readToken(VECTOR_TOKEN, 'sec-c-protocol-vector')).toMatchObject({ ok: true, token: { timestamp: 1_700_000_000, authorizedUuid: 'alice' } });
  });

  it('are laid out byte for byte as PubNub mints them, up to the signature', () => {
    const pubnub = Buffer.from(PUBNUB_TOKEN.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    const grant = parseGrantRequest(PUBNUB_GRANT, decodeToken(PUBNUB_TOKEN)!.timestamp);
    const ours = Buffer.from(mintToken(grant, SECRET).replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    expect(ours.length).toBe(pubnub.length);
    expect(ours.subarray(0, -32).equals(pubnub.subarray(0, -32))).toBe(true);
  });

  it('are read by the official SDK: pubnub.parseToken', () => {
    const grant = parseGrantRequest({ ...PUBNUB_GRANT, permissions: { ...PUBNUB_GRANT.permissions, meta: { plan: 'gold', n: 3 } } }, 1_700_000_000);
    const token = mintToken(grant, SECRET);
    expect(token.endsWith('=') || token.length % 4 === 0).toBe(true);
    const sdk = new PubNub({ subscribeKey: 'sub-c-test', userId: 'u', logVerbosity: false });
    const parsed = sdk.parseToken(token);
    sdk.destroy();
    expect(parsed).toMatchObject({
      version: 2,
      timestamp: 1_700_000_000,
      ttl: 60,
      authorized_uuid: 'some_uuid',
      meta: { plan: 'gold', n: 3 },
      resources: {
        uuids: { some_uuid: { get: true, update: true, delete: true, read: false, join: false } },
        channels: { some_channel_id: { read: true, write: true, manage: true, delete: true, get: true, update: true, join: true } },
        groups: { some_group_id: { read: true, manage: true, write: false } },
      },
      patterns: { channels: { 'some_*': { read: true, write: true, manage: true, get: false } } },
    });
  });

  it('verify only with the secret that signed them, padded or not', () => {
    const token = mintToken(parseGrantRequest(PUBNUB_GRANT, 1_700_000_000), SECRET);
    expect(readToken(token, SECRET).ok).toBe(true);
    expect(readToken(token.replace(/=+$/, ''), SECRET).ok).toBe(true);
    expect(readToken(token, 'other')).toEqual({ ok: false, reason: 'signature' });
    expect(readToken(PUBNUB_TOKEN, SECRET).ok).toBe(false);
  });

  it('reject every single-character mutation', () => {
    const token = mintToken(parseGrantRequest({ ttl: 5, permissions: { resources: { uuids: { u: 32 } } } }, 1_700_000_000), SECRET);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...alphabet), (index, char) => {
        const mutated = token.slice(0, index) + char + token.slice(index + 1);
        fc.pre(mutated.replace(/=+$/, '') !== token.replace(/=+$/, ''));
        // Even a change in base64's unused trailing bits (same bytes) is refused: only the canonical text passes.
        expect(readToken(mutated, SECRET).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('never throw on random input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.base64String(),
          fc.uint8Array().map((bytes) => Buffer.from(bytes).toString('base64url')),
        ),
        (text) => {
          expect(readToken(text, SECRET).ok).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('grant requests', () => {
  it('refuse a ttl outside 1..43200 minutes with PubNub’s details', () => {
    for (const ttl of [0, 43_201, 1.5, '60', undefined]) {
      expect(() => parseGrantRequest({ ttl, permissions: {} }, 0)).toThrow(
        expect.objectContaining({
          status: 400,
          message: 'Invalid ttl',
          details: [{ message: 'Range should be 1 to 43200 minute(s).', location: 'ttl', locationType: 'body' }],
        }),
      );
    }
    expect(parseGrantRequest({ ttl: 43_200, permissions: {} }, 0).ttl).toBe(43_200);
  });

  it('refuse bad bitmasks, invalid regexes and non-scalar meta', () => {
    expect(() => parseGrantRequest({ ttl: 1, permissions: { resources: { uuids: { u: 256 } } } }, 0)).toThrow(/invalid input/);
    expect(() => parseGrantRequest({ ttl: 1, permissions: { patterns: { channels: { '(': 1 } } } }, 0)).toThrow(/invalid input/);
    expect(() => parseGrantRequest({ ttl: 1, permissions: { meta: { a: { b: 1 } } } }, 0)).toThrow(/invalid input/);
  });

  it('refuse resource types they do not know, inherited names included', () => {
    for (const section of ['spacez', 'constructor', 'toString', '__proto__']) {
      const resources = JSON.parse(`{"${section}": {"a": 1}}`) as unknown;
      expect(() => parseGrantRequest({ ttl: 1, permissions: { resources } }, 0), section).toThrow(
        expect.objectContaining({ details: [expect.objectContaining({ location: `permissions.resources.${section}` })] }),
      );
    }
  });
});

describe('permission lookup', () => {
  const grant = parseGrantRequest(
    {
      ttl: 1,
      permissions: {
        resources: { channels: { exact: 1 }, users: { legacy: 32 } },
        patterns: { channels: { 'room-[0-9]+': 128, 'ex.*': 4 }, uuids: { '^user-[a-z]+$': 96 } },
      },
    },
    0,
  );
  const bits = (kind: 'uuid' | 'channel' | 'group', name: string) => grantedBits(grant.resources, grant.patterns, kind, name);

  it('prefers exact entries over patterns', () => {
    expect(bits('channel', 'exact')).toBe(1);
    expect(bits('channel', 'extra')).toBe(4);
  });

  it('matches patterns against the whole name', () => {
    expect(hasPermission(bits('channel', 'room-12'), 'join')).toBe(true);
    expect(bits('channel', 'xroom-12')).toBe(0);
    expect(bits('channel', 'room-12x')).toBe(0);
    expect(hasPermission(bits('uuid', 'user-bob'), 'update')).toBe(true);
    expect(bits('uuid', 'user-bob2')).toBe(0);
  });

  it('reads the legacy users and spaces aliases', () => {
    expect(hasPermission(bits('uuid', 'legacy'), 'get')).toBe(true);
    expect(bits('group', 'exact')).toBe(0);
  });
});
