import { createHash } from 'node:crypto';
import postgres from 'postgres';
import { KEYSET_COLUMNS, mayWrite, publishKeyOf, storedKeyset } from '../keyset-rows.ts';
import { KeysetConflictError, type KeysetStore, type KeysetWrite, type StoredKeyset } from '../store.ts';
import { transaction, type Database, type Runner } from './connection.ts';

/** The statements (exported for the plan tests). */
export const KEYSET_SQL = {
  lock: 'SELECT pg_advisory_xact_lock($1::bigint)',
  get: `SELECT ${KEYSET_COLUMNS} FROM keysets WHERE subscribe_key = $1`,
  list: `SELECT ${KEYSET_COLUMNS} FROM keysets ORDER BY subscribe_key`,
  version: 'SELECT coalesce((SELECT version FROM keyset_registry WHERE id = 1), 0)',
  nextVersion:
    'INSERT INTO keyset_registry (id, version) VALUES (1, 1)' + ' ON CONFLICT (id) DO UPDATE SET version = keyset_registry.version + 1 RETURNING version',
  upsert:
    'INSERT INTO keysets (subscribe_key, publish_key, settings, seed_hash, version, updated) VALUES ($1, $2, $3, $4, $5, $6)' +
    ' ON CONFLICT (subscribe_key) DO UPDATE SET publish_key = excluded.publish_key, settings = excluded.settings,' +
    ' seed_hash = excluded.seed_hash, version = excluded.version, updated = excluded.updated',
};

/** The unique constraint of migration 8 on `keysets.publish_key`. */
const PUBLISH_KEY_CONSTRAINT = 'keysets_publish_key';

/** The advisory-lock key every keyset write takes; its text differs from those of locks.ts and channel-group-store.ts. */
const REGISTRY_LOCK = String(createHash('sha256').update('keyset-registry').digest().readBigInt64BE(0));

type Row = unknown[];

function isPublishKeyTaken(error: unknown): boolean {
  return error instanceof postgres.PostgresError && error.code === '23505' && error.constraint_name === PUBLISH_KEY_CONSTRAINT;
}

/**
 * Keysets in PostgreSQL (migration 8), shared by every node: `keysets` keyed by subscribe key
 * with a unique publish key, and the registry's version in the one row of `keyset_registry`
 * (absent until the first write). Every write first takes one transaction-scoped advisory lock,
 * so keyset writes run one at a time across nodes: the condition is checked on the row as the
 * last write committed it, and versions commit in the order they are taken, so a node that has
 * read version n has seen every write up to n.
 */
export class PostgresKeysetStore implements KeysetStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async list(): Promise<StoredKeyset[]> {
    return (await rows(this.#db, KEYSET_SQL.list, [])).map(storedKeyset);
  }

  async get(subscribeKey: string): Promise<StoredKeyset | undefined> {
    return read(this.#db, subscribeKey);
  }

  async put(write: KeysetWrite, condition: { ifVersion?: number; ifAbsent?: boolean } = {}): Promise<StoredKeyset | undefined> {
    const publishKey = publishKeyOf(write);
    const { subscribeKey, settings, seedHash } = write;
    return transaction(this.#db, async (tx) => {
      await rows(tx, KEYSET_SQL.lock, [REGISTRY_LOCK]);
      if (!mayWrite(await read(tx, subscribeKey), condition)) return undefined;
      const [[version]] = (await rows(tx, KEYSET_SQL.nextVersion, [])) as [Row];
      const stored: StoredKeyset = { subscribeKey, settings, seedHash, version: Number(version), updated: new Date().toISOString() };
      try {
        await rows(tx, KEYSET_SQL.upsert, [subscribeKey, publishKey, settings, seedHash, stored.version, stored.updated]);
      } catch (error) {
        throw isPublishKeyTaken(error) ? new KeysetConflictError(publishKey) : error;
      }
      return stored;
    });
  }

  async version(): Promise<number> {
    const [[version]] = (await rows(this.#db, KEYSET_SQL.version, [])) as [Row];
    return Number(version);
  }
}

async function read(db: Runner, subscribeKey: string): Promise<StoredKeyset | undefined> {
  const [row] = await rows(db, KEYSET_SQL.get, [subscribeKey]);
  return row === undefined ? undefined : storedKeyset(row);
}

async function rows(db: Runner, sql: string, params: unknown[]): Promise<Row[]> {
  return (await db.unsafe(sql, params as never[], { prepare: true }).values()) as unknown as Row[];
}
