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
  /** The events of committed changes not yet known to be on the event bus (see `OutboxStore`). */
  readonly outbox: OutboxStore;
  /** Message persistence (history) and message actions (see `MessageStore`). */
  readonly messages: MessageStore;
  /** Channel groups: named lists of channels per keyset (see `ChannelGroupStore`). */
  readonly channelGroups: ChannelGroupStore;
  /** The keysets the nodes serve, as the config file seeded them and the console changed them (see `KeysetStore`). */
  readonly keysets: KeysetStore;
  /**
   * Bulk load for `roster import` and `roster migrate`: writes whole stored records (eTag and
   * `updated` as given) in one transaction, bypassing the domain: no rules run and no events are
   * emitted. A record identical to the stored one is left untouched (`unchanged`), so loading the
   * same items twice changes nothing. With `dryRun` the transaction is rolled back: the outcomes
   * say what would have happened. Returns one outcome per item, in order.
   */
  import(items: readonly StoredItem[], options?: { dryRun?: boolean }): Promise<ImportOutcome[]>;
  /**
   * After a bulk load (`roster import`, `roster migrate`), refreshes what the database plans
   * queries with, so lists and writes are not planned as if the tables were still empty.
   * PostgreSQL: `ANALYZE` of the tables `import` writes. SQLite keeps no statistics (its reads
   * name their indexes), so nothing.
   */
  refreshStatistics(): Promise<void>;
  /** Resolves once the database has answered a trivial query; rejects with why it cannot (for `GET /ready`). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What `decide` returns: the record to store, or `unchanged` to leave the stored one as it is. */
export type Decision<T> = { kind: 'write'; record: T } | { kind: 'unchanged' };

export interface ObjectStore<T extends UuidRecord | ChannelRecord> {
  get(subKey: string, id: string): Promise<T | undefined>;
  list(query: ListQuery): Promise<ListPage<T>>;
  /**
   * Upserts through `decide(current)`; may throw (a 412, say) to abort with nothing written. When
   * the record changed, `announce` is called inside the transaction and what it returns is
   * recorded in the outbox with the change.
   */
  write(subKey: string, id: string, decide: (current: T | undefined) => Decision<T>, announce?: Announce<ObjectWrite<T>>): Promise<ObjectWrite<T>>;
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
  /** Called inside the transaction when something was removed; what it returns is recorded in the outbox with the removal. */
  announce?: Announce<ObjectRemoval<T>> | undefined;
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
  /**
   * Called inside the transaction, after `checkCounts`, when the batch changed any membership;
   * what it returns is recorded in the outbox with the changes.
   */
  announce?: Announce<MembershipChange[]> | undefined;
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

/**
 * The events of one change, as the outbox keeps them: recorded in the transaction of the change,
 * deleted once the event bus has them. So a crash between the commit and the hand-off to the bus
 * delays the events (the relay hands them over later) and never drops them.
 */
export interface OutboxRecord {
  /** Unique, chosen by the caller: the events' id on the bus, which a bus that dedupes (NATS) drops a second copy by. */
  key: string;
  subKey: string;
  /** The events as JSON text; the store does not read it. */
  events: string;
}

/**
 * What a write records in the outbox: called with the write's outcome inside its transaction,
 * it returns the record of the events the change announces, or `undefined` when it announces
 * none. A transaction that runs again (a lost race on PostgreSQL) calls it again.
 */
export type Announce<O> = (outcome: O) => OutboxRecord | undefined;

/** What `OutboxStore.relay` asks of a relay run. */
export interface RelayRequest {
  /** Only records at least this old, in milliseconds (by the database's clock). */
  olderThanMs: number;
  /** At most this many records. */
  limit: number;
}

/**
 * The outbox: records of events written with their changes, waiting for the event bus. The
 * writer deletes its record once the bus took the events (`remove`); a record whose writer died
 * or could not reach the bus is handed over by a relay (`relay`) on any node.
 */
export interface OutboxStore {
  /** Deletes the records with these keys; keys not there are ignored. */
  remove(keys: readonly string[]): Promise<void>;
  /**
   * Hands the records `request` selects to `deliver`, oldest first, and deletes those whose keys
   * it resolves with. On a database shared by nodes each record is claimed until `deliver`
   * settles, so two relays running at once (on one node or several) never get the same record.
   * When `deliver` rejects nothing is deleted. Resolves with how many records `deliver` was given
   * (0: none was old enough).
   */
  relay(request: RelayRequest, deliver: (records: OutboxRecord[]) => Promise<readonly string[]>): Promise<number>;
}

/**
 * One keyset as stored: its subscribe key, its settings as JSON (a `KeysetInput` of
 * model/keyset.ts: keys, secret, flags, limits), and where they came from. The store keeps the
 * settings as given; the domain (keysets/registry.ts) validates them.
 */
export interface StoredKeyset {
  subscribeKey: string;
  /** `KeysetInput` as JSON text, exactly as written. */
  settings: string;
  /**
   * A hash of the config file's entry this row was last seeded from, or null for a keyset created
   * in the console: when the config file's entry changes, it overwrites the row again.
   */
  seedHash: string | null;
  /** The registry's version when this row was last written (see `KeysetStore.version`). */
  version: number;
  /** ISO 8601, when this row was last written. */
  updated: string;
}

/** A keyset write: the settings JSON and its seed hash (null from the console). */
export interface KeysetWrite {
  subscribeKey: string;
  settings: string;
  seedHash: string | null;
}

/**
 * The keysets of every node, in the database they share, so a keyset created or changed on one
 * node is served by all without a restart. Every write takes the next value of one registry-wide
 * version, so a node learns that something changed from one cheap read of `version()`.
 */
export interface KeysetStore {
  /** Every stored keyset, by subscribe key. */
  list(): Promise<StoredKeyset[]>;
  get(subscribeKey: string): Promise<StoredKeyset | undefined>;
  /**
   * Creates or replaces a keyset in one transaction. With `ifVersion` the write happens only if
   * the row's version is still that (else resolves `undefined`: someone else changed it); with
   * `ifAbsent` only if there is no row for the subscribe key yet (else `undefined`).
   * A publish key must belong to one keyset: writing another keyset's publish key rejects with `KeysetConflictError`.
   */
  put(write: KeysetWrite, condition?: { ifVersion?: number; ifAbsent?: boolean }): Promise<StoredKeyset | undefined>;
  /** The highest version written so far (0 when no keyset was ever written). */
  version(): Promise<number>;
}

/** A keyset write that would give a publish key to a second keyset. */
export class KeysetConflictError extends Error {
  constructor(readonly publishKey: string) {
    super(`publish key ${publishKey} belongs to another keyset`);
  }
}

/** Revoked Access Manager tokens, by subscribe key and the token's signature. */
export interface RevocationStore {
  isRevoked(subKey: string, signature: Buffer): Promise<boolean>;
  /** `expiresAt` (unix seconds) is when the token lapses anyway; the entry may be dropped after it. */
  revoke(subKey: string, signature: Buffer, expiresAt: number): Promise<void>;
}

/** A revoked token as stored: its signature and when it lapses anyway (unix seconds). */
export interface RevokedToken {
  signature: Buffer;
  expiresAt: number;
}

/** The kinds of stored records, in the order a keyset's records are exported and copied. */
export const STORED_KINDS = ['user', 'channel', 'membership', 'revocation'] as const;
export type StoredKind = (typeof STORED_KINDS)[number];

/** One stored record of any kind with its keyset (subscribe key): what `Store.import` takes and snapshots hand out. */
export type StoredItem =
  | { kind: 'user'; subKey: string; record: UuidRecord }
  | { kind: 'channel'; subKey: string; record: ChannelRecord }
  | { kind: 'membership'; subKey: string; record: MembershipRecord }
  | { kind: 'revocation'; subKey: string; record: RevokedToken };

/** What `Store.import` did with one item. */
export type ImportOutcome = 'created' | 'updated' | 'unchanged';

/**
 * A consistent, read-only view of a whole database (every keyset), for `roster export` and
 * `roster migrate`: counts and items are read in one snapshot while nodes may keep writing.
 */
export interface StoreSnapshot {
  /** The keysets holding any record, in code point order. */
  keysets(): Promise<string[]>;
  /** How many records of `kind` keyset `subKey` holds. */
  count(subKey: string, kind: StoredKind): Promise<number>;
  /** The records of `kind` in keyset `subKey` by id (memberships: user id, channel id) in code point order, in pages of at most `pageSize`. */
  pages(subKey: string, kind: StoredKind, pageSize: number): AsyncIterable<StoredItem[]>;
  /** Ends the snapshot; the database is untouched. */
  close(): Promise<void>;
}

/**
 * A published message as history keeps it (PubNub's Message Persistence). Timetokens are
 * decimal text here (17 digits today, beyond 2^53); backends store them as 64-bit integers so
 * ranges compare as numbers.
 */
export interface StoredMessage {
  channel: string;
  /** The message's timetoken; at most one message per (keyset, channel, timetoken). */
  timetoken: string;
  /** The message as published: JSON text, returned byte for byte. */
  payload: string;
  /** `meta` as published, JSON text; absent when none was given. */
  meta?: string | undefined;
  /** The publisher's user id (`uuid` of the publish). */
  publisher?: string | undefined;
  customMessageType?: string | undefined;
  /** PubNub's `message_type`: `null` for a published message, 4 for a file message. */
  messageType: number | null;
  /** The timetoken from which it is expired (no longer returned, purged later); absent: kept until deleted. */
  expiresAt?: string | undefined;
}

/** A message action (a reaction, an edit, …) on one stored message: PubNub's Message Actions. */
export interface MessageAction {
  channel: string;
  messageTimetoken: string;
  /** Its own timetoken, given when it was added; actions are listed and removed by it. */
  actionTimetoken: string;
  /** At most 15 characters (PubNub's rule). */
  type: string;
  value: string;
  /** Who added it. */
  uuid: string;
}

/** One end of a timetoken range: the timetoken and whether it is part of the range. */
export interface TimetokenBound {
  timetoken: string;
  inclusive: boolean;
}

/** Timetokens from `lower` up to `upper`; an absent bound does not limit that side. */
export interface TimetokenRange {
  lower?: TimetokenBound | undefined;
  upper?: TimetokenBound | undefined;
}

/** A page of a channel's history or actions: the newest `limit` of the range, oldest first. */
export interface HistoryPage<T> {
  items: T[];
  /** Older items of the range remain beyond the oldest one returned. */
  more: boolean;
}

/** A stored message's timetoken and size: what a read bounded in bytes plans with. */
export interface MessageSize {
  timetoken: string;
  /** UTF-8 bytes of its payload and meta. */
  bytes: number;
}

/** The actions one message carries: how many, and their UTF-8 bytes (type, value and uuid). */
export interface ActionLoad {
  count: number;
  bytes: number;
}

/**
 * Message persistence. Every read is an index seek by (keyset, channel, timetoken) that reads at
 * most `limit + 1` rows, however much the channel holds: a page deep in a long history costs what
 * the newest page costs. `now` (a timetoken) leaves out messages expired by then.
 */
export interface MessageStore {
  /**
   * Stores messages in one transaction; a message whose (keyset, channel, timetoken) is stored
   * already is left as it is. Resolves once they are durable (as the store's other writes are).
   */
  append(subKey: string, messages: readonly StoredMessage[]): Promise<void>;
  /** The newest `limit` messages of `channel` within `range` not expired at `now`, oldest first. */
  history(subKey: string, channel: string, range: TimetokenRange, limit: number, now: string): Promise<HistoryPage<StoredMessage>>;
  /** Deletes the messages of `channel` within `range`, and their actions; resolves with how many messages went. */
  remove(subKey: string, channel: string, range: TimetokenRange): Promise<number>;
  /**
   * Per channel, how many messages not expired at `now` have a timetoken strictly after the one
   * given, counting no further than `cap` (each count reads at most `cap` + E entries of the primary key's
   * index alone, E being the range's expired messages the purge has not yet deleted).
   */
  count(subKey: string, after: ReadonlyMap<string, string>, cap: number, now: string): Promise<Map<string, number>>;
  /** Deletes messages expired at `now`, at most `limit` of them; resolves with how many went (call again while it is `limit`). */
  purgeExpired(now: string, limit: number): Promise<number>;
  /**
   * Stores an action; resolves `false`, storing nothing, when the same action (channel, message
   * timetoken, type, value, uuid) is stored already.
   */
  addAction(subKey: string, action: MessageAction): Promise<boolean>;
  /** Removes the action; resolves with it, or `undefined` when there was none. */
  removeAction(subKey: string, channel: string, messageTimetoken: string, actionTimetoken: string): Promise<MessageAction | undefined>;
  /** The newest `limit` actions of `channel` whose action timetoken is within `range`, oldest first. */
  actions(subKey: string, channel: string, range: TimetokenRange, limit: number): Promise<HistoryPage<MessageAction>>;
  /** Every action on the given messages of `channel`, oldest first (history with actions). */
  actionsOf(subKey: string, channel: string, messageTimetokens: readonly string[]): Promise<MessageAction[]>;
  /** What `history` would answer, as timetokens and sizes only (the messages are not read): a read bounded in bytes plans with it. */
  sizes(subKey: string, channel: string, range: TimetokenRange, limit: number, now: string): Promise<HistoryPage<MessageSize>>;
  /** Per message of `channel` that carries actions, their count and bytes; messages without actions are left out. */
  actionLoads(subKey: string, channel: string, messageTimetokens: readonly string[]): Promise<Map<string, ActionLoad>>;
}

/** What adding channels to a group did. */
export interface GroupAddition {
  /** Channels that were not in the group before, in the order given. */
  added: string[];
  /** Channels in the group after the write. */
  size: number;
}

/**
 * Channel groups (`/v1/channel-registration/…`): per keyset, a group is a named set of channel
 * names; it exists while it holds a channel. The store decides nothing: `add` reports the facts
 * (`size` after, groups in the keyset) to `decide`, which throws to refuse (a limit), inside the
 * same transaction, so two racing adds cannot pass a limit together.
 */
export interface ChannelGroupStore {
  /**
   * Adds `channels` to `group` in one transaction; channels already there are left as they are.
   * Before writing, calls `decide` with the group's size once the new channels are in, and the
   * number of groups the keyset would then have; when it throws, nothing is written.
   */
  add(subKey: string, group: string, channels: readonly string[], decide: (after: { size: number; groups: number }) => void): Promise<GroupAddition>;
  /** Removes `channels` from `group`; resolves with those that were in it. A group left empty no longer exists. */
  remove(subKey: string, group: string, channels: readonly string[]): Promise<string[]>;
  /** The group's channels sorted by name (code points); empty when the group does not exist. At most `limit`. */
  channels(subKey: string, group: string, limit: number): Promise<string[]>;
  /** The channels of each group, one query for all of them; a group that does not exist maps to `[]`. */
  channelsOf(subKey: string, groups: readonly string[], limitPerGroup: number): Promise<Map<string, string[]>>;
  /** The keyset's groups sorted by name (code points), at most `limit`. */
  groups(subKey: string, limit: number): Promise<string[]>;
  /** Deletes the group and all its channels; resolves `false` when it did not exist. */
  delete(subKey: string, group: string): Promise<boolean>;
}
