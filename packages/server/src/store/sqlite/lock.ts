import Database from 'better-sqlite3';
import { readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

/** Who holds a database's lock, as the holder wrote it in `<db>-holder.json`. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO 8601 time the holder took the lock. */
  startedAt: string;
}

/**
 * The files next to database `<db>`: the lock itself and what names its holder. Beside the real
 * file, as SQLite keeps `-wal` there too: a symbolic link to the database names the same lock.
 */
export function lockFiles(databasePath: string): { lock: string; holder: string } {
  const path = realPath(resolve(databasePath));
  return { lock: `${path}-lock`, holder: `${path}-holder.json` };
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // not created yet: a new file at this path
  }
}

/** Another process holds the database's lock; the message names the file and the holder. */
export class DatabaseInUseError extends Error {
  readonly path: string;
  readonly holder: LockHolder | undefined;

  constructor(path: string, holder: LockHolder | undefined) {
    const who = holder
      ? `pid ${holder.pid} on host ${holder.host}, since ${holder.startedAt}`
      : `holder unknown: ${lockFiles(path).holder} is missing or unreadable`;
    super(`The database ${path} is in use by another Roster node (${who}). One database file serves one node: stop that node or give this one another --db.`);
    this.name = 'DatabaseInUseError';
    this.path = path;
    this.holder = holder;
  }
}

/**
 * One writer per database file. The lock is SQLite's own exclusive lock (POSIX `fcntl`) on a
 * separate, always empty file `<db>-lock`, held by a connection of its own for as long as the
 * node runs: the operating system drops it when the process ends however it ends (kill -9
 * included), so there is no stale lock to clean up, and the database's own connections (the
 * writer and the checkpoint thread) are untouched by it.
 *
 * Nothing else in the process may open `<db>-lock`: closing any descriptor of a file drops the
 * process's `fcntl` locks on it (SQLite guards only its own connections against that).
 */
export class DatabaseLock {
  readonly path: string;
  readonly #connection: Database.Database;
  readonly #holderFile: string;

  private constructor(path: string, connection: Database.Database) {
    this.path = path;
    this.#connection = connection;
    this.#holderFile = lockFiles(path).holder;
  }

  /**
   * Takes the lock of database `databasePath` at once, or throws `DatabaseInUseError` naming
   * the holder. Writes `<db>-holder.json` (pid, host, start time) for a refused node to name.
   */
  static acquire(databasePath: string): DatabaseLock {
    const path = resolve(databasePath);
    const connection = new Database(lockFiles(path).lock, { timeout: 0 });
    try {
      // A transaction that never writes: it only holds the lock, and the file stays empty.
      connection.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      connection.close();
      if ((error as { code?: unknown }).code === 'SQLITE_BUSY') throw new DatabaseInUseError(path, readHolder(path));
      throw error;
    }
    const lock = new DatabaseLock(path, connection);
    lock.#writeHolder();
    return lock;
  }

  /** Whether this lock is still held (until `release`). */
  get held(): boolean {
    return this.#connection.open;
  }

  /** Gives the lock up; the holder file goes first, so it never names a later holder wrongly. */
  release(): void {
    if (!this.#connection.open) return;
    rmSync(this.#holderFile, { force: true });
    this.#connection.close();
  }

  /**
   * Names this process as the holder, replacing what a previous holder (perhaps killed) left.
   * Best effort: a node that cannot write it (a full disk) still runs, and a refused node then
   * says the holder is unknown.
   */
  #writeHolder(): void {
    const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    const partial = `${this.#holderFile}.${process.pid}.tmp`;
    try {
      rmSync(this.#holderFile, { force: true });
      writeFileSync(partial, `${JSON.stringify(holder)}\n`);
      renameSync(partial, this.#holderFile);
    } catch {
      rmSync(partial, { force: true });
    }
  }
}

/** The holder `<db>-holder.json` names, if it exists and reads as one. */
export function readHolder(databasePath: string): LockHolder | undefined {
  try {
    const value = JSON.parse(readFileSync(lockFiles(databasePath).holder, 'utf8')) as Partial<LockHolder> | null;
    if (typeof value?.pid !== 'number' || typeof value.host !== 'string' || typeof value.startedAt !== 'string') return undefined;
    return { pid: value.pid, host: value.host, startedAt: value.startedAt };
  } catch {
    return undefined;
  }
}
