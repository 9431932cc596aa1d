import { WeighedMap } from '../../bounded-map.ts';
import { approximateBytes, keptBy } from '../../kept-bytes.ts';
import type { ChannelRecord, UuidRecord } from '../../model/records.ts';
import { listPage } from '../sql/page.ts';
import { CHANNEL_RESOURCE, UUID_RESOURCE } from '../../model/resources.ts';
import { channelFromValues, membershipFromValues, uuidFromValues, type SqlValues } from '../sql/rows.ts';
import { MEMBERSHIP_COLUMNS, OBJECT_COLUMNS } from '../sql/tables.ts';
import type { Announce, Decision, ListPage, ListQuery, ObjectRemoval, ObjectStore, ObjectWrite, RemoveOptions } from '../store.ts';
import type { SqliteParts } from './executor.ts';
import { keyedRow, type KeyedRow } from './keyed-row.ts';

type AnyObject = UuidRecord | ChannelRecord;

interface ObjectTable<T extends AnyObject> {
  kind: 'uuid' | 'channel';
  table: 'uuids' | 'channels';
  fromRow: (row: SqlValues) => T;
  /** The record's columns and their sort keys, as written. */
  row: KeyedRow<T>;
}

export const UUID_TABLE: ObjectTable<UuidRecord> = {
  kind: 'uuid',
  table: 'uuids',
  fromRow: (row) => uuidFromValues(row),
  row: keyedRow(UUID_RESOURCE),
};

export const CHANNEL_TABLE: ObjectTable<ChannelRecord> = {
  kind: 'channel',
  table: 'channels',
  fromRow: (row) => channelFromValues(row),
  row: keyedRow(CHANNEL_RESOURCE),
};

/**
 * Records kept in memory per table, at most this many and `RECORD_CACHE_BYTES` (the entry read least
 * lately goes first: `WeighedMap`). This process is the only writer of the file (its sort keys need our `fold()`), so
 * every change passes through `write` and `remove` (or an import, which drops them all), which
 * drop the entry inside their transaction and refresh it after it commits. Gets answer from it,
 * and writes read the record they change from it.
 */
export const RECORD_CACHE_SIZE = 10_000;
/** What the records kept per table may weigh, with the texts kept beside them (`keepBeside`), in bytes. */
export const RECORD_CACHE_BYTES = 64 * 1024 * 1024;

/** The bounds of a table's record cache. */
export interface RecordCacheBounds {
  entries: number;
  bytes: number;
}

/** A cached entry's weight when it is kept: its key, and the record (none: `null`, a known absence). */
const cachedBytes = (record: AnyObject | null, key: string): number => approximateBytes(key) + (record ? approximateBytes(record) : 0);

/** Users or channels in SQLite: one table, keyed by (sub_key, id). */
export class SqliteObjectStore<T extends AnyObject> implements ObjectStore<T> {
  readonly #parts: SqliteParts;
  readonly #table: ObjectTable<T>;
  readonly #cache: WeighedMap<string, T | null>;
  /** How many times `forgetAll` ran: a write refreshes the cache only if none ran since its unit. */
  #generation = 0;
  readonly #sql: { get: string; insert: string; delete: string; memberOf: string; cascade: string };
  /** UPDATE statements by the mask of columns they assign: the few combinations writes send. */
  readonly #updates = new Map<number, string>();

  constructor(parts: SqliteParts, table: ObjectTable<T>, cache: RecordCacheBounds = { entries: RECORD_CACHE_SIZE, bytes: RECORD_CACHE_BYTES }) {
    this.#cache = new WeighedMap<string, T | null>(cache.entries, cache.bytes, cachedBytes);
    this.#parts = parts;
    this.#table = table;
    const columns = OBJECT_COLUMNS[table.kind];
    const ownColumn = table.kind === 'uuid' ? 'uuid_id' : 'channel_id';
    const otherColumn = table.kind === 'uuid' ? 'channel_id' : 'uuid_id';
    this.#sql = {
      get: `SELECT ${columns.join(', ')} FROM ${table.table} WHERE sub_key = ? AND id = ?`,
      insert: `INSERT INTO ${table.table} (sub_key, ${table.row.columns.join(', ')}) VALUES (?, ${table.row.columns.map(() => '?').join(', ')})`,
      delete: `DELETE FROM ${table.table} WHERE sub_key = ? AND id = ?`,
      memberOf: `SELECT ${otherColumn} AS id FROM memberships WHERE sub_key = ? AND ${ownColumn} = ?`,
      cascade: `DELETE FROM memberships WHERE sub_key = ? AND ${ownColumn} = ? RETURNING ${MEMBERSHIP_COLUMNS.join(', ')}`,
    };
  }

  #get(subKey: string, id: string): T | undefined {
    const row = this.#parts.statements.values(this.#sql.get).get(subKey, id) as SqlValues | undefined;
    return row ? this.#table.fromRow(row) : undefined;
  }

  #memberOf(subKey: string, id: string): string[] {
    if (this.#table.kind !== 'uuid') return [];
    return this.#parts.statements.column(this.#sql.memberOf).all(subKey, id) as string[];
  }

  async get(subKey: string, id: string): Promise<T | undefined> {
    if (this.#cache.capacity === 0) return this.#get(subKey, id);
    const key = `${subKey}\n${id}`;
    const cached = this.#cache.get(key);
    this.#parts.observer.recordCache(cached !== undefined);
    if (cached !== undefined) return cached ?? undefined;
    const record = this.#get(subKey, id);
    this.#remember(key, record);
    return record;
  }

  /**
   * After a write: inside a caller's transaction nothing is committed yet, and after a
   * `forgetAll` later in the write's group (an import) the table may hold another record, so
   * the entry is only dropped.
   */
  #refresh(key: string, record: T | undefined, generation: number): void {
    if (this.#parts.db.inTransaction || generation !== this.#generation) this.#cache.delete(key);
    else this.#remember(key, record);
  }

  /** Caches what the table now holds for `key` (null: no such record); records are frozen, as callers share them. */
  #remember(key: string, record: T | undefined): void {
    if (this.#cache.capacity === 0) return;
    if (!record) return this.#cache.set(key, null);
    if (record.custom) Object.freeze(record.custom);
    Object.freeze(record);
    this.#cache.set(key, record);
    keptBy(record, (bytes) => this.#cache.grow(key, record, bytes));
  }

  /** Drops every cached record: after a bulk import (import.ts) wrote the table past `write` and `remove`. */
  forgetAll(): void {
    this.#cache.clear();
    this.#generation++;
  }

  async list(query: ListQuery): Promise<ListPage<T>> {
    return listPage(this.#parts.sql, query, this.#table.fromRow);
  }

  /**
   * Inside a write's unit: the record as this transaction sees it. A cached entry is the last
   * commit's, and a unit that changes a record drops its entry before the commit (`#changed`),
   * so a later unit of the same group reads that uncommitted change from the table instead.
   */
  #current(key: string, subKey: string, id: string): T | undefined {
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    return this.#get(subKey, id);
  }

  /** Inside a write's unit, once it changed the record of `key`: its cached entry is no longer the transaction's. */
  #changed(key: string): void {
    this.#cache.delete(key);
  }

  async write(subKey: string, id: string, decide: (current: T | undefined) => Decision<T>, announce?: Announce<ObjectWrite<T>>): Promise<ObjectWrite<T>> {
    const key = `${subKey}\n${id}`;
    let generation = 0;
    const written = await this.#parts.writes.run((): ObjectWrite<T> => {
      generation = this.#generation;
      const current = this.#current(key, subKey, id);
      const decision = decide(current);
      if (decision.kind === 'unchanged') return { record: current!, changed: false, memberOf: [] };
      this.#store(subKey, current, decision.record);
      this.#changed(key);
      const outcome = { record: decision.record, changed: true, memberOf: this.#memberOf(subKey, id) };
      this.#parts.outbox.record(announce?.(outcome));
      return outcome;
    });
    if (written.changed) this.#refresh(key, written.record, generation);
    return written;
  }

  /**
   * Inserts a new record, or updates only the columns that changed (and their sort keys): SQLite
   * rewrites the index entries of every column an UPDATE assigns, so leaving the others out keeps
   * each commit to the few pages that really change.
   */
  #store(subKey: string, current: T | undefined, record: T): void {
    if (!current) {
      this.#parts.statements.get(this.#sql.insert).run(subKey, ...this.#table.row.values(record));
      return;
    }
    const { mask, values } = this.#table.row.changes(current, record);
    if (mask === 0) return;
    this.#parts.statements.get(this.#update(mask)).run(...values, subKey, record.id);
  }

  /** The UPDATE of the columns in `mask` (keyed-row.ts `changes`). */
  #update(mask: number): string {
    let sql = this.#updates.get(mask);
    if (sql === undefined) {
      sql = `UPDATE ${this.#table.table} SET ${this.#table.row.assignments(mask)} WHERE sub_key = ? AND id = ?`;
      this.#updates.set(mask, sql);
    }
    return sql;
  }

  async remove(subKey: string, id: string, options: RemoveOptions<T>): Promise<ObjectRemoval<T>> {
    const key = `${subKey}\n${id}`;
    let generation = 0;
    const removal = await this.#parts.writes.run((): ObjectRemoval<T> => {
      generation = this.#generation;
      const current = this.#current(key, subKey, id);
      options.check(current);
      if (!current) return { removed: undefined, memberOf: [], cascaded: [] };
      const memberOf = this.#memberOf(subKey, id);
      this.#parts.statements.get(this.#sql.delete).run(subKey, id);
      this.#changed(key);
      const cascaded = options.cascade
        ? (this.#parts.statements.values(this.#sql.cascade).all(subKey, id) as SqlValues[]).map((row) => membershipFromValues(row))
        : [];
      const outcome = { removed: current, memberOf, cascaded };
      this.#parts.outbox.record(options.announce?.(outcome));
      return outcome;
    });
    if (removal.removed) this.#refresh(key, undefined, generation);
    return removal;
  }
}
