import Database from 'better-sqlite3';
import { readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { DatabasePathError } from './directory.ts';
import { STDERR_LOG, type Log } from '../../model/log.ts';

/** Who holds a database's lock, as the holder wrote it in `<db>-holder.json`. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO 8601 time the holder took the lock. */
  startedAt: string;
}

/**
 * The files next to database `<db>`: the lock itself and what names its holder. Beside the real
 * file, as SQLite keeps `-wal` there too: a symbolic link to the database names the same lock,
 * even a link made before the database exists (SQLite follows it and creates the file at its
 * target). Throws `DatabasePathError` for a path through too many links (a loop).
 */
export function lockFiles(databasePath: string): { lock: string; holder: string } {
  const path = realPath(resolve(databasePath));
  return { lock: `${path}-lock`, holder: `${path}-holder.json` };
}

/** As many links as Linux follows in one lookup before ELOOP. */
const MAX_LINKS = 40;

/** `realpath` of a file that may not exist yet: a dangling link is followed to where it points. */
function realPath(path: string): string {
  let current = path;
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    try {
      return realpathSync(current);
    } catch {
      // missing, or a link to something missing: follow one link by hand
    }
    let target: string;
    try {
      target = readlinkSync(current);
    } catch {
      return join(realDirectory(dirname(current)), basename(current)); // not created yet
    }
    current = resolve(dirname(current), target);
  }
  throw new DatabasePathError(`The database path ${path} goes through more than ${MAX_LINKS} symbolic links (a loop?)`);
}

function realDirectory(directory: string): string {
  try {
    return realpathSync(directory);
  } catch {
    return directory;
  }
}

/**
 * Refuses a database file with more than one name: each name would get a lock of its own, and
 * two nodes would write one file with separate WALs.
 */
function refuseHardLinks(path: string): void {
  const real = realPath(path);
  const links = statSync(real, { throwIfNoEntry: false })?.nlink ?? 1;
  if (links <= 1) return;
  throw new DatabasePathError(
    `The database file ${real} has ${links} hard links: another name for the same file would take a lock of its own and let a second node write it. One database file serves one node: remove the other names (find them with \`find / -samefile ${real}\`) or give this node a copy.`,
  );
}

/** The lock file was replaced while this node held it, and another node locked the new one. */
export class DatabaseLockLostError extends Error {
  readonly path: string;

  constructor(path: string, holder: LockHolder | undefined) {
    const who = holder ? `pid ${holder.pid} on host ${holder.host}` : 'holder unknown';
    super(
      `The lock file ${lockFiles(path).lock} of database ${path} was deleted or replaced while this node held it, and another Roster node (${who}) has locked the new one. Two nodes now write one file: this node stops.`,
    );
    this.name = 'DatabaseLockLostError';
    this.path = path;
  }
}

/** How a held lock watches its file; the defaults suit a node. */
export interface LockWatch {
  /** Milliseconds between checks that `<db>-lock` is still the file locked (default 5000). */
  checkEveryMs?: number;
  /** Told when the lock file was deleted or replaced and this node locked it anew (default: a warning to `log`). */
  onRetaken?: (message: string) => void;
  /**
   * Told when another node locked the replacement first (default: log the error and stop the
   * process with SIGTERM, which a node answers by finishing requests and closing the database).
   */
  onLost?: (error: DatabaseLockLostError) => void;
  /** Where the default `onRetaken` and `onLost` report (default: stderr). */
  log?: Log | undefined;
}

function defaultWatch(log: Log): Required<LockWatch> {
  return {
    checkEveryMs: 5_000,
    log,
    onRetaken: (message) => log.warn({}, message),
    onLost: (error) => {
      log.error({}, error.message);
      process.kill(process.pid, 'SIGTERM');
    },
  };
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
 * A lock on a file is lost with the file's name: if `<db>-lock` is deleted (or replaced), a second
 * node would lock a new file of that name. So the holder checks every few seconds that the name
 * still is the file it locked; if not, it locks the new file itself, or, when another node got
 * there first, reports the lock lost (by default stopping this node). Between a deletion and the
 * next check, a second node can start: the window is `checkEveryMs`.
 *
 * Nothing else in the process may open `<db>-lock`: closing any descriptor of a file drops the
 * process's `fcntl` locks on it (SQLite guards only its own connections against that).
 */
export class DatabaseLock {
  readonly path: string;
  #connection: Database.Database;
  #locked: FileIdentity;
  readonly #files: { lock: string; holder: string };
  readonly #watch: Required<LockWatch>;
  readonly #timer: NodeJS.Timeout;

  private constructor(path: string, taken: Taken, watch: Required<LockWatch>) {
    this.path = path;
    this.#connection = taken.connection;
    this.#locked = taken.identity;
    this.#files = lockFiles(path);
    this.#watch = watch;
    this.#timer = setInterval(() => this.verify(), watch.checkEveryMs).unref();
  }

  /**
   * Takes the lock of database `databasePath` at once, or throws `DatabaseInUseError` naming
   * the holder, or `DatabasePathError` when the database file has other hard links. Writes
   * `<db>-holder.json` (pid, host, start time) for a refused node to name.
   */
  static acquire(databasePath: string, watch: LockWatch = {}): DatabaseLock {
    const path = resolve(databasePath);
    refuseHardLinks(path);
    const taken = take(lockFiles(path).lock);
    if (taken === 'busy') throw new DatabaseInUseError(path, readHolder(path));
    const lock = new DatabaseLock(path, taken, { ...defaultWatch(watch.log ?? STDERR_LOG), ...watch });
    lock.#writeHolder();
    return lock;
  }

  /** Whether this lock is still held (until `release`, or until it is lost). */
  get held(): boolean {
    return this.#connection.open;
  }

  /** Gives the lock up; the holder file goes first, so it never names a later holder wrongly. */
  release(): void {
    clearInterval(this.#timer);
    if (!this.#connection.open) return;
    rmSync(this.#holderFile, { force: true });
    this.#connection.close();
  }

  get #holderFile(): string {
    return this.#files.holder;
  }

  /**
   * What the timer does every `checkEveryMs`: if `<db>-lock` no longer names the file this lock
   * holds, locks the file now there (calling `onRetaken`) or, when another process holds it,
   * gives this lock up and calls `onLost`.
   */
  verify(): void {
    if (!this.#connection.open) return;
    const now = identityOf(this.#files.lock);
    if (now !== undefined && now.dev === this.#locked.dev && now.ino === this.#locked.ino) return;
    let taken: Taken | 'busy';
    try {
      taken = take(this.#files.lock);
    } catch (error) {
      this.#watch.onRetaken(
        `The lock file ${this.#files.lock} is gone and cannot be made again (${String(error)}); retrying in ${this.#watch.checkEveryMs} ms`,
      );
      return;
    }
    if (taken === 'busy') {
      const holder = readHolder(this.path);
      clearInterval(this.#timer);
      this.#connection.close(); // not ours any more: the holder file now names the other node
      this.#watch.onLost(new DatabaseLockLostError(this.path, holder));
      return;
    }
    this.#connection.close();
    this.#connection = taken.connection;
    this.#locked = taken.identity;
    this.#writeHolder();
    this.#watch.onRetaken(
      `The lock file ${this.#files.lock} of database ${this.path} was deleted or replaced while this node held it; it has been locked again. Do not delete it while the node runs.`,
    );
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

/** Device and inode: which file a name stands for. */
interface FileIdentity {
  dev: number;
  ino: number;
}

interface Taken {
  connection: Database.Database;
  identity: FileIdentity;
}

function identityOf(path: string): FileIdentity | undefined {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats && { dev: stats.dev, ino: stats.ino };
}

/** Locks the file `lockPath` (creating it) at once, or 'busy' when another process holds it. */
function take(lockPath: string): Taken | 'busy' {
  const connection = new Database(lockPath, { timeout: 0 });
  try {
    // A transaction that never writes: it only holds the lock, and the file stays empty.
    connection.exec('BEGIN EXCLUSIVE');
    const identity = identityOf(lockPath);
    if (identity === undefined) throw new Error(`${lockPath} vanished as it was locked`);
    return { connection, identity };
  } catch (error) {
    connection.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return 'busy';
    throw error;
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
