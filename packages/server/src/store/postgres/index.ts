import type { ChannelRecord, UuidRecord } from '../../model/records.ts';
import type { ImportOutcome, Store, StoredItem } from '../store.ts';
import { PostgresChannelGroupStore } from './channel-group-store.ts';
import { connect, type ConnectOptions, type Database } from './connection.ts';
import { postgresBackend } from './executor.ts';
import { IMPORTED_TABLES, importItems } from './import.ts';
import { PostgresKeysetStore } from './keyset-store.ts';
import { PostgresMembershipStore } from './membership-store.ts';
import { PostgresMessageStore } from './message-store.ts';
import { migrate } from './migrate.ts';
import { CHANNEL_TABLE, PostgresObjectStore, UUID_TABLE } from './object-store.ts';
import { PostgresOutbox } from './outbox.ts';
import { PostgresRevocations } from './revocations.ts';

/**
 * A PostgreSQL store could not be opened: the server cannot be reached, refuses the role or has
 * no such database, or the schema cannot be migrated. The message says why, without the URL
 * (it may hold a password).
 */
export class PostgresOpenError extends Error {
  override readonly name = 'PostgresOpenError';

  constructor(cause: unknown) {
    super(`Cannot open the PostgreSQL database: ${reason(cause)}`, { cause });
  }
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  // A socket error's message already names its code (`connect ECONNREFUSED 127.0.0.1:5432`).
  return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}

export interface PostgresStoreOptions extends ConnectOptions {
  /**
   * Milliseconds one list or count statement may run (executor.ts, `LIST_TIMEOUT_MS` by default);
   * past them the list fails as list-timeout.ts says.
   */
  listTimeout?: number;
}

/**
 * The shared store: one PostgreSQL database that any number of nodes use at once. Lists run the
 * shared SQL of ../sql/ in the PostgreSQL dialect; writes are transactions that lock what they
 * decide on (object-store.ts, membership-store.ts). Only lists are kept in this process, each
 * with the snapshot it was read at (executor.ts `dataVersion`).
 */
export class PostgresStore implements Store {
  readonly uuids: PostgresObjectStore<UuidRecord>;
  readonly channels: PostgresObjectStore<ChannelRecord>;
  readonly memberships: PostgresMembershipStore;
  readonly revocations: PostgresRevocations;
  readonly outbox: PostgresOutbox;
  readonly messages: PostgresMessageStore;
  readonly channelGroups: PostgresChannelGroupStore;
  readonly keysets: PostgresKeysetStore;
  readonly #db: Database;

  private constructor(db: Database, listTimeout: number | undefined) {
    this.#db = db;
    const backend = postgresBackend(db, listTimeout);
    this.uuids = new PostgresObjectStore(db, backend, UUID_TABLE);
    this.channels = new PostgresObjectStore(db, backend, CHANNEL_TABLE);
    this.memberships = new PostgresMembershipStore(db, backend);
    this.revocations = new PostgresRevocations(db);
    this.outbox = new PostgresOutbox(db);
    this.messages = new PostgresMessageStore(db);
    this.channelGroups = new PostgresChannelGroupStore(db);
    this.keysets = new PostgresKeysetStore(db);
  }

  /**
   * Connects to `url` and applies the migrations the database lacks (migrate.ts), so it throws
   * when the server cannot be reached or refuses us.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const db = connect(url, options);
    try {
      await migrate(db);
    } catch (error) {
      await db.end({ timeout: 1 });
      throw new PostgresOpenError(error);
    }
    return new PostgresStore(db, options.listTimeout);
  }

  /** Bulk load (import.ts): multi-row upserts in one transaction; nodes serving the database read the rows once it commits. */
  async import(items: readonly StoredItem[], options: { dryRun?: boolean } = {}): Promise<ImportOutcome[]> {
    return importItems(this.#db, items, options.dryRun === true);
  }

  /** `ANALYZE` of the tables `import` writes (import.ts `IMPORTED_TABLES`), which autovacuum may be off or too far behind to do. */
  async refreshStatistics(): Promise<void> {
    await this.#db.unsafe(`ANALYZE ${IMPORTED_TABLES.join(', ')}`);
  }

  async ping(): Promise<void> {
    await this.#db`SELECT 1`;
  }

  async close(): Promise<void> {
    await this.#db.end({ timeout: 5 });
  }
}
