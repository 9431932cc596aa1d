/** Access Manager permission bits (wire-protocol.md §10.2). */
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

/** Every defined bit: a grant asking for any other is malformed. */
export const ALL_PERMISSION_BITS = Object.values(PERMISSION_BITS).reduce((all, bit) => all | bit, 0);

/** The keys of a token's `res` and `pat` maps, in the order PubNub writes them. */
export const TOKEN_RESOURCE_KEYS = ['chan', 'grp', 'spc', 'usr', 'uuid'] as const;
export type TokenResourceKey = (typeof TOKEN_RESOURCE_KEYS)[number];

/** Grant body section names (`permissions.resources.channels`, …) → token map keys; `spaces` and `users` are legacy aliases. */
export const GRANT_SECTION_KEYS = {
  channels: 'chan',
  groups: 'grp',
  spaces: 'spc',
  users: 'usr',
  uuids: 'uuid',
} as const satisfies Record<string, TokenResourceKey>;

export type GrantSection = keyof typeof GRANT_SECTION_KEYS;

/** Per resource key: resource name (or, for patterns, a regular expression) → permission bitmask. */
export type PermissionTable = Record<TokenResourceKey, ReadonlyMap<string, number>>;

/** A table with every resource key present and empty. */
export const emptyPermissionTable = (): PermissionTable => ({
  chan: new Map(),
  grp: new Map(),
  spc: new Map(),
  usr: new Map(),
  uuid: new Map(),
});
