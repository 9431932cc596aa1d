import type { Statement } from 'better-sqlite3';
import type { Connection } from './connection.ts';

const MAX_CACHED = 500;

type Mode = 'plain' | 'raw' | 'pluck';

/** The statements of one SQL text, by how they return rows, and when one was last asked for. */
interface Entry {
  statements: Partial<Record<Mode, Statement>>;
  used: number;
}

/**
 * Prepared statements by SQL text. List queries vary with sort and filter shape (values are
 * always bound), so the same shapes recur and are prepared once. The least recently used text
 * goes when the cache is full; a hit only stamps its entry (the texts are mostly constants, so
 * looking one up costs no hashing either).
 */
export class StatementCache {
  readonly #db: Connection;
  readonly #cache = new Map<string, Entry>();
  #clock = 0;

  constructor(db: Connection) {
    this.#db = db;
  }

  get(sql: string): Statement {
    return this.#prepared(sql, 'plain');
  }

  /** The statement in raw mode: rows come back as arrays of values (see rows.ts). */
  values(sql: string): Statement {
    return this.#prepared(sql, 'raw');
  }

  /** The statement in pluck mode: each row comes back as its first value alone. */
  column(sql: string): Statement {
    return this.#prepared(sql, 'pluck');
  }

  #prepared(sql: string, mode: Mode): Statement {
    let entry = this.#cache.get(sql);
    if (entry === undefined) {
      if (this.#cache.size >= MAX_CACHED) this.#evict();
      entry = { statements: {}, used: 0 };
      this.#cache.set(sql, entry);
    }
    entry.used = ++this.#clock;
    let statement = entry.statements[mode];
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      if (mode === 'raw') statement.raw(true);
      else if (mode === 'pluck') statement.pluck(true);
      entry.statements[mode] = statement;
    }
    return statement;
  }

  /** Drops the least recently used text: a scan, but only when a text not seen lately must be prepared anyway. */
  #evict(): void {
    let oldest: string | undefined;
    let used = Number.POSITIVE_INFINITY;
    for (const [sql, entry] of this.#cache) {
      if (entry.used < used) {
        used = entry.used;
        oldest = sql;
      }
    }
    if (oldest !== undefined) this.#cache.delete(oldest);
  }
}
