import { decodeCbor, type CborValue } from '../transport/cbor.ts';

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

/** Access Manager's permission bits. */
export const PERMISSION_BITS = { read: 1, write: 2, manage: 4, delete: 8, get: 32, update: 64, join: 128 } as const;

export function permissionBits(permissions: PNPermissions): number {
  return Object.entries(PERMISSION_BITS).reduce((bits, [name, bit]) => (permissions[name as keyof PNPermissions] ? bits | bit : bits), 0);
}

function permissionsOf(bits: number): PNPermissions {
  return Object.fromEntries(Object.entries(PERMISSION_BITS).map(([name, bit]) => [name, (bits & bit) !== 0]));
}

const isMap = (value: CborValue): value is { [key: string]: CborValue } =>
  typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !Array.isArray(value);

function resourcesOf(value: CborValue): PNTokenResources {
  const section = isMap(value) ? value : {};
  const kind = (...keys: string[]) => {
    const entries = keys.flatMap((key) => {
      const names = section[key];
      return isMap(names) ? Object.entries(names).map(([name, bits]) => [name, permissionsOf(Number(bits))] as const) : [];
    });
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

/** Reads a token's contents (URL-safe base64 of a CBOR map, padding optional). */
export function parseToken(token: string): PNToken {
  const base64 = token.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const decoded = decodeCbor(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  if (!isMap(decoded)) throw new Error('A token is a CBOR map.');
  const parsed: PNToken = {
    version: Number(decoded['v']),
    timestamp: Number(decoded['t']),
    ttl: Number(decoded['ttl']),
    resources: resourcesOf(decoded['res']),
    patterns: resourcesOf(decoded['pat']),
    meta: isMap(decoded['meta']) ? (decoded['meta'] as Record<string, unknown>) : {},
    signature: decoded['sig'] instanceof Uint8Array ? decoded['sig'] : new Uint8Array(),
  };
  if (typeof decoded['uuid'] === 'string') parsed.authorizedUuid = decoded['uuid'];
  return parsed;
}
