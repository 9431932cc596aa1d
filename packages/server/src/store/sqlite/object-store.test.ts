import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/keyset.ts';
import type { UuidRecord } from '../../model/records.ts';
import { decideObject } from '../../objects/apply.ts';
import { uuidToWire } from '../../objects/shape.ts';
import { keptObjectAnswer } from '../../objects/wire-text.ts';
import type { Decision } from '../store.ts';
import { SqliteStore, type SqliteStoreOptions } from './index.ts';

/**
 * Writes read the record they change from the record cache (the last commit's) unless a write
 * earlier in the same group commit changed it: those run in one transaction, so each must see
 * the one before it, and what a group commits is what a new store reads from the file.
 */

const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };
const dir = mkdtempSync(join(tmpdir(), 'roster-object-store-'));
let made = 0;
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) if (store.db.open) await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(path = join(dir, `store-${++made}.db`), options: Partial<SqliteStoreOptions> = {}): SqliteStore {
  const store = new SqliteStore({ path, synchronous: 'normal', ...options });
  stores.push(store);
  return store;
}

/** `decideObject`, also keeping the record each decision was made on. */
function seeing(patch: Partial<UuidRecord>, seen: (UuidRecord | undefined)[]) {
  const decide = decideObject<UuidRecord>('uuid', 'alice', patch, rules);
  return (current: UuidRecord | undefined): Decision<UuidRecord> => {
    seen.push(current);
    return decide(current);
  };
}

describe('SQLite user and channel writes within one group commit', () => {
  it('apply each write of a record on top of the one before it, and keep them all', async () => {
    const path = join(dir, `store-${++made}.db`);
    const store = open(path);
    await store.uuids.write('k', 'alice', decideObject<UuidRecord>('uuid', 'alice', { name: 'Alice' }, rules));
    expect(await store.uuids.get('k', 'alice')).toMatchObject({ name: 'Alice' }); // now cached
    const seen: (UuidRecord | undefined)[] = [];
    const [first, second, third] = await Promise.all([
      store.uuids.write('k', 'alice', seeing({ email: 'alice@example.com' }, seen)),
      store.uuids.write('k', 'alice', seeing({ status: 'away' }, seen)),
      store.uuids.write('k', 'alice', seeing({ name: 'Alice L.' }, seen)),
    ]);
    expect(seen.map((record) => record?.eTag)).toEqual([seen[0]!.eTag, first!.record.eTag, second!.record.eTag]);
    const expected = { name: 'Alice L.', email: 'alice@example.com', status: 'away' };
    expect(third!.record).toMatchObject(expected);
    expect(await store.uuids.get('k', 'alice')).toEqual(third!.record);
    await store.close();
    expect(await open(path).uuids.get('k', 'alice')).toEqual(third!.record);
  });

  it('read a record removed earlier in the group as gone, and create it again', async () => {
    const store = open();
    await store.uuids.write('k', 'alice', decideObject<UuidRecord>('uuid', 'alice', { name: 'Alice', email: 'alice@example.com' }, rules));
    await store.uuids.get('k', 'alice');
    const seen: (UuidRecord | undefined)[] = [];
    const [removal, rewrite] = await Promise.all([
      store.uuids.remove('k', 'alice', { check: () => {}, cascade: true }),
      store.uuids.write('k', 'alice', seeing({ name: 'Alice again' }, seen)),
    ]);
    expect(removal.removed).toMatchObject({ name: 'Alice' });
    expect(seen).toEqual([undefined]);
    expect(await store.uuids.get('k', 'alice')).toEqual(rewrite.record);
    expect(rewrite.record).toMatchObject({ name: 'Alice again', email: null });
  });

  it('read what an import earlier in the group wrote', async () => {
    const store = open();
    const { record } = await store.uuids.write('k', 'alice', decideObject<UuidRecord>('uuid', 'alice', { name: 'Alice' }, rules));
    await store.uuids.get('k', 'alice');
    const imported: UuidRecord = { ...record, name: 'Imported', status: 'gone', eTag: 'imported-etag' };
    const seen: (UuidRecord | undefined)[] = [];
    const [outcomes, written] = await Promise.all([
      store.import([{ kind: 'user', subKey: 'k', record: imported }]),
      store.uuids.write('k', 'alice', seeing({ email: 'alice@example.com' }, seen)),
    ]);
    expect(outcomes).toEqual(['updated']);
    expect(seen.map((current) => current?.eTag)).toEqual(['imported-etag']);
    expect(written.record).toMatchObject({ name: 'Imported', status: 'gone', email: 'alice@example.com' });
    expect(await store.uuids.get('k', 'alice')).toEqual(written.record);
  });
});

describe('SQLite record cache', () => {
  /** A store whose record cache holds `kib` KiB and `entries` records, with the record-cache lookups it reports (true: a hit). */
  function withSmallCache(kib: number, entries = 100) {
    const lookups: boolean[] = [];
    const observer = { groupCommit: () => undefined, recordCache: (hit: boolean) => void lookups.push(hit) };
    const store = open(undefined, { recordCache: { entries, bytes: kib * 1024 }, observer });
    /** Writes users of about 30 KB in memory each (30,000 ASCII characters of `custom`, near its 32 KiB limit). */
    const writeBig = (...ids: string[]) =>
      Promise.all(ids.map((id) => store.uuids.write('k', id, decideObject<UuidRecord>('uuid', id, { custom: { bio: id.repeat(30_000) } }, rules))));
    /** Which of `ids` a get now finds in the cache. */
    const cached = async (...ids: string[]) => {
      lookups.length = 0;
      for (const id of ids) await store.uuids.get('k', id);
      return ids.filter((_, n) => lookups[n]);
    };
    return { store, writeBig, cached };
  }

  it('keeps records up to what they weigh: big ones push the oldest out, though far fewer than its count', async () => {
    const { writeBig, cached } = withSmallCache(128);
    await writeBig('a', 'b', 'c', 'd', 'e');
    expect(await cached('e', 'd', 'c', 'b', 'a')).toEqual(['e', 'd', 'c', 'b']); // 4 of about 30 KB in 128 KiB
  });

  it('keeps a record read again and again while a scan of others passes through', async () => {
    const { store, cached } = withSmallCache(1024, 3);
    await store.uuids.write('k', 'hot', decideObject<UuidRecord>('uuid', 'hot', { name: 'Hot' }, rules));
    for (const n of [1, 2, 3, 4, 5, 6]) {
      expect(await cached('hot')).toEqual(['hot']);
      await store.uuids.get('k', `cold-${n}`); // not found: kept as such, pushing the oldest out
    }
    expect(await cached('hot', 'cold-6', 'cold-1')).toEqual(['hot', 'cold-6']);
  });

  it('counts the answers kept beside a cached record, so they too push the oldest out', async () => {
    const { store, writeBig, cached } = withSmallCache(160);
    await writeBig('a', 'b', 'c');
    const record = (await store.uuids.get('k', 'c'))!;
    for (const status of [false, true]) keptObjectAnswer(record, Object.freeze({ custom: true, status, type: false }), uuidToWire);
    expect(await cached('c', 'b', 'a')).toEqual(['c', 'b', 'a']); // 3 records and 2 answers of about 30 KB each in 160 KiB
    keptObjectAnswer(record, Object.freeze({ custom: true, status: true, type: true }), uuidToWire);
    expect(await cached('c', 'b', 'a')).toEqual(['c', 'b']);
  });
});
