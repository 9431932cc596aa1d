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
    return this.#prepared(sql, () => this.#db.prepare(sql));
  }

  /** The statement in raw mode: rows come back as arrays of values (see rows.ts). */
  values(sql: string): Statement {
    return this.#prepared(`raw\n${sql}`, () => this.#db.prepare(sql).raw(true));
  }

  #prepared(key: string, prepare: () => Statement): Statement {
    let statement = this.#cache.get(key);
    if (statement) {
      this.#cache.delete(key);
    } else {
      statement = prepare();
      if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
    }
    this.#cache.set(key, statement);
    return statement;
  }
}
