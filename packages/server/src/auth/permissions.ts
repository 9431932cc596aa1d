import { RE2JS } from 're2js';
import { PERMISSION_BITS, type Permission, type PermissionTable, type TokenResourceKey } from '@roster/protocol';

/** The bits and the token's resource keys are the protocol's (`@roster/protocol`); how a grant is looked up is here. */
export { emptyPermissionTable, PERMISSION_BITS, TOKEN_RESOURCE_KEYS } from '@roster/protocol';
export type { Permission, PermissionTable, TokenResourceKey } from '@roster/protocol';

/** What a permission is checked on; `uuid` and `channel` also read their legacy aliases. */
export type ResourceKind = 'uuid' | 'channel' | 'group';

const TABLES_OF_KIND: Record<ResourceKind, readonly TokenResourceKey[]> = {
  uuid: ['uuid', 'usr'],
  channel: ['chan', 'spc'],
  group: ['grp'],
};

const compiled = new Map<string, RE2JS | null>();

/** A pattern permission matches the whole resource name; an invalid regex matches nothing. */
export function patternMatches(pattern: string, name: string): boolean {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    regex = compilePattern(pattern);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex !== null && regex.matches(name);
}

/**
 * A pattern permission as a regular expression in RE2's syntax (no lookaround, no
 * backreferences), or null when it is not one. It is matched in time linear in the name
 * (re2js: an automaton, not backtracking), so no pattern a grant holds, nested quantifiers
 * included, can make a request that names a resource slow.
 */
export function compilePattern(pattern: string): RE2JS | null {
  try {
    return RE2JS.compile(pattern);
  } catch {
    return null;
  }
}

/**
 * The permission bits a token gives on one resource: the exact entries when there are any
 * (they take precedence), else every pattern that matches the name.
 */
export function grantedBits(resources: PermissionTable, patterns: PermissionTable, kind: ResourceKind, name: string): number {
  let exact: number | undefined;
  for (const table of TABLES_OF_KIND[kind]) {
    const bits = resources[table].get(name);
    if (bits !== undefined) exact = (exact ?? 0) | bits;
  }
  if (exact !== undefined) return exact;
  let matched = 0;
  for (const table of TABLES_OF_KIND[kind]) {
    for (const [pattern, bits] of patterns[table]) if (patternMatches(pattern, name)) matched |= bits;
  }
  return matched;
}

export function hasPermission(bits: number, permission: Permission): boolean {
  const bit = PERMISSION_BITS[permission];
  return (bits & bit) === bit;
}
