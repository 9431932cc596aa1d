import type { FilterNode } from '../query/filter/ast.ts';
import type { Resource } from '../query/fields.ts';
import type { SortKey } from '../query/sort.ts';
import type { ChannelRecord, MembershipRecord, MembershipRow, UuidRecord } from '../objects/records.ts';

/**
 * The storage contract. Every write is one transaction; the `decide` callbacks are the domain's
 * pure rules, run inside it on the current state so read-modify-write is atomic.
 */
export interface Store {
  readonly uuids: ObjectStore<UuidRecord>;
  readonly channels: ObjectStore<ChannelRecord>;
  readonly memberships: MembershipStore;
  close(): Promise<void>;
}

/** What `decide` returns: the record to store, or `unchanged` to leave the stored one as it is. */
export type Decision<T> = { kind: 'write'; record: T } | { kind: 'unchanged' };

export interface ObjectStore<T extends UuidRecord | ChannelRecord> {
  get(subKey: string, id: string): Promise<T | undefined>;
  list(query: ListQuery): Promise<ListPage<T>>;
  /** Upserts through `decide(current)`; may throw (a 412, say) to abort with nothing written. */
  write(subKey: string, id: string, decide: (current: T | undefined) => Decision<T>): Promise<ObjectWrite<T>>;
  /**
   * Deletes after `check(current)` passes; with `cascade` its memberships go too. Returns what
   * was there (undefined when nothing was) and the memberships deleted with it.
   */
  remove(subKey: string, id: string, options: RemoveOptions<T>): Promise<ObjectRemoval<T>>;
}

export interface ObjectWrite<T> {
  record: T;
  changed: boolean;
  /** Channels the object (a user) is a member of, read in the same transaction; `[]` for channels. */
  memberOf: string[];
}

export interface RemoveOptions<T> {
  check: (current: T | undefined) => void;
  cascade: boolean;
}

export interface ObjectRemoval<T> {
  removed: T | undefined;
  memberOf: string[];
  cascaded: MembershipRecord[];
}

/** One side of a membership: a user's channels, or a channel's users. */
export type MembershipSide = 'uuid' | 'channel';

export interface MembershipStore {
  list(query: ListQuery): Promise<ListPage<MembershipRow>>;
  /**
   * Applies a set/delete batch for one user (side `uuid`) or one channel (side `channel`) in one
   * transaction. `decide` merges each set item into the current membership.
   */
  apply(batch: MembershipBatch): Promise<MembershipChange[]>;
}

export interface MembershipBatch {
  subKey: string;
  side: MembershipSide;
  /** The user id (side `uuid`) or channel id (side `channel`) named in the path. */
  ownerId: string;
  set: { otherId: string; decide: (current: MembershipRecord | undefined) => Decision<MembershipRecord> }[];
  delete: string[];
  /** Checked inside the transaction after the batch; throwing rolls it back. */
  limits: { maxPerUser: number; maxPerChannel: number; requireObjects: boolean };
}

export type MembershipChange =
  | { kind: 'set'; record: MembershipRecord }
  | { kind: 'delete'; record: MembershipRecord };

/** A list request after validation: what to match, in what order, from where, how many. */
export interface ListQuery {
  subKey: string;
  resource: Resource;
  /** For memberships: the user id; for members: the channel id. */
  ownerId?: string;
  filter?: FilterNode;
  sort: SortKey[];
  cursor?: Cursor;
  limit: number;
  count: boolean;
  /** Whether the related objects (channel of a membership, user of a member) are needed. */
  withRelated: boolean;
}

export interface Cursor {
  direction: 'next' | 'prev';
  /** The sort-component values of the row the page starts after (next) or ends before (prev). */
  values: (string | number | null)[];
}

export interface ListPage<T> {
  rows: T[];
  totalCount?: number;
  /** Sort-component values of the first and last rows, for the cursors of adjacent pages. */
  first?: (string | number | null)[];
  last?: (string | number | null)[];
  /** Whether rows exist before the first row of this page. */
  hasPrevious: boolean;
}
