import { decodeToken, PERMISSION_BITS, TOKEN_VERSION, type PermissionTable, type TokenResourceKey } from '@roster/protocol';

/** What a token or grant allows on one resource. */
export interface PNPermissions {
  read?: boolean;
  write?: boolean;
  manage?: boolean;
  delete?: boolean;
  get?: boolean;
  update?: boolean;
  join?: boolean;
}

/** Resources a grant names, by kind: names (or, under `patterns`, regular expressions) → permissions. */
export interface PNTokenResources {
  uuids?: Record<string, PNPermissions>;
  channels?: Record<string, PNPermissions>;
  groups?: Record<string, PNPermissions>;
}

/** A token's contents, as `parseToken` reads them (nothing is verified: that is the server's job). */
export interface PNToken {
  version: number;
  /** Unix seconds when it was granted. */
  timestamp: number;
  /** Minutes it lasts from `timestamp`. */
  ttl: number;
  authorizedUuid?: string;
  resources: PNTokenResources;
  patterns: PNTokenResources;
  meta: Record<string, unknown>;
  signature: Uint8Array;
}

/** The permissions the SDK grants and reports, as the official SDKs do (`create` is not one). */
const PERMISSIONS = ['read', 'write', 'manage', 'delete', 'get', 'update', 'join'] as const satisfies readonly (keyof PNPermissions)[];

/** The bitmask a grant sends for `permissions`. */
export function permissionBits(permissions: PNPermissions): number {
  return PERMISSIONS.reduce((bits, name) => (permissions[name] ? bits | PERMISSION_BITS[name] : bits), 0);
}

function permissionsOf(bits: number): PNPermissions {
  return Object.fromEntries(PERMISSIONS.map((name) => [name, (bits & PERMISSION_BITS[name]) !== 0]));
}

/** The token's tables for one kind of resource, legacy keys (`usr`, `spc`) merged in. */
function resourcesOf(table: PermissionTable): PNTokenResources {
  const kind = (...keys: TokenResourceKey[]) => {
    const entries = keys.flatMap((key) => [...table[key]].map(([name, bits]) => [name, permissionsOf(bits)] as const));
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  };
  const resources: PNTokenResources = {};
  const uuids = kind('uuid', 'usr');
  const channels = kind('chan', 'spc');
  const groups = kind('grp');
  if (uuids) resources.uuids = uuids;
  if (channels) resources.channels = channels;
  if (groups) resources.groups = groups;
  return resources;
}

/**
 * Reads a token's contents (URL-safe base64 of a CBOR map, padding optional).
 * @throws Error when `token` is not an Access Manager v2 token.
 */
export function parseToken(token: string): PNToken {
  const decoded = decodeToken(token);
  if (decoded === undefined) throw new Error('Not an Access Manager token: expected URL-safe base64 of a version 2 token map.');
  const parsed: PNToken = {
    version: TOKEN_VERSION,
    timestamp: decoded.timestamp,
    ttl: decoded.ttl,
    resources: resourcesOf(decoded.resources),
    patterns: resourcesOf(decoded.patterns),
    meta: Object.fromEntries(decoded.meta),
    signature: decoded.signature,
  };
  if (decoded.authorizedUuid !== undefined) parsed.authorizedUuid = decoded.authorizedUuid;
  return parsed;
}
