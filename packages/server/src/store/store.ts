import type { Cursor } from '../query/cursor.ts';
import type { FilterNode } from '../query/filter/ast.ts';
import type { Resource } from '../query/fields.ts';
import type { SortKey } from '../query/sort.ts';
import type { ChannelRecord, MembershipRecord, MembershipRow, UuidRecord } from '../model/records.ts';

/**
 * The storage contract. Every write is one transaction; the `decide` callbacks are the domain's
 * pure rules, run inside it on the current state so read-modify-write is atomic. The store
 * decides nothing itself: it reports facts (what is stored, which objects exist, how many
 * memberships there are) and the domain's callbacks throw to refuse.
 * test/store-contract/ holds the behaviour every backend must have.
 */
export interface Store {
  readonly uuids: ObjectStore<UuidRecord>;
  readonly channels: ObjectStore<ChannelRecord>;
  readonly memberships: MembershipStore;
  readonly revocations: RevocationStore;
  /** Resolves once the database has answered a trivial query; rejects with why it cannot (for `GET /ready`). */
  ping(): Promise<void>;
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
  /** Applied in order, each through its `decide`; then `delete`, in order. */
  set: MembershipSetItem[];
  delete: string[];
  /** Whether each set item's `decide` is told which ends of its pair exist (default false). */
  lookUpEnds?: boolean;
  /**
   * Called inside the transaction after a batch that added a membership, with the counts after
   * it; throwing rolls the whole batch back. Batches that add none are not counted.
   */
  checkCounts?: (counts: MembershipCounts) => void;
}

export interface MembershipSetItem {
  otherId: string;
  /**
   * Merges the item into the current membership; may throw to abort the batch. `ends` says
   * whether the user and the channel of the pair have stored objects, when the batch asked
   * (`lookUpEnds`), read before this item is applied.
   */
  decide: (current: MembershipRecord | undefined, ends: MembershipEnds | undefined) => Decision<MembershipRecord>;
}

/** Whether a stored user and a stored channel exist for the two ids of a membership. */
export interface MembershipEnds {
  uuid: boolean;
  channel: boolean;
}

/**
 * Membership counts after a batch: for every user and every channel a set item of the batch
 * wrote, how many memberships it now has, in the order the batch first wrote them.
 */
export interface MembershipCounts {
  ofUser: ReadonlyMap<string, number>;
  ofChannel: ReadonlyMap<string, number>;
}

export type MembershipChange = { kind: 'set'; record: MembershipRecord } | { kind: 'delete'; record: MembershipRecord };

/** A list request after validation: what to match, in what order, from where, how many. */
export interface ListQuery {
  subKey: string;
  resource: Resource;
  /** For memberships: the user id; for members: the channel id. */
  ownerId?: string | undefined;
  filter?: FilterNode | undefined;
  sort: SortKey[];
  /** Holds exactly `cursorWidth(sort)` values (query/cursor.ts); the caller checks. */
  cursor?: Cursor | undefined;
  limit: number;
  count: boolean;
  /** Whether the related objects (channel of a membership, user of a member) are needed. */
  withRelated: boolean;
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

/** Revoked Access Manager tokens, by subscribe key and the token's signature. */
export interface RevocationStore {
  isRevoked(subKey: string, signature: Buffer): Promise<boolean>;
  /** `expiresAt` (unix seconds) is when the token lapses anyway; the entry may be dropped after it. */
  revoke(subKey: string, signature: Buffer, expiresAt: number): Promise<void>;
}
