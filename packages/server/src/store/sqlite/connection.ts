import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './schema.ts';

export type Connection = Database.Database;

export interface ConnectionOptions {
  /** A file path, or `:memory:`. */
  path: string;
  synchronous: 'normal' | 'full';
}

/**
 * Case folding shared by LIKE, string sorts and the indexes behind them. Upper case, so that
 * `_` sorts after letters as in PubNub's recorded orders (`somechannelid` < `somechannel_x`).
 */
export function foldText(text: string): string {
  return text.toUpperCase();
}

function fold(value: unknown): unknown {
  return typeof value === 'string' ? foldText(value) : value;
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
  migrate(db);
  return db;
}
