import Database, { type Statement } from 'better-sqlite3';
import { KEYSET_COLUMNS, mayWrite, publishKeyOf, storedKeyset } from '../keyset-rows.ts';
import { KeysetConflictError, type KeysetStore, type KeysetWrite, type StoredKeyset } from '../store.ts';
import type { Connection } from './connection.ts';
import type { GroupCommit } from './group-commit.ts';

/** The statements (exported for the plan tests). */
export const KEYSET_SQL = {
  get: `SELECT ${KEYSET_COLUMNS} FROM keysets WHERE subscribe_key = ?`,
  list: `SELECT ${KEYSET_COLUMNS} FROM keysets ORDER BY subscribe_key`,
  version: 'SELECT coalesce((SELECT version FROM keyset_registry WHERE id = 1), 0)',
  nextVersion:
    'INSERT INTO keyset_registry (id, version) VALUES (1, 1)' + ' ON CONFLICT (id) DO UPDATE SET version = keyset_registry.version + 1 RETURNING version',
  upsert:
    'INSERT INTO keysets (subscribe_key, publish_key, settings, seed_hash, version, updated) VALUES (?, ?, ?, ?, ?, ?)' +
    ' ON CONFLICT (subscribe_key) DO UPDATE SET publish_key = excluded.publish_key, settings = excluded.settings,' +
    ' seed_hash = excluded.seed_hash, version = excluded.version, updated = excluded.updated',
};

type Statements = Record<keyof typeof KEYSET_SQL, Statement>;

/** Whether `error` is the unique index on `keysets.publish_key` refusing a second keyset. */
function isPublishKeyTaken(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE' && error.message.includes('keysets.publish_key');
}

/**
 * Keysets in SQLite (schema migration 7): `keysets` keyed by subscribe key with a unique
 * publish key, and the registry's version in the one row of `keyset_registry`. A write is a
 * unit of the store's group commit (group-commit.ts): one writer, so the row its condition is
 * checked on cannot change before it commits, and a refused write rolls back its version too.
 */
export class SqliteKeysetStore implements KeysetStore {
  readonly #writes: GroupCommit;
  readonly #s: Statements;

  constructor(db: Connection, writes: GroupCommit) {
    this.#writes = writes;
    const raw = (sql: string) => db.prepare(sql).raw();
    this.#s = {
      get: raw(KEYSET_SQL.get),
      list: raw(KEYSET_SQL.list),
      version: db.prepare(KEYSET_SQL.version).pluck(),
      nextVersion: db.prepare(KEYSET_SQL.nextVersion).pluck(),
      upsert: db.prepare(KEYSET_SQL.upsert),
    };
  }

  async list(): Promise<StoredKeyset[]> {
    return (this.#s.list.all() as unknown[][]).map(storedKeyset);
  }

  async get(subscribeKey: string): Promise<StoredKeyset | undefined> {
    return this.#read(subscribeKey);
  }

  async put(write: KeysetWrite, condition: { ifVersion?: number; ifAbsent?: boolean } = {}): Promise<StoredKeyset | undefined> {
    const publishKey = publishKeyOf(write);
    return this.#writes.run(() => {
      if (!mayWrite(this.#read(write.subscribeKey), condition)) return undefined;
      const { subscribeKey, settings, seedHash } = write;
      const stored: StoredKeyset = { subscribeKey, settings, seedHash, version: this.#s.nextVersion.get() as number, updated: new Date().toISOString() };
      try {
        this.#s.upsert.run(subscribeKey, publishKey, settings, seedHash, stored.version, stored.updated);
      } catch (error) {
        throw isPublishKeyTaken(error) ? new KeysetConflictError(publishKey) : error;
      }
      return stored;
    });
  }

  async version(): Promise<number> {
    return this.#s.version.get() as number;
  }

  #read(subscribeKey: string): StoredKeyset | undefined {
    const row = this.#s.get.get(subscribeKey) as unknown[] | undefined;
    return row === undefined ? undefined : storedKeyset(row);
  }
}
