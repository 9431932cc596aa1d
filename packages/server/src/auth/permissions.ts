/** Access Manager permission bits (wire-protocol.md §10.2) and the resources they apply to. */
export const PERMISSION_BITS = {
  read: 1,
  write: 2,
  manage: 4,
  delete: 8,
  create: 16,
  get: 32,
  update: 64,
  join: 128,
} as const;

export type Permission = keyof typeof PERMISSION_BITS;

/** The keys of a token's `res` and `pat` maps, in the order PubNub writes them. */
export const TOKEN_RESOURCE_KEYS = ['chan', 'grp', 'spc', 'usr', 'uuid'] as const;
export type TokenResourceKey = (typeof TOKEN_RESOURCE_KEYS)[number];

/** Per resource key: resource name (or regex) → permission bitmask. */
export type PermissionTable = Record<TokenResourceKey, ReadonlyMap<string, number>>;

/** What a permission is checked on; `uuid` and `channel` also read their legacy aliases. */
export type ResourceKind = 'uuid' | 'channel' | 'group';

const TABLES_OF_KIND: Record<ResourceKind, readonly TokenResourceKey[]> = {
  uuid: ['uuid', 'usr'],
  channel: ['chan', 'spc'],
  group: ['grp'],
};

export const emptyPermissionTable = (): PermissionTable => ({
  chan: new Map(),
  grp: new Map(),
  spc: new Map(),
  usr: new Map(),
  uuid: new Map(),
});

const compiled = new Map<string, RegExp | null>();

/** A pattern permission matches the whole resource name; an invalid regex matches nothing. */
export function patternMatches(pattern: string, name: string): boolean {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    regex = compilePattern(pattern);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex !== null && regex.test(name);
}

export function compilePattern(pattern: string): RegExp | null {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
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
