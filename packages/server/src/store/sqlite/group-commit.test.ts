import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openConnection } from './connection.ts';
import { GroupCommit } from './group-commit.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-group-commit-'));
const path = join(dir, 'roster.db');
const db = openConnection({ path, synchronous: 'normal' });
db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
const reader = new Database(path, { readonly: true });
const writes = new GroupCommit(db);
const insert = db.prepare('INSERT INTO notes (id, text) VALUES (?, ?)');
const visibleToOthers = (id: number) => reader.prepare('SELECT text FROM notes WHERE id = ?').pluck().get(id);

afterAll(() => {
  reader.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GroupCommit', () => {
  it('commits the writes of one turn together and answers each after the commit', async () => {
    const seenDuringGroup: unknown[] = [];
    const answered = await Promise.all(
      [1, 2, 3].map((id) =>
        writes
          .run(() => {
            if (id > 1) seenDuringGroup.push(visibleToOthers(id - 1));
            insert.run(id, `note ${id}`);
            return id;
          })
          .then((value) => ({ value, seen: visibleToOthers(id) })),
      ),
    );
    // Each write ran while the one before it was still uncommitted: one transaction for all three.
    expect(seenDuringGroup).toEqual([undefined, undefined]);
    expect(answered).toEqual([1, 2, 3].map((id) => ({ value: id, seen: `note ${id}` })));
  });

  it('rolls back only the write that throws', async () => {
    const results = await Promise.allSettled([
      writes.run(() => insert.run(10, 'kept')),
      writes.run(() => {
        insert.run(11, 'half done');
        throw new Error('refused');
      }),
      writes.run(() => insert.run(12, 'also kept')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect([visibleToOthers(10), visibleToOthers(11), visibleToOthers(12)]).toEqual(['kept', undefined, 'also kept']);
  });

  it('fails every write of a group whose commit fails, and leaves the connection ready for the next group', async () => {
    // A deferred foreign key is checked only at COMMIT: a stand-in for a disk that fills as the group commits.
    db.exec('CREATE TABLE IF NOT EXISTS refs (id INTEGER PRIMARY KEY, note INTEGER REFERENCES notes (id) DEFERRABLE INITIALLY DEFERRED)');
    const results = await Promise.allSettled([
      writes.run(() => insert.run(30, 'in a failed group')),
      writes.run(() => db.prepare('INSERT INTO refs (id, note) VALUES (1, 999)').run()),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(results.map((result) => (result as PromiseRejectedResult).reason.code)).toEqual(['SQLITE_CONSTRAINT_FOREIGNKEY', 'SQLITE_CONSTRAINT_FOREIGNKEY']);
    expect(db.inTransaction).toBe(false);
    expect(visibleToOthers(30)).toBeUndefined();
    await writes.run(() => insert.run(31, 'next group'));
    expect(visibleToOthers(31)).toBe('next group');
  });

  it('on a full database (SQLITE_FULL, which ends the transaction) fails the whole group with it, and writes again once there is room', async () => {
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`); // no page to grow into, as on a full disk
    const results = await Promise.allSettled([
      writes.run(() => insert.run(41, 'small')),
      writes.run(() => insert.run(40, 'x'.repeat(64 * 1024))),
      writes.run(() => insert.run(42, 'small')),
    ]);
    expect(results.map((result) => (result as PromiseRejectedResult).reason?.code)).toEqual(['SQLITE_FULL', 'SQLITE_FULL', 'SQLITE_FULL']);
    expect(db.inTransaction).toBe(false);
    expect([visibleToOthers(40), visibleToOthers(41), visibleToOthers(42)]).toEqual([undefined, undefined, undefined]);
    db.pragma('max_page_count = 1073741823');
    await writes.run(() => insert.run(40, 'x'.repeat(64 * 1024)));
    expect(visibleToOthers(40)).toHaveLength(64 * 1024);
  });
});
