import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from './index.ts';
import { DatabaseInUseError, DatabaseLock, lockFiles, readHolder } from './lock.ts';

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
      await store.uuids.write('k', 'a', () => ({ kind: 'write', record: { id: 'a', name: 'A', externalId: null, profileUrl: null, email: null, status: null, type: null, custom: null, updated: '2024-01-01T00:00:00.000000Z', eTag: 'e1' } }));
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
