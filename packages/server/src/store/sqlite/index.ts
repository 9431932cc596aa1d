import { STDERR_LOG, type Log } from '../../model/log.ts';
import type { ChannelRecord, UuidRecord } from '../../model/records.ts';
import { UNOBSERVED, type StoreObserver } from '../observer.ts';
import type { ImportOutcome, Store, StoredItem } from '../store.ts';
import { SqliteChannelGroupStore } from './channel-group-store.ts';
import { Checkpointer } from './checkpointer.ts';
import { openConnection, type Connection, type ConnectionOptions } from './connection.ts';
import { sqliteDialect } from './dialect.ts';
import { prepareDatabasePath } from './directory.ts';
import { SqliteExecutor, type SqliteParts } from './executor.ts';
import { keptLists } from '../sql/page.ts';
import { GroupCommit } from './group-commit.ts';
import { importItems } from './import.ts';
import { SqliteKeysetStore } from './keyset-store.ts';
import { DatabaseLock } from './lock.ts';
import { SqliteMembershipStore } from './membership-store.ts';
import { SqliteMessageStore } from './message-store.ts';
import { CHANNEL_TABLE, SqliteObjectStore, UUID_TABLE, type RecordCacheBounds } from './object-store.ts';
import { SqliteOutbox } from './outbox.ts';
import { SqliteRevocations } from './revocations.ts';
import { StatementCache } from './statements.ts';

/** How a SQLite store is opened: its file and durability, and who hears from it. */
export interface SqliteStoreOptions extends ConnectionOptions {
  /** Where the lock watch and the checkpoint thread report trouble. @default stderr */
  log?: Log | undefined;
  /** Told of group commits and record-cache lookups, for metrics. */
  observer?: StoreObserver | undefined;
  /** The bounds of each table's record cache. @default RECORD_CACHE_SIZE entries and RECORD_CACHE_BYTES */
  recordCache?: RecordCacheBounds | undefined;
}

/**
 * The embedded store: one SQLite file in WAL mode, written by this process alone (the record
 * cache relies on it). Lists run the shared SQL of ../sql/ in the SQLite dialect. A file
 * database is locked while the store is open (lock.ts): opening one that another store holds
 * throws `DatabaseInUseError`, and a path that cannot be written throws `DatabasePathError`
 * (directory.ts).
 */
export class SqliteStore implements Store {
  readonly uuids: SqliteObjectStore<UuidRecord>;
  readonly channels: SqliteObjectStore<ChannelRecord>;
  readonly memberships: SqliteMembershipStore;
  readonly revocations: SqliteRevocations;
  readonly outbox: SqliteOutbox;
  readonly messages: SqliteMessageStore;
  readonly channelGroups: SqliteChannelGroupStore;
  readonly keysets: SqliteKeysetStore;
  /** The open connection, for tests and tools that inspect the file; the stores above are the API. */
  readonly db: Connection;

  readonly #checkpointer: Checkpointer | undefined;
  readonly #lock: DatabaseLock | undefined;
  readonly #parts: SqliteParts;

  constructor(options: SqliteStoreOptions) {
    const log = options.log ?? STDERR_LOG;
    const observer = options.observer ?? UNOBSERVED;
    if (options.path !== ':memory:') {
      prepareDatabasePath(options.path);
      this.#lock = DatabaseLock.acquire(options.path, { log });
    }
    try {
      this.db = openConnection(options);
    } catch (error) {
      this.#lock?.release();
      throw error;
    }
    this.#checkpointer = options.path === ':memory:' ? undefined : new Checkpointer(this.db, options.path, log);
    const statements = new StatementCache(this.db);
    const writes = new GroupCommit(this.db, observer);
    this.outbox = new SqliteOutbox(this.db, writes);
    const parts: SqliteParts = {
      db: this.db,
      statements,
      writes,
      sql: { dialect: sqliteDialect, executor: new SqliteExecutor(statements), kept: keptLists() },
      observer,
      outbox: this.outbox,
    };
    this.uuids = new SqliteObjectStore(parts, UUID_TABLE, options.recordCache);
    this.channels = new SqliteObjectStore(parts, CHANNEL_TABLE, options.recordCache);
    this.memberships = new SqliteMembershipStore(parts);
    this.revocations = new SqliteRevocations(this.db);
    this.messages = new SqliteMessageStore(this.db, writes);
    this.channelGroups = new SqliteChannelGroupStore(this.db, writes);
    this.keysets = new SqliteKeysetStore(this.db, writes);
    this.#parts = parts;
  }

  /** Bulk load (import.ts); the record caches are dropped after it, as it wrote past them. */
  async import(items: readonly StoredItem[], options: { dryRun?: boolean } = {}): Promise<ImportOutcome[]> {
    const forget = () => {
      this.uuids.forgetAll();
      this.channels.forgetAll();
    };
    try {
      return await importItems(this.#parts, items, options.dryRun === true, forget);
    } finally {
      forget();
    }
  }

  /** Nothing: the store keeps no ANALYZE statistics, as its reads name the indexes they use. */
  async refreshStatistics(): Promise<void> {}

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.#checkpointer?.stop();
    if (this.db.open) this.db.close();
    this.#lock?.release();
  }
}
