import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sortKey } from '../../query/collation.ts';
import { sqlLikeFunction } from '../../query/filter/like.ts';
import { migrate, SORT_KEY_FUNCTION } from './schema.ts';

export type Connection = Database.Database;

export interface ConnectionOptions {
  /** A file path, or `:memory:`. */
  path: string;
  synchronous: 'normal' | 'full';
}

/**
 * The case folding of LIKE: upper case, so LIKE ignores case (also beyond ASCII) but not
 * accents. Sorts use query/collation.ts instead (the `sort_key` function).
 */
export function foldText(text: string): string {
  return text.toUpperCase();
}

function fold(value: unknown): unknown {
  return typeof value === 'string' ? foldText(value) : value;
}

/** `sortKey` for SQL: NULL gets '', a number (not stored in key columns) is read as text. */
function sqlSortKey(value: unknown): string {
  return value === null || value === undefined ? sortKey(null) : sortKey(typeof value === 'string' ? value : String(value));
}

/**
 * Opens the database in WAL mode with foreign keys on. WAL with synchronous=NORMAL keeps every
 * committed transaction across a process crash (kill -9); FULL also across power loss.
 */
export function openConnection(options: ConnectionOptions): Connection {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // 64 MiB of pages (negative: KiB), so the working set of indexes is read from disk once.
  db.pragma('cache_size = -65536');
  db.function('fold', { deterministic: true }, fold);
  // LIKE in linear time (dialect.ts): SQLite's own LIKE costs up to O(text × pattern) per row.
  db.function('like_match', { deterministic: true }, sqlLikeFunction(foldText));
  db.function(SORT_KEY_FUNCTION, { deterministic: true }, sqlSortKey);
  migrate(db);
  return db;
}
