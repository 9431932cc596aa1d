import { SqliteStore } from './sqlite/index.ts';
import type { Store } from './store.ts';

/** What picks and opens a store: the `db` and `synchronous` settings of config.ts. */
export interface StoreConfig {
  /** The SQLite database file, or `:memory:` for a store that lives and dies with the process. */
  db: string;
  /** `full` also survives power loss, `normal` a process crash (connection.ts). */
  synchronous: 'normal' | 'full';
}

/**
 * Opens the store the configuration names. SQLite is the one backend today; a second one is
 * chosen here, and nowhere else needs to know which is running. Throws what the backend throws
 * on open (sqlite/index.ts: a database in use, a path that cannot be written).
 */
export function createStore(config: StoreConfig): Store {
  return new SqliteStore({ path: config.db, synchronous: config.synchronous });
}
