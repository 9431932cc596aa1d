import type { Statement } from 'better-sqlite3';
import type { Connection } from './connection.ts';

const MAX_CACHED = 500;

/**
 * Prepared statements by SQL text. List queries vary with sort and filter shape (values are
 * always bound), so the same shapes recur and are prepared once.
 */
export class StatementCache {
  readonly #db: Connection;
  readonly #cache = new Map<string, Statement>();

  constructor(db: Connection) {
    this.#db = db;
  }

  get(sql: string): Statement {
    let statement = this.#cache.get(sql);
    if (statement) {
      this.#cache.delete(sql);
    } else {
      statement = this.#db.prepare(sql);
      if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
    }
    this.#cache.set(sql, statement);
    return statement;
  }
}
