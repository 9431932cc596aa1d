/**
 * Fields a list can be sorted by. Users and channels sort by `ID`, `NAME`, `UPDATED`,
 * `STATUS` and `TYPE`; memberships by the membership's own `UPDATED`/`STATUS`/`TYPE` or the
 * channel's (`CHANNEL_*`); members likewise with `UUID_*`.
 * @see PNSortKey
 */
export const PNSortKeyValue = {
  ID: 'id',
  NAME: 'name',
  UPDATED: 'updated',
  STATUS: 'status',
  TYPE: 'type',
  CHANNEL_ID: 'channel.id',
  CHANNEL_NAME: 'channel.name',
  CHANNEL_UPDATED: 'channel.updated',
  CHANNEL_STATUS: 'channel.status',
  CHANNEL_TYPE: 'channel.type',
  UUID_ID: 'uuid.id',
  UUID_NAME: 'uuid.name',
  UUID_UPDATED: 'uuid.updated',
  UUID_STATUS: 'uuid.status',
  UUID_TYPE: 'uuid.type',
} as const;

/** A documented sort field, or any other field the server accepts (e.g. `custom.rank` on Roster). */
export type PNSortKeyValue = (typeof PNSortKeyValue)[keyof typeof PNSortKeyValue] | (string & {});

export type PNSortDirection = 'asc' | 'desc';

/**
 * One sort criterion. Pass several to `.sort(...)`; earlier ones take precedence.
 * @example client.getAllUUIDMetadata().sort(PNSortKey.asc(PNSortKeyValue.NAME), PNSortKey.desc(PNSortKeyValue.UPDATED))
 */
export class PNSortKey {
  readonly key: PNSortKeyValue;
  readonly direction: PNSortDirection;

  private constructor(key: PNSortKeyValue, direction: PNSortDirection) {
    this.key = key;
    this.direction = direction;
  }

  static asc(key: PNSortKeyValue): PNSortKey {
    return new PNSortKey(key, 'asc');
  }

  static desc(key: PNSortKeyValue): PNSortKey {
    return new PNSortKey(key, 'desc');
  }

  /** The wire form, `key:direction`. */
  toString(): string {
    return `${this.key}:${this.direction}`;
  }
}
