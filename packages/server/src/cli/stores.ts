import { existsSync } from 'node:fs';
import type { Config } from '../config.ts';
import { withoutPasswords } from '../config/without-passwords.ts';
import { isPostgresUrl } from '../store/create.ts';
import { connect } from '../store/postgres/connection.ts';
import { PostgresOpenError, PostgresStore } from '../store/postgres/index.ts';
import { openPostgresSnapshot } from '../store/postgres/snapshot.ts';
import { SqliteStore } from '../store/sqlite/index.ts';
import { DatabaseInUseError, lockFiles } from '../store/sqlite/lock.ts';
import { openSqliteSnapshot } from '../store/sqlite/snapshot.ts';
import type { Store, StoreSnapshot } from '../store/store.ts';

/** A store or snapshot, and how to name its database to the user (no password). */
export interface Opened<T> {
  value: T;
  name: string;
}

/**
 * A consistent read-only snapshot of the database `config` names: the SQLite file `db`, opened
 * read-only without its lock (a node may be serving it), or the PostgreSQL `store`.
 */
export async function openSnapshot(config: Pick<Config, 'store' | 'db'>): Promise<Opened<StoreSnapshot>> {
  if (!isPostgresUrl(config.store)) return { value: openSqliteSnapshot(config.db), name: config.db };
  const db = connect(config.store, { max: 1 });
  try {
    const snapshot = await openPostgresSnapshot(db);
    const close = async () => {
      try {
        await snapshot.close();
      } finally {
        await db.end({ timeout: 5 });
      }
    };
    return { value: { ...snapshot, close }, name: withoutPasswords(config.store) };
  } catch (error) {
    await db.end({ timeout: 1 });
    throw new PostgresOpenError(error);
  }
}

/**
 * The store `config` names, to write to. A SQLite file is opened as a node opens it, taking its
 * lock (lock.ts): while a node serves the file this refuses, naming the node and the lock, so two
 * writers never share a file. PostgreSQL is migrated first (PostgresStore.open) and may be
 * served by nodes meanwhile. A dry run on a SQLite file that does not exist works on an empty
 * database in memory, so it does not create the file.
 */
export async function openTarget(config: Pick<Config, 'store' | 'db' | 'synchronous'>, command: string, dryRun = false): Promise<Opened<Store>> {
  if (isPostgresUrl(config.store)) return { value: await PostgresStore.open(config.store), name: withoutPasswords(config.store) };
  // A dry run against a file that does not exist yet must not create it: every record would be new.
  if (dryRun && !existsSync(config.db)) return { value: new SqliteStore({ path: ':memory:', synchronous: 'normal' }), name: `${config.db} (not created yet)` };
  try {
    return { value: new SqliteStore({ path: config.db, synchronous: config.synchronous }), name: config.db };
  } catch (error) {
    if (!(error instanceof DatabaseInUseError)) throw error;
    throw new Error(
      `${error.message} \`roster ${command}\` writes the file itself and needs its lock (${lockFiles(config.db).lock}): stop the node first, or ${command} into another --db and serve that one.`,
      { cause: error },
    );
  }
}

/**
 * After a bulk load: the store's `refreshStatistics`. The records are in by then, so a failure
 * only warns (stderr), saying how to do it by hand, rather than failing the command.
 */
export async function refreshStatistics(store: Pick<Store, 'refreshStatistics'>, name: string): Promise<void> {
  try {
    await store.refreshStatistics();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`the records are in ${name}, but refreshing its planner statistics failed (${reason}); run ANALYZE on it\n`);
  }
}
