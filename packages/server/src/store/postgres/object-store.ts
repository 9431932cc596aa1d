import type { ChannelRecord, UuidRecord } from '../../model/records.ts';
import { CHANNEL_RESOURCE, UUID_RESOURCE, type ResourceDescriptor } from '../../model/resources.ts';
import type { SqlBackend } from '../sql/executor.ts';
import { channelFromValues, membershipFromValues, uuidFromValues, type SqlValues } from '../sql/rows.ts';
import { MEMBERSHIP_COLUMNS, OBJECT_COLUMNS } from '../sql/tables.ts';
import type { Announce, Decision, ListPage, ListQuery, ObjectRemoval, ObjectStore, ObjectWrite, RemoveOptions } from '../store.ts';
import { pipelinedTransaction, transaction, type Database, type PipelinedOutcome, type Runner } from './connection.ts';
import { boundedListPage } from './list-timeout.ts';
import { lockObjects } from './locks.ts';
import { recordOutbox, withOutbox } from './outbox.ts';
import { placeholders, storedShape, type StoredShape } from './rows.ts';

type AnyObject = UuidRecord | ChannelRecord;

/** A get waiting for its turn's statement. */
interface PendingGet<T> {
  id: string;
  resolve: (record: T | undefined) => void;
  reject: (error: unknown) => void;
}

export interface PostgresObjectTable<T extends AnyObject> {
  kind: 'uuid' | 'channel';
  resource: ResourceDescriptor<T>;
  fromRow: (row: SqlValues) => T;
}

export const UUID_TABLE: PostgresObjectTable<UuidRecord> = { kind: 'uuid', resource: UUID_RESOURCE, fromRow: (row) => uuidFromValues(row) };
export const CHANNEL_TABLE: PostgresObjectTable<ChannelRecord> = { kind: 'channel', resource: CHANNEL_RESOURCE, fromRow: (row) => channelFromValues(row) };

/**
 * Users or channels in PostgreSQL: one table keyed by (sub_key, id). Nothing is cached: other
 * nodes write the same rows. A write locks the row it reads (`FOR NO KEY UPDATE`), so writers of
 * one object take turns and each decides on what the one before it committed; two creating the
 * same object at once collide on the primary key and the loser runs again (connection.ts).
 */
export class PostgresObjectStore<T extends AnyObject> implements ObjectStore<T> {
  readonly #db: Database;
  readonly #backend: SqlBackend;
  readonly #table: PostgresObjectTable<T>;
  readonly #shape: StoredShape<T>;
  readonly #sql: { get: string; getMany: string; lock: string; insert: string; update: string; delete: string; memberOf: string; cascade: string };
  /** Gets asked for in this turn of the event loop, by keyset: read together at its end (`get`). */
  #gets = new Map<string, PendingGet<T>[]>();

  constructor(db: Database, backend: SqlBackend, table: PostgresObjectTable<T>) {
    this.#db = db;
    this.#backend = backend;
    this.#table = table;
    this.#shape = storedShape(table.resource);
    const name = table.resource.table;
    const columns = OBJECT_COLUMNS[table.kind].join(', ');
    const stored = this.#shape.columns;
    const own = table.kind === 'uuid' ? 'uuid_id' : 'channel_id';
    const other = table.kind === 'uuid' ? 'channel_id' : 'uuid_id';
    const get = `SELECT ${columns} FROM ${name} WHERE sub_key = $1 AND id = $2`;
    this.#sql = {
      get,
      getMany: `SELECT ${columns} FROM ${name} WHERE sub_key = $1 AND id = ANY($2::text[])`,
      lock: `${get} FOR NO KEY UPDATE`,
      insert: `INSERT INTO ${name} (sub_key, ${stored.join(', ')}) VALUES ($1, ${placeholders(stored.length, 2)})`,
      update: `UPDATE ${name} SET ${stored.map((column, index) => `${column} = $${index + 3}`).join(', ')} WHERE sub_key = $1 AND id = $2`,
      delete: `DELETE FROM ${name} WHERE sub_key = $1 AND id = $2`,
      memberOf: `SELECT ${other} FROM memberships WHERE sub_key = $1 AND ${own} = $2 ORDER BY ${other}`,
      cascade: `DELETE FROM memberships WHERE sub_key = $1 AND ${own} = $2 RETURNING ${MEMBERSHIP_COLUMNS.join(', ')}`,
    };
  }

  async #read(runner: Runner, sql: string, subKey: string, id: string): Promise<T | undefined> {
    const [row] = await runner.unsafe(sql, [subKey, id], { prepare: true }).values();
    return row ? this.#table.fromRow(row as unknown as SqlValues) : undefined;
  }

  async #memberOf(tx: Runner, subKey: string, id: string): Promise<string[]> {
    if (this.#table.kind !== 'uuid') return [];
    const rows = await tx.unsafe(this.#sql.memberOf, [subKey, id], { prepare: true }).values();
    return rows.map((row) => String(row[0]));
  }

  /**
   * The gets of one turn of the event loop in one keyset are read in one statement at its end:
   * one round trip for all of them, each still reading what was committed before it was asked.
   */
  get(subKey: string, id: string): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      let waiting = this.#gets.get(subKey);
      if (!waiting) {
        if (this.#gets.size === 0) setImmediate(() => this.#readGets());
        waiting = [];
        this.#gets.set(subKey, waiting);
      }
      waiting.push({ id, resolve, reject });
    });
  }

  #readGets(): void {
    const gets = this.#gets;
    this.#gets = new Map();
    for (const [subKey, waiting] of gets) void this.#readMany(subKey, waiting);
  }

  async #readMany(subKey: string, waiting: readonly PendingGet<T>[]): Promise<void> {
    try {
      if (waiting.length === 1) {
        waiting[0]!.resolve(await this.#read(this.#db, this.#sql.get, subKey, waiting[0]!.id));
        return;
      }
      const ids = [...new Set(waiting.map((get) => get.id))];
      const rows = await this.#db.unsafe(this.#sql.getMany, [subKey, ids], { prepare: true }).values();
      const found = new Map<string, T>();
      for (const row of rows) {
        const record = this.#table.fromRow(row as unknown as SqlValues);
        found.set(record.id, record);
      }
      for (const get of waiting) get.resolve(found.get(get.id));
    } catch (error) {
      for (const get of waiting) get.reject(error);
    }
  }

  async list(query: ListQuery): Promise<ListPage<T>> {
    return boundedListPage(this.#backend, query, this.#table.fromRow);
  }

  /**
   * Two round trips (connection.ts, `pipelinedTransaction`): the row's lock and its user's
   * channels, then the change and its outbox record as one statement, with the commit.
   */
  async write(subKey: string, id: string, decide: (current: T | undefined) => Decision<T>, announce?: Announce<ObjectWrite<T>>): Promise<ObjectWrite<T>> {
    return pipelinedTransaction(this.#db, async (tx): Promise<PipelinedOutcome<ObjectWrite<T>>> => {
      const [current, memberOf] = await Promise.all([this.#read(tx, this.#sql.lock, subKey, id), this.#memberOf(tx, subKey, id)]);
      const decision = decide(current);
      if (decision.kind === 'unchanged') return { result: { record: current!, changed: false, memberOf: [] } };
      const values = this.#shape.values(decision.record);
      const change = current ? { sql: this.#sql.update, params: [subKey, id, ...values] } : { sql: this.#sql.insert, params: [subKey, ...values] };
      const result = { record: decision.record, changed: true, memberOf };
      return { result, final: withOutbox(change, announce?.(result)) };
    });
  }

  async remove(subKey: string, id: string, options: RemoveOptions<T>): Promise<ObjectRemoval<T>> {
    return transaction(this.#db, async (tx): Promise<ObjectRemoval<T>> => {
      await lockObjects(tx, [{ subKey, kind: this.#table.kind, id }]);
      const current = await this.#read(tx, this.#sql.lock, subKey, id);
      options.check(current);
      if (!current) return { removed: undefined, memberOf: [], cascaded: [] };
      const memberOf = await this.#memberOf(tx, subKey, id);
      await tx.unsafe(this.#sql.delete, [subKey, id], { prepare: true });
      const cascaded = options.cascade ? await tx.unsafe(this.#sql.cascade, [subKey, id], { prepare: true }).values() : [];
      const outcome = { removed: current, memberOf, cascaded: cascaded.map((row) => membershipFromValues(row as unknown as SqlValues)) };
      await recordOutbox(tx, options.announce?.(outcome));
      return outcome;
    });
  }
}
