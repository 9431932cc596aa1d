import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/keyset.ts';
import type { UuidRecord } from '../../model/records.ts';
import { decideObject } from '../../objects/apply.ts';
import type { OutboxRecord } from '../store.ts';
import { openConnection } from './connection.ts';
import { GroupCommit } from './group-commit.ts';
import { SqliteStore } from './index.ts';
import { SqliteOutbox } from './outbox.ts';

/**
 * The SQLite outbox keeps the records of one group commit in one row (outbox.ts): what a rolled
 * back write recorded is not in it, and a row some of whose records were removed is rewritten,
 * so a store that opens the file later relays exactly the records left.
 */

const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };
const dir = mkdtempSync(join(tmpdir(), 'roster-sqlite-outbox-'));
let made = 0;
const closing: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const newPath = () => join(dir, `outbox-${++made}.db`);

function open(path: string): SqliteStore {
  const store = new SqliteStore({ path, synchronous: 'normal' });
  closing.push(() => (store.db.open ? store.close() : undefined));
  return store;
}

const recordOf = (key: string): OutboxRecord => ({ key, subKey: 'k', events: JSON.stringify([{ channels: [key], payload: { key } }]) });

/** Writes one user per key in one group commit, each recording `recordOf(key)`. */
const writeAll = (store: SqliteStore, keys: string[]) =>
  Promise.all(keys.map((key) => store.uuids.write('k', key, decideObject<UuidRecord>('uuid', key, { name: key }, rules), () => recordOf(key))));

/** The records a relay hands over now, none of them delivered. */
async function waiting(store: SqliteStore): Promise<OutboxRecord[]> {
  const seen: OutboxRecord[] = [];
  await store.outbox.relay({ olderThanMs: 0, limit: 100 }, async (records) => {
    seen.push(...records);
    return [];
  });
  return seen;
}

const rows = (store: SqliteStore) => store.db.prepare('SELECT count(*) FROM outbox_groups').pluck().get();

describe('the SQLite outbox', () => {
  it('records the writes of one group commit in one row, without what a unit that rolled back recorded', async () => {
    const db = openConnection({ path: newPath(), synchronous: 'normal' });
    closing.push(() => db.close());
    const writes = new GroupCommit(db);
    const outbox = new SqliteOutbox(db, writes);
    const results = await Promise.allSettled([
      writes.run(() => outbox.record(recordOf('a'))),
      writes.run(() => {
        outbox.record(recordOf('refused'));
        throw new Error('refused');
      }),
      writes.run(() => outbox.record(recordOf('b'))),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(db.prepare('SELECT count(*) FROM outbox_groups').pluck().get()).toBe(1);
    const relayed: OutboxRecord[] = [];
    await outbox.relay({ olderThanMs: 0, limit: 10 }, async (records) => {
      relayed.push(...records);
      return records.map((record) => record.key);
    });
    expect(relayed).toEqual([recordOf('a'), recordOf('b')]);
    expect(db.prepare('SELECT count(*) FROM outbox_groups').pluck().get()).toBe(0);
  });

  it('finds again the rows it stopped indexing once it held too many keys', async () => {
    const db = openConnection({ path: newPath(), synchronous: 'normal' });
    closing.push(() => db.close());
    const writes = new GroupCommit(db);
    const outbox = new SqliteOutbox(db, writes, 2);
    await Promise.all(['a', 'b'].map((key) => writes.run(() => outbox.record(recordOf(key)))));
    await writes.run(() => outbox.record(recordOf('c')));
    await writes.run(() => outbox.record(recordOf('d')));
    await outbox.remove(['b', 'c']);
    const relayed: OutboxRecord[] = [];
    await outbox.relay({ olderThanMs: 0, limit: 10 }, async (records) => {
      relayed.push(...records);
      return [];
    });
    expect(relayed.map((record) => record.key)).toEqual(['a', 'd']);
    await outbox.remove(['a', 'd']);
    expect(db.prepare('SELECT count(*) FROM outbox_groups').pluck().get()).toBe(0);
  });

  it('rewrites a row some of whose records are removed: a store opened later relays only the rest', async () => {
    const path = newPath();
    const store = open(path);
    await writeAll(store, ['a', 'b', 'c']);
    expect(rows(store)).toBe(1);
    await store.outbox.remove(['a', 'c']);
    expect((await waiting(store)).map((record) => record.key)).toEqual(['b']);
    await store.close();
    const later = open(path);
    expect(await waiting(later)).toEqual([recordOf('b')]);
    await later.outbox.remove(['b']);
    expect(rows(later)).toBe(0);
  });

  it('removes records of rows it never read, left by a store before it', async () => {
    const path = newPath();
    const before = open(path);
    await writeAll(before, ['a', 'b']);
    await writeAll(before, ['c']);
    await before.close();
    const after = open(path);
    await after.outbox.remove(['a', 'c', 'never-written']);
    expect(await waiting(after)).toEqual([recordOf('b')]);
    expect(rows(after)).toBe(1);
  });

  it('gives back each record as it was recorded, whatever its text holds', async () => {
    const path = newPath();
    const store = open(path);
    const odd = [
      { key: '12:3:', subKey: 'k\u{1F600}:', events: JSON.stringify([{ channels: ['é:1'], text: '3:abc \ud800 "q"' }]) },
      { key: '', subKey: '', events: '' },
      recordOf('plain'),
    ];
    await Promise.all(
      odd.map((record) => store.uuids.write('k', `u${record.key}`, decideObject<UuidRecord>('uuid', `u${record.key}`, { name: 'x' }, rules), () => record)),
    );
    await store.close();
    expect(await waiting(open(path))).toEqual(odd);
  });

  it('keeps the records a release before this one left in its outbox table, in their order (migration 9)', async () => {
    const path = newPath();
    await open(path).close();
    const old = new Database(path);
    old.exec(`
      DROP TABLE outbox_groups;
      CREATE TABLE outbox (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, sub_key TEXT NOT NULL, events TEXT NOT NULL, created_at INTEGER NOT NULL);
      PRAGMA user_version = 8;
    `);
    const insert = old.prepare('INSERT INTO outbox (key, sub_key, events, created_at) VALUES (?, ?, ?, ?)');
    for (const key of ['old-1', 'old-2']) insert.run(key, 'k', recordOf(key).events, Date.now() - 60_000);
    old.close();
    const store = open(path);
    expect(await waiting(store)).toEqual([recordOf('old-1'), recordOf('old-2')]);
    expect(store.db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'outbox'").pluck().get()).toBe(0);
  });
});
