import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type KeysetLimits } from '../../model/keyset.ts';
import { now, toWire } from '../../model/instant.ts';
import type { Custom, UuidRecord } from '../../model/records.ts';
import { UUID_RESOURCE } from '../../model/resources.ts';
import { checkPrecondition, decideObject } from '../../objects/apply.ts';
import { uuidFromValues, type SqlValues } from '../sql/rows.ts';
import { OBJECT_COLUMNS } from '../sql/tables.ts';
import type { Decision, OutboxRecord } from '../store.ts';
import { openConnection } from './connection.ts';
import { GroupCommit } from './group-commit.ts';
import { SqliteStore } from './index.ts';
import { keyedRow } from './keyed-row.ts';
import { SqliteOutbox } from './outbox.ts';

/**
 * Attacks on the SQLite write path of 4b4bac3 at the store level: the record cache writes read
 * (object-store.ts `#current`), the partial UPDATEs (keyed-row.ts `changes`), the outbox rows of
 * one group commit (outbox.ts) and its in-memory index past its cap, the size check's bound
 * (apply.ts `checkSize`) and the new `now()`. What the cache answers is always compared with
 * what the table holds, read past the cache.
 */

const dir = mkdtempSync(join(tmpdir(), 'roster-sqlite-attack-'));
let made = 0;
const closing: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const newPath = () => join(dir, `attack-${++made}.db`);

function open(path = newPath()): SqliteStore {
  const store = new SqliteStore({ path, synchronous: 'normal' });
  closing.push(() => (store.db.open ? store.close() : undefined));
  return store;
}

const rules = { ifMatch: undefined as string | undefined, merge: false, limits: DEFAULT_LIMITS };
const decide = (id: string, patch: Partial<UuidRecord>, more: Partial<typeof rules> = {}) => decideObject<UuidRecord>('uuid', id, patch, { ...rules, ...more });
const recordOf = (key: string): OutboxRecord => ({ key, subKey: 'k', events: JSON.stringify([{ channels: [key], payload: { key } }]) });

/** What the table holds for user `id` of keyset `k`, read past the record cache. */
function stored(store: SqliteStore, id: string): UuidRecord | undefined {
  const row = store.db
    .prepare(`SELECT ${OBJECT_COLUMNS.uuid.join(', ')} FROM uuids WHERE sub_key = 'k' AND id = ?`)
    .raw()
    .get(id) as SqlValues | undefined;
  return row ? uuidFromValues(row) : undefined;
}

/** The records a relay hands over now (none delivered), by key. */
async function waitingKeys(outbox: SqliteOutbox, limit = 1_000_000): Promise<string[]> {
  const keys: string[] = [];
  await outbox.relay({ olderThanMs: 0, limit }, async (records) => {
    keys.push(...records.map((record) => record.key));
    return [];
  });
  return keys;
}

const statusOf = (result: PromiseSettledResult<unknown>) =>
  result.status === 'fulfilled' ? 'ok' : ((result.reason as { code?: string }).code ?? (result.reason as Error).message);

describe('the record cache writes read, within one group commit', () => {
  it('lets only the first of several changes conditioned on the same eTag through', async () => {
    const store = open();
    const { record: first } = await store.uuids.write('k', 'alice', decide('alice', { name: 'A' }));
    expect(await store.uuids.get('k', 'alice')).toEqual(first); // cached: the next group reads it from memory
    const results = await Promise.allSettled([
      store.uuids.write('k', 'alice', decide('alice', { name: 'B' }, { ifMatch: first.eTag })),
      store.uuids.write('k', 'alice', decide('alice', { name: 'C' }, { ifMatch: first.eTag })),
      store.uuids.remove('k', 'alice', { check: (current) => checkPrecondition('uuid', 'delete', current, first.eTag), cascade: true }),
      store.uuids.write('k', 'alice', decide('alice', { email: 'a@example.com' }, { ifMatch: first.eTag })),
    ]);
    expect(results.map(statusOf)).toEqual(['ok', 'PRECONDITION_FAILED', 'PRECONDITION_FAILED', 'PRECONDITION_FAILED']);
    const won = (results[0] as PromiseFulfilledResult<{ record: UuidRecord }>).value.record;
    expect(won).toMatchObject({ name: 'B', email: null });
    expect(await store.uuids.get('k', 'alice')).toEqual(won);
    expect(stored(store, 'alice')).toEqual(won);
  });

  it('forgets what a write whose unit threw after changing the record did, for the next write of the group and later gets', async () => {
    const store = open();
    const { record: first } = await store.uuids.write('k', 'alice', decide('alice', { name: 'A', custom: { n: 1 } }));
    await store.uuids.get('k', 'alice');
    const seen: (string | undefined)[] = [];
    const results = await Promise.allSettled([
      store.uuids.write('k', 'alice', decide('alice', { name: 'Bad', custom: { n: 2 } }), () => {
        throw new Error('announce failed');
      }),
      store.uuids.write('k', 'alice', (current): Decision<UuidRecord> => {
        seen.push(current?.eTag);
        return decide('alice', { status: 'after' }, { merge: true })(current);
      }),
    ]);
    expect(results.map(statusOf)).toEqual(['announce failed', 'ok']);
    expect(seen).toEqual([first.eTag]);
    const after = (results[1] as PromiseFulfilledResult<{ record: UuidRecord }>).value.record;
    expect(after).toMatchObject({ name: 'A', status: 'after', custom: { n: 1 } });
    expect(await store.uuids.get('k', 'alice')).toEqual(after);
    expect(stored(store, 'alice')).toEqual(after);
  });

  it('leaves cache, table and outbox as they were when the group fails as a whole (disk full at its outbox row)', async () => {
    const store = open();
    const [alice, carol] = await Promise.all([
      store.uuids.write('k', 'alice', decide('alice', { name: 'A' }), () => recordOf('kA')),
      store.uuids.write('k', 'carol', decide('carol', { name: 'C' }), () => recordOf('kC')),
    ]);
    await store.uuids.get('k', 'alice');
    await store.uuids.get('k', 'bob');
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages}`);
    const huge: OutboxRecord = { key: 'kHuge', subKey: 'k', events: JSON.stringify([{ channels: ['bob'], payload: 'x'.repeat(400_000) }]) };
    const results = await Promise.allSettled([
      store.uuids.write('k', 'alice', decide('alice', { name: 'B' }), () => recordOf('kB')),
      store.outbox.remove(['kA']),
      store.uuids.write('k', 'bob', decide('bob', { name: 'Bob' }), () => huge),
    ]);
    store.db.pragma('max_page_count = 1073741823');
    expect(results.map(statusOf)).toEqual(['SQLITE_FULL', 'SQLITE_FULL', 'SQLITE_FULL']);
    expect(await store.uuids.get('k', 'alice')).toEqual(alice.record);
    expect(stored(store, 'alice')).toEqual(alice.record);
    expect(await store.uuids.get('k', 'bob')).toBeUndefined();
    // kA's removal failed: relaying it again is allowed (at least once), but nothing of the failed group may appear.
    const left = await waitingKeys(store.outbox);
    expect(left.filter((key) => key !== 'kA')).toEqual(['kC']);
    // The removal tried again, then the other record's: the row goes, and a store opened later relays nothing.
    await store.outbox.remove(['kA']);
    await store.outbox.remove(['kC']);
    expect(await waitingKeys(store.outbox)).toEqual([]);
    expect(carol.record.name).toBe('C');
    await store.close();
    expect(await waitingKeys(open(store.db.name).outbox)).toEqual([]);
  });

  it('never answers a get with a record an import of the same group wrote past', async () => {
    const store = open();
    const { record } = await store.uuids.write('k', 'alice', decide('alice', { name: 'Alice' }));
    await store.uuids.get('k', 'alice');
    const imported: UuidRecord = { ...record, name: 'Imported', eTag: 'imported-etag' };
    const write = store.uuids.write('k', 'alice', decide('alice', { name: 'Written first' }));
    const importing = store.import([{ kind: 'user', subKey: 'k', record: imported }]);
    await write;
    // The write was acknowledged; the import after it in the same group is committed too.
    const seenRightAfter = await store.uuids.get('k', 'alice');
    await importing;
    expect(stored(store, 'alice')).toMatchObject({ name: 'Imported', eTag: 'imported-etag' });
    expect(seenRightAfter, 'a get right after the write returned the record the committed import had replaced').toEqual(stored(store, 'alice'));
  });
});

/** A random text, null, or left out (undefined). */
function randomText(random: () => number): string | null | undefined {
  const pick = random();
  if (pick < 0.3) return undefined;
  if (pick < 0.45) return null;
  const words = ['alpha', 'Beta', 'ÉCOLE', 'école', 'zeta', '日本', '😀 smile', ''];
  return words[Math.floor(random() * words.length)]! + (random() < 0.5 ? '' : String(Math.floor(random() * 3)));
}

function randomCustom(random: () => number): Custom | null | undefined {
  const pick = random();
  if (pick < 0.4) return undefined;
  if (pick < 0.5) return null;
  const custom: Record<string, string | number | boolean | null> = {};
  for (const key of ['b', 'a', 'c'].filter(() => random() < 0.6))
    custom[key] = random() < 0.2 ? null : random() < 0.5 ? Math.floor(random() * 3) : `v${Math.floor(random() * 3)}`;
  return custom;
}

/** A tiny deterministic generator, so a failure reproduces. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('partial UPDATEs (only the changed columns)', () => {
  it('leave every row as a whole INSERT of the answered record would, sort keys included, through random groups of writes', async () => {
    const path = newPath();
    const store = open(path);
    const random = seeded(0x4b4bac3);
    const row = keyedRow(UUID_RESOURCE);
    const ids = ['u1', 'u2', 'u3'];
    const last = new Map<string, UuidRecord | undefined>();
    for (let round = 0; round < 60; round++) {
      const group = Array.from({ length: 1 + Math.floor(random() * 5) }, () => {
        const id = ids[Math.floor(random() * ids.length)]!;
        if (random() < 0.08) return { id, run: store.uuids.remove('k', id, { check: () => {}, cascade: true }).then(() => undefined) };
        const patch: Record<string, unknown> = {};
        for (const field of ['name', 'externalId', 'email', 'status', 'type']) {
          const value = randomText(random);
          if (value !== undefined) patch[field] = value;
        }
        const custom = randomCustom(random);
        if (custom !== undefined) patch['custom'] = custom;
        return { id, run: store.uuids.write('k', id, decide(id, patch, { merge: random() < 0.5 })).then((written) => written.record) };
      });
      const outcomes = await Promise.all(group.map((write) => write.run));
      group.forEach((write, index) => last.set(write.id, outcomes[index]));
      for (const id of ids) {
        const table = stored(store, id);
        expect(await store.uuids.get('k', id), `round ${round}, ${id}`).toEqual(table);
        if (last.get(id) !== undefined) expect(table).toEqual(last.get(id));
        if (table === undefined) continue;
        const columns = row.columns.join(', ');
        const raw = store.db.prepare(`SELECT ${columns} FROM uuids WHERE sub_key = 'k' AND id = ?`).raw().get(id);
        expect(raw, `round ${round}, ${id}: the row differs from a whole write of its record`).toEqual(row.values(table));
      }
    }
    await store.close();
    const reopened = open(path);
    for (const id of ids) expect(await reopened.uuids.get('k', id)).toEqual(last.get(id));
  });
});

describe('the outbox index past its cap (100 000 record keys)', () => {
  it('removes exactly the handed-off records of rows it stopped indexing, and relays all the others once', async () => {
    const db = openConnection({ path: newPath(), synchronous: 'normal' });
    closing.push(() => db.close());
    const writes = new GroupCommit(db);
    const outbox = new SqliteOutbox(db, writes); // the real cap
    const GROUPS = 101;
    const PER_GROUP = 1000;
    const keyOf = (group: number, n: number) => `g${group}-${n}`;
    for (let group = 0; group < GROUPS; group++) {
      await writes.run(() => {
        for (let n = 0; n < PER_GROUP; n++) outbox.record(recordOf(keyOf(group, n)));
      });
    }
    // 101 000 keys: the first group's row left the index.
    const gone = [
      ...Array.from({ length: PER_GROUP / 2 }, (_, n) => keyOf(0, 2 * n)),
      ...Array.from({ length: PER_GROUP / 2 }, (_, n) => keyOf(1, 2 * n + 1)),
      ...Array.from({ length: PER_GROUP }, (_, n) => keyOf(GROUPS - 1, n)),
    ];
    const started = performance.now();
    await outbox.remove(gone);
    const removeMs = performance.now() - started;
    const removed = new Set(gone);
    const expected = Array.from({ length: GROUPS * PER_GROUP }, (_, i) => keyOf(Math.floor(i / PER_GROUP), i % PER_GROUP)).filter((key) => !removed.has(key));
    const relayed = await waitingKeys(outbox);
    expect(relayed.length).toBe(expected.length);
    expect(new Set(relayed).size).toBe(relayed.length);
    expect(relayed).toEqual(expected);
    expect(db.prepare('SELECT count(*) FROM outbox_groups').pluck().get()).toBe(GROUPS - 1);
    // Every key again, including the ones already removed (a relay and a hand-off both delivering one).
    await outbox.remove([...expected, ...gone.slice(0, 10)]);
    expect(db.prepare('SELECT count(*) FROM outbox_groups').pluck().get()).toBe(0);
    expect(removeMs).toBeLessThan(2000);
  });

  it('costs no full scan of the outbox per removal of keys it still indexes, with many rows of one record', async () => {
    const db = openConnection({ path: newPath(), synchronous: 'normal' });
    closing.push(() => db.close());
    const writes = new GroupCommit(db);
    const outbox = new SqliteOutbox(db, writes);
    const ROWS = 20_000;
    const insert = db.prepare('INSERT INTO outbox_groups (records, created_at) VALUES (?, ?)');
    db.transaction(() => {
      for (let n = 0; n < ROWS; n++) {
        const { key, subKey, events } = recordOf(`r${n}`);
        insert.run(`${key.length}:${key}${subKey.length}:${subKey}${events.length}:${events}`, Date.now() - 60_000);
      }
    })();
    // A store that starts over rows left before it: the relay learns them as it reads.
    expect((await waitingKeys(outbox, 100)).length).toBe(100);
    const times: number[] = [];
    for (let n = 0; n < 100; n += 10) {
      const started = performance.now();
      await outbox.remove(Array.from({ length: 10 }, (_, i) => `r${n + i}`));
      times.push(performance.now() - started);
    }
    // Once more, the same keys (a duplicate hand-off): this one scans the table.
    const started = performance.now();
    await outbox.remove(['r0']);
    const scanMs = performance.now() - started;
    expect(db.prepare('SELECT count(*) FROM outbox_groups').pluck().get()).toBe(ROWS - 100);
    console.log(`outbox removal: indexed ${times.map((ms) => ms.toFixed(1)).join(' ')} ms; a key not indexed, over ${ROWS} rows: ${scanMs.toFixed(1)} ms`);
    expect(Math.max(...times)).toBeLessThan(50);
  });
});

/** The bytes `checkSize` measures for the record `patch` makes of `current` (a new record: empty updated and eTag). */
function measuredBytes(id: string, patch: Partial<UuidRecord>, current?: UuidRecord): number {
  const field = <K extends keyof UuidRecord>(name: K) => (patch[name] !== undefined ? patch[name] : (current?.[name] ?? null));
  const record = {
    id,
    name: field('name'),
    externalId: field('externalId'),
    profileUrl: field('profileUrl'),
    email: field('email'),
    status: field('status'),
    type: field('type'),
    custom: field('custom'),
    updated: current?.updated ?? '',
    eTag: current?.eTag ?? '',
  };
  return Buffer.byteLength(JSON.stringify(record));
}

/** `custom.fill`: `unit` repeated, padded with ASCII so the record measures exactly `bytes`. */
function fillTo(bytes: number, id: string, unit: string, current?: UuidRecord): Partial<UuidRecord> {
  const base = measuredBytes(id, { custom: { fill: '' } }, current);
  const unitBytes = Buffer.byteLength(JSON.stringify(unit)) - 2;
  const units = Math.floor((bytes - base) / unitBytes);
  const patch = { custom: { fill: unit.repeat(units) + 'a'.repeat(bytes - base - units * unitBytes) } };
  expect(measuredBytes(id, patch, current)).toBe(bytes);
  return patch;
}

/** The message of the size refusal `run` throws, or undefined when it throws nothing. */
function sizeRefusal(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { details?: { message: string }[] }).details?.[0]?.message ?? String(error);
  }
}

describe('the record size limit', () => {
  const units = ['a', 'é', '€', '😀', '\u0001', '"', '\ud800'];
  for (const maxRecordBytes of [DEFAULT_LIMITS.maxRecordBytes, 700]) {
    const limits: KeysetLimits = { ...DEFAULT_LIMITS, maxRecordBytes };
    it(`accepts a record of exactly ${maxRecordBytes} bytes and refuses one byte more, whatever characters fill it`, () => {
      const current = decideObject<UuidRecord>('uuid', 'ü-id', { name: 'x' }, { ...rules, limits })(undefined);
      if (current.kind !== 'write') throw new Error('expected a write');
      for (const unit of units) {
        for (const base of [undefined, current.record]) {
          const refusal = (patch: Partial<UuidRecord>) => sizeRefusal(() => decideObject<UuidRecord>('uuid', 'ü-id', patch, { ...rules, limits })(base));
          expect(refusal(fillTo(maxRecordBytes, 'ü-id', unit, base)), `${JSON.stringify(unit)} at the limit`).toBeUndefined();
          expect(refusal(fillTo(maxRecordBytes + 1, 'ü-id', unit, base)), `${JSON.stringify(unit)} one byte over`).toBe(
            `The record would be ${maxRecordBytes + 1} bytes; at most ${maxRecordBytes} are allowed.`,
          );
        }
      }
    });
  }
});

describe('now()', () => {
  it('gives strictly increasing stored instants of six fraction digits, across second boundaries', () => {
    let previous = now();
    const started = Date.now();
    const seconds = new Set<string>();
    while (seconds.size < 2 && Date.now() - started < 1100) {
      const next = now();
      expect(next > previous, `${next} after ${previous}`).toBe(true);
      expect(next).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(Math.abs(Date.parse(next) - Date.now())).toBeLessThan(1000);
      seconds.add(next.slice(0, 19));
      previous = next;
    }
    expect(seconds.size).toBeGreaterThan(1);
    const wire: [stored: string, answered: string][] = [
      ['2024-03-07T08:49:07.011600Z', '2024-03-07T08:49:07.0116Z'],
      ['2024-03-07T08:49:07.000000Z', '2024-03-07T08:49:07Z'],
      ['2024-03-07T08:49:07.100000Z', '2024-03-07T08:49:07.1Z'],
      ['2024-03-07T08:49:07.000001Z', '2024-03-07T08:49:07.000001Z'],
      // Without a fraction the seconds stay whole (the old trim made this "…:49:1Z").
      ['2024-03-07T08:49:10Z', '2024-03-07T08:49:10Z'],
      ['2024-03-07T08:49:07.5Z', '2024-03-07T08:49:07.5Z'],
    ];
    for (const [stored, answered] of wire) expect(toWire(stored), stored).toBe(answered);
  });
});
