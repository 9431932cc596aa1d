import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, linkSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from './index.ts';
import { DatabasePathError } from './directory.ts';
import { DatabaseInUseError, DatabaseLock, type DatabaseLockLostError, lockFiles, readHolder } from './lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-lock-'));
let databases = 0;
const freshPath = () => join(dir, `db-${++databases}.db`);
const LOCK_MODULE = fileURLToPath(new URL('./lock.ts', import.meta.url));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Another process that takes the lock of `path` and keeps it until killed. */
async function holderProcess(path: string): Promise<ChildProcess> {
  const source = `import { DatabaseLock } from ${JSON.stringify(LOCK_MODULE)};
DatabaseLock.acquire(${JSON.stringify(path)});
console.log('held');
setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((done, fail) => {
    child.stdout!.once('data', () => done());
    child.once('exit', (code) => fail(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

const refusal = (take: () => unknown): DatabaseInUseError => {
  try {
    take();
  } catch (error) {
    if (error instanceof DatabaseInUseError) return error;
    throw error;
  }
  throw new Error('the lock was granted twice');
};

describe('DatabaseLock', () => {
  it('refuses a second holder, naming the database file and the holder', () => {
    const path = freshPath();
    const lock = DatabaseLock.acquire(path);
    try {
      const refused = refusal(() => DatabaseLock.acquire(path));
      expect(refused.holder).toEqual({ pid: process.pid, host: hostname(), startedAt: expect.any(String) });
      expect(refused.message).toContain(`The database ${path} is in use by another Roster node (pid ${process.pid} on host ${hostname()}, since `);
      expect(lock.held).toBe(true);
    } finally {
      lock.release();
    }
  });

  it('is free again once released, and leaves no holder file behind', () => {
    const path = freshPath();
    DatabaseLock.acquire(path).release();
    expect(existsSync(lockFiles(path).holder)).toBe(false);
    const again = DatabaseLock.acquire(path);
    expect(readHolder(path)?.pid).toBe(process.pid);
    again.release();
    expect(statSync(lockFiles(path).lock).size).toBe(0); // the lock file only ever carries the lock
  });

  it('is refused while another process holds it, and free at once after that process is killed with SIGKILL', async () => {
    const path = freshPath();
    const holder = await holderProcess(path);
    try {
      expect(refusal(() => DatabaseLock.acquire(path)).holder?.pid).toBe(holder.pid);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((done) => holder.once('exit', done));
    }
    // The dead holder's file is still there, but the lock went with the process.
    expect(readHolder(path)?.pid).toBe(holder.pid);
    const lock = DatabaseLock.acquire(path);
    expect(readHolder(path)?.pid).toBe(process.pid);
    lock.release();
  });

  it('is the same lock through a symbolic link to the database file', () => {
    const path = freshPath();
    writeFileSync(path, '');
    const link = join(dir, 'link-to-db.db');
    symlinkSync(path, link);
    const lock = DatabaseLock.acquire(path);
    try {
      expect(refusal(() => DatabaseLock.acquire(link)).message).toContain(`The database ${link} is in use`);
    } finally {
      lock.release();
    }
  });

  it('refuses a database file with another hard link, naming the file: each name would get a lock of its own', () => {
    const path = freshPath();
    writeFileSync(path, '');
    const other = join(dir, 'hard-link.db');
    linkSync(path, other);
    try {
      expect(() => DatabaseLock.acquire(other)).toThrow(DatabasePathError);
      expect(() => DatabaseLock.acquire(other)).toThrow(`The database file ${other} has 2 hard links`);
      expect(() => DatabaseLock.acquire(path)).toThrow(`The database file ${path} has 2 hard links`);
    } finally {
      rmSync(other);
    }
    DatabaseLock.acquire(path).release(); // one name again: fine
  });

  it('follows a symbolic link made before the database exists to the file SQLite will create', () => {
    const target = freshPath();
    const link = join(dir, 'dangling.db');
    const chain = join(dir, 'dangling-to-dangling.db');
    symlinkSync(target, link);
    symlinkSync(link, chain);
    expect(existsSync(target)).toBe(false);
    expect(lockFiles(chain).lock).toBe(`${target}-lock`);
    const lock = DatabaseLock.acquire(link);
    try {
      expect(refusal(() => DatabaseLock.acquire(target)).message).toContain(`The database ${target} is in use`);
      expect(refusal(() => DatabaseLock.acquire(chain)).message).toContain(`The database ${chain} is in use`);
    } finally {
      lock.release();
    }
  });

  it('refuses a path whose symbolic links go round in a loop', () => {
    const one = join(dir, 'loop-1.db');
    const two = join(dir, 'loop-2.db');
    symlinkSync(two, one);
    symlinkSync(one, two);
    expect(() => DatabaseLock.acquire(one)).toThrow(`The database path ${one} goes through more than 40 symbolic links`);
  });

  it('locks its file again when the lock file is deleted while held, so a later holder is still refused', async () => {
    const path = freshPath();
    const retaken: string[] = [];
    const lock = DatabaseLock.acquire(path, { checkEveryMs: 20, onRetaken: (message) => retaken.push(message), onLost: () => retaken.push('lost') });
    try {
      rmSync(lockFiles(path).lock);
      rmSync(lockFiles(path).holder);
      await expect
        .poll(() => retaken, { timeout: 2_000 })
        .toEqual([
          expect.stringContaining(
            `The lock file ${lockFiles(path).lock} of database ${path} was deleted or replaced while this node held it; it has been locked again`,
          ),
        ]);
      expect(lock.held).toBe(true);
      expect(readHolder(path)?.pid).toBe(process.pid);
      const holder = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `import { DatabaseLock } from ${JSON.stringify(LOCK_MODULE)}; DatabaseLock.acquire(${JSON.stringify(path)});`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      holder.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      expect(await new Promise((done) => holder.once('exit', done))).toBe(1);
      expect(stderr).toContain(`The database ${path} is in use by another Roster node (pid ${process.pid}`);
    } finally {
      lock.release();
    }
  });

  it('gives the lock up and says so when another process locked the replaced lock file first', async () => {
    const path = freshPath();
    const lost: DatabaseLockLostError[] = [];
    const lock = DatabaseLock.acquire(path, { checkEveryMs: 3_600_000, onLost: (error) => lost.push(error) });
    rmSync(lockFiles(path).lock);
    const other = await holderProcess(path); // between the deletion and the next check
    try {
      lock.verify();
      expect(lost).toHaveLength(1);
      expect(lost[0]!.message).toBe(
        `The lock file ${lockFiles(path).lock} of database ${path} was deleted or replaced while this node held it, and another Roster node (pid ${other.pid} on host ${hostname()}) has locked the new one. Two nodes now write one file: this node stops.`,
      );
      expect(lock.held).toBe(false);
      expect(readHolder(path)?.pid).toBe(other.pid); // the other node's holder file is left alone
    } finally {
      other.kill('SIGKILL');
      await new Promise((done) => other.once('exit', done));
      lock.release();
    }
  });

  it('says the holder is unknown when its file is gone', () => {
    const path = freshPath();
    const lock = DatabaseLock.acquire(path);
    rmSync(lockFiles(path).holder);
    try {
      expect(refusal(() => DatabaseLock.acquire(path)).message).toContain(`holder unknown: ${lockFiles(path).holder} is missing`);
    } finally {
      lock.release();
    }
  });
});

describe('SqliteStore on a file', () => {
  it('is locked while open (checkpointer.test.ts shows its checkpoint thread still works) and free once closed', async () => {
    const path = freshPath();
    const store = new SqliteStore({ path, synchronous: 'normal' });
    try {
      expect(() => new SqliteStore({ path, synchronous: 'normal' })).toThrow(DatabaseInUseError);
      await store.uuids.write('k', 'a', () => ({
        kind: 'write',
        record: {
          id: 'a',
          name: 'A',
          externalId: null,
          profileUrl: null,
          email: null,
          status: null,
          type: null,
          custom: null,
          updated: '2024-01-01T00:00:00.000000Z',
          eTag: 'e1',
        },
      }));
    } finally {
      await store.close();
    }
    const reopened = new SqliteStore({ path, synchronous: 'normal' });
    try {
      expect((await reopened.uuids.get('k', 'a'))?.name).toBe('A');
    } finally {
      await reopened.close();
    }
  });
});
