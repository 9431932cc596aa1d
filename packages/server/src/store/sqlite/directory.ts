import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The database path cannot be used; the message is one line naming the path and why. */
export class DatabasePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabasePathError';
  }
}

/**
 * Makes sure SQLite can create and write the database file `databasePath` and the files it keeps
 * beside it (`-wal`, `-shm`, `-lock`): creates missing directories (as `npm start` does for
 * `./data`), and otherwise throws a `DatabasePathError` such as
 * `The database directory /srv/roster is not writable: read-only file system (EROFS)`.
 */
export function prepareDatabasePath(databasePath: string): void {
  const path = resolve(databasePath);
  const directory = dirname(path);
  createDirectory(directory);
  attempt(() => accessSync(directory, constants.W_OK), `The database directory ${directory} is not writable`);
  const file = statOf(path);
  if (file?.isDirectory()) throw new DatabasePathError(`The database path ${path} is a directory; --db takes a file`);
  if (file) attempt(() => accessSync(path, constants.R_OK | constants.W_OK), `The database file ${path} is not writable`);
}

/** `mkdir -p`, a level at a time: Node's own recursive mkdir never returns on some paths (under /proc). */
function createDirectory(directory: string): void {
  const existing = statOf(directory);
  if (existing?.isDirectory()) return;
  if (existing) throw new DatabasePathError(`Cannot create the database directory ${directory}: a file of that name is in the way`);
  const parent = dirname(directory);
  if (parent !== directory) createDirectory(parent);
  attempt(() => {
    try {
      mkdirSync(directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // made meanwhile: fine
    }
  }, `Cannot create the database directory ${directory}`);
}

function statOf(path: string): Stats | undefined {
  let stats: Stats | undefined;
  attempt(() => (stats = statSync(path, { throwIfNoEntry: false })), `Cannot use the database path ${path}`);
  return stats;
}

/** Runs `step`; a failure becomes a DatabasePathError of `what` and the reason. */
function attempt(step: () => unknown, what: string): void {
  try {
    step();
  } catch (error) {
    throw new DatabasePathError(`${what}: ${reason(error)}`);
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'EROFS':
      return 'read-only file system (EROFS)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'ENOENT':
      return 'it cannot be created there (ENOENT)';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory (ENOTDIR)';
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC)';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
