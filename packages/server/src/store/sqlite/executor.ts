import type { SqlBackend, SqlExecutor } from '../sql/executor.ts';
import type { SqlValue, SqlValues } from '../sql/rows.ts';
import type { Connection } from './connection.ts';
import type { GroupCommit } from './group-commit.ts';
import type { SqliteOutbox } from './outbox.ts';
import type { StatementCache } from './statements.ts';
import type { StoreObserver } from '../observer.ts';

/** The shared SQL's reads on the SQLite connection: prepared once (statements.ts), run in raw mode. */
export class SqliteExecutor implements SqlExecutor {
  readonly #statements: StatementCache;

  constructor(statements: StatementCache) {
    this.#statements = statements;
  }

  async all(sql: string, params: readonly SqlValue[]): Promise<SqlValues[]> {
    return this.#statements.values(sql).all(...params) as SqlValues[]; // raw mode: arrays of values
  }

  async get(sql: string, params: readonly SqlValue[]): Promise<SqlValues | undefined> {
    return this.#statements.values(sql).get(...params) as SqlValues | undefined;
  }

  /**
   * Rows this connection has changed since it opened (`total_changes()`, rolled-back ones too).
   * No other connection writes the file while the store holds it (lock.ts), so that is every
   * change there is; SQLite's `data_version`, which would tell of other connections' commits,
   * costs a WAL-index read (about 8 µs), far more than the lists it would guard.
   */
  dataVersion(): string {
    return String(this.#statements.get(DATA_VERSION).pluck().get());
  }
}

const DATA_VERSION = 'SELECT total_changes()';

/** What the SQLite stores of one connection share. */
export interface SqliteParts {
  db: Connection;
  statements: StatementCache;
  /** Every write transaction goes through it (group-commit.ts). */
  writes: GroupCommit;
  /** The shared list SQL, spelled and run for SQLite. */
  sql: SqlBackend;
  /** Told of record-cache hits and misses (object-store.ts). */
  observer: StoreObserver;
  /** Where writes record the events they announce, in their own transaction. */
  outbox: SqliteOutbox;
}
