/**
 * Access Manager v3 tokens (wire-protocol.md §10.3): a CBOR map with byte-string keys
 * `v t ttl res pat meta [uuid] sig`, written as URL-safe base64 with its padding. This module
 * lays tokens out and reads them back; signing and verifying them (HMAC-SHA256 of
 * {@link tokenSigningBytes} with the keyset's secret key) is the server's job.
 */
import { fromBase64, toBase64Url } from './base64.ts';
import { ByteKeyedMap, decodeCbor, encodeCbor, type CborValue } from './cbor.ts';
import { emptyPermissionTable, TOKEN_RESOURCE_KEYS, type PermissionTable } from './permissions.ts';

/** A `meta` value: grants carry scalars only. */
export type MetaValue = string | number | boolean | null;

/** What a token grants. */
export interface TokenGrant {
  /** Unix seconds at grant time. */
  timestamp: number;
  /** Minutes the token lasts from `timestamp`. */
  ttl: number;
  resources: PermissionTable;
  patterns: PermissionTable;
  meta: ReadonlyMap<string, MetaValue>;
  /** The only uuid the token may be used by, when set. */
  authorizedUuid?: string | undefined;
}

/** A token as read: its grant and its signature. */
export interface Token extends TokenGrant {
  /** The 32-byte HMAC; it also identifies the token for revocation. */
  signature: Uint8Array;
}

/** The `v` every token carries. */
export const TOKEN_VERSION = 2;
/** Longer than any URL a server accepts; anything bigger is not a token. */
const MAX_TOKEN_CHARS = 32 * 1024;
const TOKEN_CHARS = /^[A-Za-z0-9\-_+/]+={0,2}$/;

function table(permissions: PermissionTable): ByteKeyedMap {
  return new ByteKeyedMap(TOKEN_RESOURCE_KEYS.map((key) => [key, new Map(permissions[key])] as const));
}

/** The CBOR map entries without `sig`, in the order PubNub writes them. */
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

/** The bytes a token's signature covers: the CBOR map without `sig`. */
export function tokenSigningBytes(grant: TokenGrant): Uint8Array {
  return encodeCbor(new ByteKeyedMap(unsignedEntries(grant)));
}

/** The token text for `grant` signed with `signature`: URL-safe base64, padded (Python needs the `=`). */
export function encodeToken(grant: TokenGrant, signature: Uint8Array): string {
  const entries = unsignedEntries(grant);
  entries.push(['sig', signature]);
  return toBase64Url(encodeCbor(new ByteKeyedMap(entries)));
}

/**
 * `text` in the form {@link encodeToken} writes: URL-safe alphabet, padding restored. A token
 * is canonical when re-encoding what it decodes to gives this text back.
 */
export function canonicalTokenText(text: string): string {
  const safe = text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return safe + '='.repeat((4 - (safe.length % 4)) % 4);
}

/**
 * The token's fields, or undefined when `text` is not a well-formed v2 token (either base64
 * alphabet, padding optional). Nothing is verified: signature, expiry and revocation are the
 * server's checks. Never throws, whatever the input.
 */
export function decodeToken(text: string): Token | undefined {
  if (text.length > MAX_TOKEN_CHARS || !TOKEN_CHARS.test(text)) return undefined;
  const bytes = fromBase64(text);
  if (bytes === undefined) return undefined;
  let root: CborValue;
  try {
    root = decodeCbor(bytes);
  } catch {
    return undefined;
  }
  return isMap(root) ? tokenOf(root) : undefined;
}

function tokenOf(root: ReadonlyMap<string, CborValue>): Token | undefined {
  const timestamp = root.get('t');
  const ttl = root.get('ttl');
  const uuid = root.get('uuid');
  const sig = root.get('sig');
  const resources = permissionTable(root.get('res'));
  const patterns = permissionTable(root.get('pat'));
  const meta = metaMap(root.get('meta'));
  if (root.get('v') !== TOKEN_VERSION || !isCount(timestamp) || !isCount(ttl)) return undefined;
  if (uuid !== undefined && typeof uuid !== 'string') return undefined;
  if (!(sig instanceof Uint8Array) || !resources || !patterns || !meta) return undefined;
  return { timestamp, ttl, resources, patterns, meta, authorizedUuid: uuid, signature: sig };
}

const isMap = (value: CborValue | undefined): value is ReadonlyMap<string, CborValue> => value instanceof Map;

const isCount = (value: CborValue | undefined): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function permissionTable(value: CborValue | undefined): PermissionTable | undefined {
  if (!isMap(value)) return undefined;
  const result = emptyPermissionTable();
  for (const key of TOKEN_RESOURCE_KEYS) {
    const entries = value.get(key);
    if (entries === undefined) continue;
    if (!isMap(entries)) return undefined;
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
  if (!isMap(value)) return undefined;
  const meta = new Map<string, MetaValue>();
  for (const [key, item] of value) {
    if (item !== null && typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') return undefined;
    meta.set(key, item);
  }
  return meta;
}

/** Unix seconds at which the token stops being valid. */
export const tokenExpiresAt = (token: TokenGrant): number => token.timestamp + token.ttl * 60;
