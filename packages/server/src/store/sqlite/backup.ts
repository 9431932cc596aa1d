import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, fsyncSync, linkSync, lstatSync, openSync, realpathSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { sortKey } from '../../query/collation.ts';
import { foldText } from './connection.ts';
import { lockFiles } from './lock.ts';
import { SORT_KEY_FUNCTION } from './schema.ts';

/** A backup that cannot be made, or failed; the message is one line naming the path and why. */
export class BackupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BackupError';
  }
}

/** How `backupDatabase` runs. */
export interface BackupOptions {
  /** Replace a file already at the target (and a `-wal` or `-shm` beside it). @default false */
  force?: boolean;
  /**
   * Pages copied per step while no write comes between steps. A write by the node restarts
   * SQLite's copy at the next step, so after a restart the rest is copied in one step, inside one
   * read transaction, which a writer cannot interrupt. @default 1024
   */
  pagesPerStep?: number;
  /** Told after each step: the database's size in pages and how many are left to copy. */
  onProgress?: (progress: { totalPages: number; remainingPages: number }) => void;
}

/** What a finished backup holds. */
export interface BackupReport {
  /** Absolute paths. */
  source: string;
  target: string;
  /** Pages in the backup, each `pageSize` bytes; `bytes` is the file's size. */
  pages: number;
  pageSize: number;
  bytes: number;
  /** How often a write of the node restarted the copy. */
  restarts: number;
}

/** All remaining pages in one step: better-sqlite3 takes at most 2^31 - 1. */
const ALL_PAGES = 0x7fffffff;
const DEFAULT_PAGES_PER_STEP = 1024;
/** The files SQLite keeps beside a database; a stale one beside a new file would be read as its own. */
const SIDE_FILES = ['-wal', '-shm', '-journal'] as const;

/**
 * Copies the SQLite database `sourcePath` to `targetPath` with SQLite's online backup API, while
 * a node may be writing it: the copy is one consistent state of the database, holding every write
 * committed before the copy's last restart began. The source is opened read-only and its lock
 * (lock.ts) is not taken. The copy goes to `<target>.<pid>.partial` in the target's directory, is
 * checked with `PRAGMA integrity_check` and synced, and only then renamed to the target, so a
 * failed backup never leaves a file under the target's name.
 *
 * @throws BackupError for a source that is missing or not a Roster database, a target that
 * exists (without `force`), a target directory that is missing or not writable, or a copy that
 * fails its integrity check.
 */
export async function backupDatabase(sourcePath: string, targetPath: string, options: BackupOptions = {}): Promise<BackupReport> {
  const source = resolve(sourcePath);
  const target = resolve(targetPath);
  const sourceFile = checkSource(source);
  checkTarget(target, sourceFile, options.force === true, databaseFiles(source));
  const partial = `${target}.${process.pid}.partial`;
  removeWithSideFiles(partial);
  const db = openSource(source);
  try {
    const copied = await copy(db, partial, options);
    const verified = verify(partial);
    syncFile(partial);
    publish(partial, target, options.force === true);
    return { source, target, ...verified, restarts: copied.restarts };
  } catch (error) {
    removeWithSideFiles(partial);
    if (error instanceof BackupError) throw error;
    throw new BackupError(`The backup of ${source} to ${target} failed: ${reason(error)}`, { cause: error });
  } finally {
    db.close();
  }
}

/**
 * The files of database `path` that nothing else may overwrite while a node may serve it: the
 * database, SQLite's `-wal`, `-shm` and `-journal` beside it, and its lock and holder files
 * (lock.ts); as real paths (symbolic links followed). Replacing the `-wal` of a running node loses
 * the writes not yet checkpointed into the database; replacing its lock lets a second node in.
 */
export function databaseFiles(path: string): string[] {
  const real = realFile(resolve(path));
  const { lock, holder } = lockFiles(path);
  return [real, ...SIDE_FILES.map((suffix) => `${real}${suffix}`), lock, holder, ...SIDE_FILES.map((suffix) => `${lock}${suffix}`)];
}

/** `path` with its directory's symbolic links resolved, and its own when it is one that resolves. */
export function realFile(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
}

/**
 * Which of `files` the existing file `path` is, by name or by inode (another name for the same
 * file), if any.
 */
export function sameFileAs(path: string, files: readonly string[]): string | undefined {
  const real = realFile(path);
  const byName = files.find((file) => file === real);
  if (byName !== undefined) return byName;
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return undefined;
  return files.find((file) => {
    const other = statSync(file, { throwIfNoEntry: false });
    return other !== undefined && other.dev === stats.dev && other.ino === stats.ino;
  });
}

function checkSource(source: string): Stats {
  const stats = statOrFail(source, `Cannot read the database ${source}`);
  if (stats === undefined) throw new BackupError(`The database ${source} does not exist: give the node's database with --db, --config or ROSTER_DB`);
  if (stats.isDirectory()) throw new BackupError(`The database path ${source} is a directory; --db takes the database file`);
  return stats;
}

function checkTarget(target: string, source: Stats, force: boolean, sourceFiles: readonly string[]): void {
  const directory = dirname(target);
  const parent = statOrFail(directory, `Cannot use the backup directory ${directory}`);
  if (parent === undefined) throw new BackupError(`The backup directory ${directory} does not exist`);
  if (!parent.isDirectory()) throw new BackupError(`The backup path ${target} is inside ${directory}, which is not a directory`);
  const existing = statOrFail(target, `Cannot use the backup path ${target}`);
  if (existing?.isDirectory()) throw new BackupError(`The backup path ${target} is a directory; give the name of the file to write`);
  if (existing && existing.dev === source.dev && existing.ino === source.ino) {
    throw new BackupError(`The backup path ${target} is the database itself; give another file`);
  }
  const ownFile = sameFileAs(target, sourceFiles);
  if (ownFile !== undefined) throw new BackupError(`The backup path ${target} is ${ownFile}, a file the node keeps beside its database; give another file`);
  const link = lstatOrFail(target, `Cannot use the backup path ${target}`);
  if (link?.isSymbolicLink()) throw new BackupError(`The backup path ${target} is a symbolic link; give the path of the file itself`);
  if (existing !== undefined && !existing.isFile()) {
    throw new BackupError(`The backup path ${target} is not a regular file (a device, FIFO or socket), which --force would replace; give a file`);
  }
  const taken = [target, ...SIDE_FILES.map((suffix) => `${target}${suffix}`)].find((file) => statOrFail(file, `Cannot use ${file}`) !== undefined);
  if (taken !== undefined && !force) throw new BackupError(`The backup path ${taken} already exists; give --force to replace it`);
  try {
    accessSync(directory, constants.W_OK);
  } catch (error) {
    throw new BackupError(`The backup directory ${directory} is not writable: ${reason(error)}`, { cause: error });
  }
}

/** Read-only, and never created: a missing file is an error rather than a new empty database. */
function openSource(source: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(source, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name IN ('uuids', 'channels', 'memberships')`).get() as {
      n: number;
    };
    if (version === 0 || tables.n < 3) throw new BackupError(`The file ${source} is a SQLite database but not a Roster one (no Roster tables)`);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof BackupError) throw error;
    throw new BackupError(`Cannot read the database ${source}: ${reason(error)}`, { cause: error });
  }
}

async function copy(db: Database.Database, partial: string, options: BackupOptions): Promise<{ restarts: number }> {
  const pagesPerStep = options.pagesPerStep ?? DEFAULT_PAGES_PER_STEP;
  let restarts = 0;
  let step = pagesPerStep;
  let lastRemaining = Number.POSITIVE_INFINITY;
  await db.backup(partial, {
    progress: (progress) => {
      options.onProgress?.(progress);
      // SQLite starts over from page 1 at the step after another connection wrote.
      if (progress.remainingPages >= lastRemaining) {
        restarts++;
        step = ALL_PAGES;
      }
      lastRemaining = progress.remainingPages;
      return step;
    },
  });
  return { restarts };
}

/**
 * Checks the copy as SQLite reads it, indexes included; returns its size. The key columns' functions
 * are those connection.ts registers, but the copy is not migrated: it stays the state it was taken in.
 */
function verify(partial: string): Omit<BackupReport, 'source' | 'target' | 'restarts'> {
  const db = new Database(partial, { fileMustExist: true });
  try {
    db.function('fold', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? foldText(value) : value));
    db.function(SORT_KEY_FUNCTION, { deterministic: true }, (value: unknown) => sortKey(value === null || value === undefined ? null : String(value)));
    const problems = (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check);
    if (problems.length !== 1 || problems[0] !== 'ok') {
      throw new BackupError(`The backup failed its integrity check, so it was not kept: ${problems.slice(0, 3).join('; ')}`);
    }
    const pages = db.pragma('page_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    return { pages, pageSize, bytes: pages * pageSize };
  } finally {
    db.close();
  }
}

/** Moves the checked copy to its name: without `force`, a link that fails if the name was taken meanwhile. */
function publish(partial: string, target: string, force: boolean): void {
  if (force) {
    for (const suffix of SIDE_FILES) rmSync(`${target}${suffix}`, { force: true });
    renameSync(partial, target);
  } else {
    try {
      linkSync(partial, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupError(`The backup path ${target} already exists; give --force to replace it`);
      throw error;
    }
    rmSync(partial);
  }
  syncFile(dirname(target));
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeWithSideFiles(path: string): void {
  for (const suffix of ['', ...SIDE_FILES]) rmSync(`${path}${suffix}`, { force: true });
}

function statOrFail(path: string, what: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    throw new BackupError(`${what}: ${reason(error)}`, { cause: error });
  }
}

function lstatOrFail(path: string, what: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (error) {
    throw new BackupError(`${what}: ${reason(error)}`, { cause: error });
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'EROFS':
      return 'read-only file system (EROFS)';
    case 'ENOSPC':
    case 'SQLITE_FULL':
      return 'no space left on the device';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory (ENOTDIR)';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
