import type { SqlBackend, SqlExecutor } from '../sql/executor.ts';
import type { SqlValue, SqlValues } from '../sql/rows.ts';
import type { Database } from './connection.ts';
import { postgresDialect } from './dialect.ts';

/**
 * List statements vary with the sort and the shape of the filter (values are always bound). The
 * first this many shapes become prepared statements on each connection; later ones run unnamed,
 * so crafted filters cannot pile up statements in the server's memory.
 */
const PREPARED_SHAPES = 256;

/** The shared list SQL on a PostgreSQL pool. */
export class PostgresExecutor implements SqlExecutor {
  readonly #db: Database;
  readonly #prepared = new Set<string>();

  constructor(db: Database) {
    this.#db = db;
  }

  async all(sql: string, params: readonly SqlValue[]): Promise<SqlValues[]> {
    const rows = await this.#db.unsafe(sql, params as SqlValue[], { prepare: this.#prepare(sql) }).values();
    return rows as unknown as SqlValues[]; // text, numbers and keys (read as text) per connection.ts
  }

  async get(sql: string, params: readonly SqlValue[]): Promise<SqlValues | undefined> {
    return (await this.all(sql, params))[0];
  }

  #prepare(sql: string): boolean {
    if (this.#prepared.has(sql)) return true;
    if (this.#prepared.size >= PREPARED_SHAPES) return false;
    this.#prepared.add(sql);
    return true;
  }
}

/** The shared list SQL as PostgreSQL spells and runs it. */
export function postgresBackend(db: Database): SqlBackend {
  return { dialect: postgresDialect, executor: new PostgresExecutor(db) };
}
