import type { ChannelRecord, UuidRecord } from '../../objects/records.ts';
import type { Store } from '../store.ts';
import { openConnection, type Connection, type ConnectionOptions } from './connection.ts';
import { SqliteMembershipStore } from './membership-store.ts';
import { CHANNEL_TABLE, SqliteObjectStore, UUID_TABLE } from './object-store.ts';
import { StatementCache } from './statements.ts';

/** The embedded store: one SQLite file in WAL mode. */
export class SqliteStore implements Store {
  readonly uuids: SqliteObjectStore<UuidRecord>;
  readonly channels: SqliteObjectStore<ChannelRecord>;
  readonly memberships: SqliteMembershipStore;
  readonly db: Connection;

  constructor(options: ConnectionOptions) {
    this.db = openConnection(options);
    const statements = new StatementCache(this.db);
    this.uuids = new SqliteObjectStore(this.db, statements, UUID_TABLE);
    this.channels = new SqliteObjectStore(this.db, statements, CHANNEL_TABLE);
    this.memberships = new SqliteMembershipStore(this.db, statements);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
