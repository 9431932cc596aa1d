import { createHmac, timingSafeEqual } from 'node:crypto';
import { ByteKeyedMap, decodeCbor, encodeCbor, type CborValue } from './cbor.ts';
import { emptyPermissionTable, TOKEN_RESOURCE_KEYS, type PermissionTable } from './permissions.ts';

export type MetaValue = string | number | boolean | null;

/** What a token grants (wire-protocol.md §10.3). */
export interface TokenGrant {
  /** Unix seconds at grant time. */
  timestamp: number;
  /** Minutes. */
  ttl: number;
  resources: PermissionTable;
  patterns: PermissionTable;
  meta: ReadonlyMap<string, MetaValue>;
  authorizedUuid?: string | undefined;
}

export interface Token extends TokenGrant {
  /** The 32-byte HMAC; it also identifies the token for revocation. */
  signature: Buffer;
}

export type TokenReading = { ok: true; token: Token } | { ok: false; reason: 'malformed' | 'signature' };

const TOKEN_VERSION = 2;
/** Longer than any URL we accept; anything bigger is not one of ours. */
const MAX_TOKEN_CHARS = 32 * 1024;
const TOKEN_CHARS = /^[A-Za-z0-9\-_+/]+={0,2}$/;

function table(permissions: PermissionTable): ByteKeyedMap {
  return new ByteKeyedMap(TOKEN_RESOURCE_KEYS.map((key) => [key, new Map(permissions[key])] as const));
}

/** The CBOR map without `sig`: the bytes the signature covers. */
function unsignedEntries(grant: TokenGrant): [string, CborValue][] {
  const entries: [string, CborValue][] = [
    ['v', TOKEN_VERSION],
    ['t', grant.timestamp],
    ['ttl', grant.ttl],
    ['res', table(grant.resources)],
    ['pat', table(grant.patterns)],
    ['meta', new Map(grant.meta)],
  ];
  if (grant.authorizedUuid !== undefined) entries.push(['uuid', grant.authorizedUuid]);
  return entries;
}

function sign(grant: TokenGrant, secretKey: string): Buffer {
  return createHmac('sha256', secretKey).update(encodeCbor(new ByteKeyedMap(unsignedEntries(grant)))).digest();
}

/** Base64 with `+`→`-` and `/`→`_`, keeping the `=` padding Python needs. */
const toWire = (bytes: Buffer) => bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');

export function mintToken(grant: TokenGrant, secretKey: string): string {
  const entries = unsignedEntries(grant);
  entries.push(['sig', new Uint8Array(sign(grant, secretKey))]);
  return toWire(encodeCbor(new ByteKeyedMap(entries)));
}

/** The token as we mint it: URL-safe alphabet with its padding. */
function wireForm(text: string): string {
  const safe = text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return safe + '='.repeat((4 - (safe.length % 4)) % 4);
}

/** Decodes a token and checks its signature; expiry and revocation are the caller's checks. */
export function readToken(text: string, secretKey: string): TokenReading {
  const token = decodeToken(text);
  if (token === undefined) return { ok: false, reason: 'malformed' };
  const expected = sign(token, secretKey);
  if (token.signature.length !== expected.length || !timingSafeEqual(token.signature, expected)) {
    return { ok: false, reason: 'signature' };
  }
  // Only the canonical encoding is accepted, so no two strings carry the same grant.
  if (mintToken(token, secretKey) !== wireForm(text)) return { ok: false, reason: 'malformed' };
  return { ok: true, token };
}

/** The token's fields, or undefined when it is not a well-formed v2 token. */
export function decodeToken(text: string): Token | undefined {
  if (text.length > MAX_TOKEN_CHARS || !TOKEN_CHARS.test(text)) return undefined;
  let root: CborValue;
  try {
    root = decodeCbor(Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
  } catch {
    return undefined;
  }
  if (!(root instanceof Map)) return undefined;
  const version = root.get('v');
  const timestamp = root.get('t');
  const ttl = root.get('ttl');
  const uuid = root.get('uuid');
  const sig = root.get('sig');
  const resources = permissionTable(root.get('res'));
  const patterns = permissionTable(root.get('pat'));
  const meta = metaMap(root.get('meta'));
  if (version !== TOKEN_VERSION || !isCount(timestamp) || !isCount(ttl)) return undefined;
  if (uuid !== undefined && typeof uuid !== 'string') return undefined;
  if (!(sig instanceof Uint8Array) || !resources || !patterns || !meta) return undefined;
  return { timestamp, ttl, resources, patterns, meta, authorizedUuid: uuid, signature: Buffer.from(sig) };
}

const isCount = (value: CborValue | undefined): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function permissionTable(value: CborValue | undefined): PermissionTable | undefined {
  if (!(value instanceof Map)) return undefined;
  const result = emptyPermissionTable();
  for (const key of TOKEN_RESOURCE_KEYS) {
    const entries = value.get(key);
    if (entries === undefined) continue;
    if (!(entries instanceof Map)) return undefined;
    const map = new Map<string, number>();
    for (const [name, bits] of entries) {
      if (!isCount(bits)) return undefined;
      map.set(name, bits);
    }
    result[key] = map;
  }
  return result;
}

function metaMap(value: CborValue | undefined): Map<string, MetaValue> | undefined {
  if (!(value instanceof Map)) return undefined;
  const meta = new Map<string, MetaValue>();
  for (const [key, item] of value) {
    if (item !== null && typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') return undefined;
    meta.set(key, item);
  }
  return meta;
}

/** Seconds since the epoch at which the token stops being valid. */
export const tokenExpiresAt = (token: TokenGrant) => token.timestamp + token.ttl * 60;
