import type { Log } from '../model/log.ts';
import type { StoreObserver } from './observer.ts';
import { PostgresStore } from './postgres/index.ts';
import { SqliteStore } from './sqlite/index.ts';
import type { Store } from './store.ts';

/** What picks and opens a store: the `store`, `db` and `synchronous` settings of config.ts. */
export interface StoreConfig {
  /** `sqlite` for the SQLite file `db`, or a `postgres://` / `postgresql://` URL of a shared database. */
  store?: string;
  /** The SQLite database file, or `:memory:` for a store that lives and dies with the process. */
  db: string;
  /** `full` also survives power loss, `normal` a process crash (connection.ts). */
  synchronous: 'normal' | 'full';
}

/** Whether `store` names a PostgreSQL database. */
export function isPostgresUrl(store: string | undefined): store is string {
  return store !== undefined && /^postgres(ql)?:\/\//i.test(store);
}

/**
 * Opens the store the configuration names: PostgreSQL for a `postgres://` URL (migrated on
 * open), else SQLite. Nowhere else needs to know which is running. Throws what the backend
 * throws on open (sqlite/index.ts: a database in use, a path that cannot be written;
 * postgres/index.ts: a server that cannot be reached). `parts` go to the SQLite store: where it
 * logs, and who hears of its group commits and record cache (PostgreSQL has neither).
 */
export async function createStore(config: StoreConfig, parts: { log?: Log; observer?: StoreObserver } = {}): Promise<Store> {
  if (isPostgresUrl(config.store)) return PostgresStore.open(config.store);
  return new SqliteStore({ path: config.db, synchronous: config.synchronous, log: parts.log, observer: parts.observer });
}
