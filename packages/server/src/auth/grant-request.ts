import { ALL_PERMISSION_BITS, emptyPermissionTable, GRANT_SECTION_KEYS, type PermissionTable, type TokenResourceKey } from '@roster/protocol';
import { RosterError, invalid } from '../errors.ts';
import { compilePattern } from './permissions.ts';
import type { MetaValue, TokenGrant } from './token.ts';

export const MIN_TTL_MINUTES = 1;
export const MAX_TTL_MINUTES = 43_200;
/** Grant body names → token map keys, looked up by any string the body holds. */
const SECTION_KEYS: Readonly<Record<string, TokenResourceKey>> = GRANT_SECTION_KEYS;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `POST /v3/pam/{sub}/grant` body (wire-protocol.md §10.2) → what the token will grant. */
export function parseGrantRequest(body: unknown, nowSeconds: number): TokenGrant {
  if (!isObject(body)) throw invalid('body', 'body', 'The body must be a JSON object.');
  const ttl = body['ttl'];
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < MIN_TTL_MINUTES || ttl > MAX_TTL_MINUTES) {
    throw new RosterError('INVALID_INPUT', 'Invalid ttl', [
      { message: `Range should be ${MIN_TTL_MINUTES} to ${MAX_TTL_MINUTES} minute(s).`, location: 'ttl', locationType: 'body' },
    ]);
  }
  const permissions = body['permissions'] ?? {};
  if (!isObject(permissions)) throw invalid('permissions', 'body', 'permissions must be an object.');
  const uuid = permissions['uuid'];
  if (uuid !== undefined && uuid !== null && (typeof uuid !== 'string' || uuid === '')) {
    throw invalid('permissions.uuid', 'body', 'permissions.uuid must be a non-empty string.');
  }
  return {
    timestamp: nowSeconds,
    ttl,
    resources: permissionTable(permissions['resources'], 'permissions.resources', false),
    patterns: permissionTable(permissions['patterns'], 'permissions.patterns', true),
    meta: metaOf(permissions['meta']),
    authorizedUuid: typeof uuid === 'string' ? uuid : undefined,
  };
}

function permissionTable(value: unknown, location: string, arePatterns: boolean): PermissionTable {
  const table = emptyPermissionTable();
  if (value === undefined || value === null) return table;
  if (!isObject(value)) throw invalid(location, 'body', `${location} must be an object.`);
  for (const [section, entries] of Object.entries(value)) {
    const key = Object.hasOwn(SECTION_KEYS, section) ? SECTION_KEYS[section] : undefined; // not `toString` & co.
    if (key === undefined) throw invalid(`${location}.${section}`, 'body', `Unknown resource type '${section}'.`);
    if (entries === undefined || entries === null) continue;
    if (!isObject(entries)) throw invalid(`${location}.${section}`, 'body', `${location}.${section} must be an object.`);
    const map = new Map<string, number>();
    for (const [name, bits] of Object.entries(entries)) {
      const where = `${location}.${section}.${name}`;
      if (name === '') throw invalid(where, 'body', 'Resource names must not be empty.');
      if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 0 || (bits & ~ALL_PERMISSION_BITS) !== 0) {
        throw invalid(where, 'body', `Permissions must be a bitmask from 0 to ${ALL_PERMISSION_BITS}.`);
      }
      if (arePatterns && compilePattern(name) === null)
        throw invalid(where, 'body', `'${name}' is not a regular expression of RE2's syntax (no lookaround or backreferences).`);
      map.set(name, bits);
    }
    table[key] = map;
  }
  return table;
}

function metaOf(value: unknown): Map<string, MetaValue> {
  const meta = new Map<string, MetaValue>();
  if (value === undefined || value === null) return meta;
  if (!isObject(value)) throw invalid('permissions.meta', 'body', 'meta must be an object.');
  for (const [key, item] of Object.entries(value)) {
    const scalar = item === null || typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item));
    if (!scalar) throw invalid(`permissions.meta.${key}`, 'body', 'meta values must be strings, numbers, booleans or null.');
    meta.set(key, item);
  }
  return meta;
}
