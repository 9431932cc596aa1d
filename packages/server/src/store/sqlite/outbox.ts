import type { OutboxRecord, OutboxStore, RelayRequest } from '../store.ts';
import type { Connection } from './connection.ts';
import type { GroupCommit, GroupJournal } from './group-commit.ts';

const SQL = {
  insert: 'INSERT INTO outbox_groups (records, created_at) VALUES (?, ?)',
  // One statement for any number of rows: their ids go in as one JSON array.
  remove: 'DELETE FROM outbox_groups WHERE id IN (SELECT value FROM json_each(?))',
  read: 'SELECT records FROM outbox_groups WHERE id = ?',
  rewrite: 'UPDATE outbox_groups SET records = ? WHERE id = ?',
  due: 'SELECT id, records FROM outbox_groups WHERE created_at <= ? ORDER BY id LIMIT ?',
  all: 'SELECT id, records FROM outbox_groups ORDER BY id',
};

/**
 * Record keys indexed at most: past this many (hand-offs failing while the bus is down) the
 * oldest rows leave the index; the relay reads them again when their turn comes.
 */
const MAX_INDEXED = 100_000;

/** One record as a row holds it. */
type Entry = [key: string, subKey: string, events: string];

/**
 * A row's records: each of key, sub key and events as its length in UTF-16 units, `:`, then
 * the text (so events go in as they are, not escaped again). SQLite turns a lone surrogate into
 * U+FFFD, one unit too. Rows migration 9 moved are JSON arrays of `Entry`.
 */
const encode = ([key, subKey, events]: Entry): string => `${key.length}:${key}${subKey.length}:${subKey}${events.length}:${events}`;

function entriesOf(records: string): Entry[] {
  if (records.startsWith('[')) return JSON.parse(records) as Entry[]; // written by migration 9
  const entries: Entry[] = [];
  let at = 0;
  const next = (): string => {
    const colon = records.indexOf(':', at);
    const end = colon + 1 + Number(records.slice(at, colon));
    const text = records.slice(colon + 1, end);
    at = end;
    return text;
  };
  while (at < records.length) entries.push([next(), next(), next()]);
  return entries;
}
const recordOf = ([key, subKey, events]: Entry): OutboxRecord => ({ key, subKey, events });
const keysOf = (entries: Entry[]): string[] => entries.map(([key]) => key);

/**
 * The outbox in SQLite (schema migration 9). `record` runs inside a write's group-commit unit;
 * the records of all the units of one group are inserted as one row, just before that group
 * commits (a `GroupJournal`), so they commit or roll back with their changes, and a group of
 * writes costs one insert and, once the bus took them all, one delete. A unit that rolls back
 * takes its record out of the row. The rows this store wrote or read are indexed in memory by
 * record key; a row some of whose records are removed is rewritten without them.
 * This process is the file's only writer, so a relay needs no claim: relays only take turns.
 */
export class SqliteOutbox implements OutboxStore, GroupJournal {
  readonly #writes: GroupCommit;
  readonly #insert;
  readonly #remove;
  readonly #read;
  readonly #rewrite;
  readonly #due;
  readonly #all;
  #relaying: Promise<unknown> = Promise.resolve();
  /** This group's records, each encoded, and their keys. */
  #entries: string[] = [];
  #keys: string[] = [];
  /** The row this group inserted, until it settles. */
  #written: number | undefined;
  /** Rows known to hold records not yet removed: row id → those records' keys. */
  readonly #rows = new Map<number, Set<string>>();
  /** The row of each key in `#rows`. */
  readonly #rowOf = new Map<string, number>();

  readonly #maxIndexed: number;

  constructor(db: Connection, writes: GroupCommit, maxIndexed = MAX_INDEXED) {
    this.#writes = writes;
    this.#maxIndexed = maxIndexed;
    this.#insert = db.prepare<[string, number]>(SQL.insert);
    this.#remove = db.prepare<[string]>(SQL.remove);
    this.#read = db.prepare<[number], string>(SQL.read).pluck();
    this.#rewrite = db.prepare<[string, number]>(SQL.rewrite);
    this.#due = db.prepare<[number, number], { id: number; records: string }>(SQL.due);
    this.#all = db.prepare<[], { id: number; records: string }>(SQL.all);
    writes.attach(this);
  }

  /** Inside a write's unit: records what it announced (nothing for `undefined`). */
  record(entry: OutboxRecord | undefined): void {
    if (!entry) return;
    this.#entries.push(encode([entry.key, entry.subKey, entry.events]));
    this.#keys.push(entry.key);
  }

  mark(): number {
    return this.#entries.length;
  }

  rollBack(mark: number): void {
    this.#entries.length = mark;
    this.#keys.length = mark;
  }

  write(): void {
    if (this.#entries.length === 0) return;
    const { lastInsertRowid } = this.#insert.run(this.#entries.join(''), Date.now());
    this.#written = Number(lastInsertRowid);
  }

  settle(committed: boolean): void {
    if (committed && this.#written !== undefined) this.#know(this.#written, this.#keys);
    this.#written = undefined;
    this.#entries = [];
    this.#keys = [];
  }

  async remove(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#writes.run(() => this.#removeNow(keys));
  }

  relay(request: RelayRequest, deliver: (records: OutboxRecord[]) => Promise<readonly string[]>): Promise<number> {
    const run = this.#relaying.then(async () => {
      const records = this.#waiting(this.#due.all(Date.now() - request.olderThanMs, request.limit)).slice(0, request.limit);
      if (records.length === 0) return 0;
      await this.remove(await deliver(records));
      return records.length;
    });
    this.#relaying = run.catch(() => {});
    return run;
  }

  /** The records of `rows` not removed yet, in order; rows not known before are learned. */
  #waiting(rows: { id: number; records: string }[]): OutboxRecord[] {
    const records: OutboxRecord[] = [];
    for (const { id, records: text } of rows) {
      const entries = entriesOf(text);
      const left = this.#rows.get(id);
      if (left === undefined) this.#know(id, keysOf(entries));
      for (const entry of entries) if (left === undefined || left.has(entry[0])) records.push(recordOf(entry));
    }
    return records;
  }

  #know(id: number, keys: readonly string[]): void {
    this.#rows.set(id, new Set(keys));
    for (const key of keys) this.#rowOf.set(key, id);
    while (this.#rowOf.size > this.#maxIndexed) this.#forgetOldest();
  }

  #forgetOldest(): void {
    const [id, keys] = this.#rows.entries().next().value!;
    this.#rows.delete(id);
    for (const key of keys) this.#rowOf.delete(key);
  }

  /** Inside a unit: deletes the rows left with no record, and rewrites those left with some. */
  #removeNow(keys: readonly string[]): void {
    /** Each row holding a removed record, and the keys it has left. */
    const left = new Map<number, Set<string>>();
    const unknown = new Set<string>();
    for (const key of keys) {
      const id = this.#rowOf.get(key);
      if (id === undefined) {
        unknown.add(key);
        continue;
      }
      this.#rowOf.delete(key);
      const rest = this.#rows.get(id)!;
      rest.delete(key);
      left.set(id, rest);
    }
    if (unknown.size > 0) this.#find(unknown, left);
    const emptied: number[] = [];
    for (const [id, rest] of left) {
      if (rest.size > 0) {
        this.#keep(id, rest);
        continue;
      }
      this.#rows.delete(id);
      emptied.push(id);
    }
    if (emptied.length > 0) this.#remove.run(JSON.stringify(emptied));
  }

  /** Adds to `left` the rows not indexed that hold any of `keys` (left by another process, or forgotten): one pass over the table. */
  #find(keys: ReadonlySet<string>, left: Map<number, Set<string>>): void {
    for (const { id, records } of this.#all.iterate()) {
      if (this.#rows.has(id)) continue;
      const held = keysOf(entriesOf(records));
      if (held.some((key) => keys.has(key))) left.set(id, new Set(held.filter((key) => !keys.has(key))));
    }
  }

  /** Rewrites row `id` with only the records of `keys`. */
  #keep(id: number, keys: ReadonlySet<string>): void {
    const text = this.#read.get(id);
    if (text === undefined) return;
    const entries = entriesOf(text).filter(([key]) => keys.has(key));
    this.#rewrite.run(entries.map(encode).join(''), id);
  }
}
