import postgres from 'postgres';
import type { ChannelRecord, UuidRecord } from '../../model/records.ts';
import { CHANNEL_RESOURCE, UUID_RESOURCE, type ResourceDescriptor } from '../../model/resources.ts';
import type { SqlBackend } from '../sql/executor.ts';
import { channelFromValues, membershipFromValues, uuidFromValues, type SqlValues } from '../sql/rows.ts';
import { MEMBERSHIP_COLUMNS, OBJECT_COLUMNS } from '../sql/tables.ts';
import type { Announce, Decision, ListPage, ListQuery, ObjectRemoval, ObjectStore, ObjectWrite, RemoveOptions } from '../store.ts';
import { pipelinedTransaction, transaction, type Database, type PipelinedOutcome, type Runner } from './connection.ts';
import { ConditionalWrites } from './conditional-writes.ts';
import { boundedListPage } from './list-timeout.ts';
import { lockObjects } from './locks.ts';
import { recordOutbox, withOutbox } from './outbox.ts';
import { placeholders, storedShape, type StoredShape } from './rows.ts';
import { SizedStatements, TurnCalls } from './batches.ts';

type AnyObject = UuidRecord | ChannelRecord;

/** Rows one read for writes asks for at most. */
const MAX_READS = 32;

/**
 * The rows of `size` ids (`$2`…; NULL for none) and, read for a write of users, the channels each
 * is a member of, after its columns: one statement, one snapshot. Each row is looked up by its key
 * (the `OFFSET 0` keeps PostgreSQL from turning the lookups into a scan of the keyset, which an
 * estimate made without statistics can make look cheaper).
 */
function readRowsSql(kind: 'uuid' | 'channel', size: number, forWrite: boolean): string {
  const ids = Array.from({ length: size }, (_, index) => `($${index + 2})`).join(', ');
  const memberOf =
    kind === 'uuid' && forWrite ? ', ARRAY(SELECT channel_id FROM memberships AS m WHERE m.sub_key = $1 AND m.uuid_id = o.id ORDER BY channel_id)' : '';
  const table = kind === 'uuid' ? 'uuids' : 'channels';
  const columns = OBJECT_COLUMNS[kind].join(', ');
  return `SELECT found.* FROM (VALUES ${ids}) AS wanted (id) CROSS JOIN LATERAL (SELECT ${columns}${memberOf} FROM ${table} AS o WHERE o.sub_key = $1 AND o.id = wanted.id OFFSET 0) AS found`;
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
 * nodes write the same rows. A write of a stored object decides on the row as read and changes it
 * only if its eTag is still the one read (`#writeIfUnchanged`); one that finds it changed, and a
 * creation, lock the row they read (`FOR NO KEY UPDATE`), so that writers of one object take
 * turns and each decides on what the one before it committed; two creating the same object at
 * once collide on the primary key and the loser runs again (connection.ts).
 */
export class PostgresObjectStore<T extends AnyObject> implements ObjectStore<T> {
  readonly #db: Database;
  readonly #backend: SqlBackend;
  readonly #table: PostgresObjectTable<T>;
  readonly #shape: StoredShape<T>;
  readonly #sql: { get: string; lock: string; insert: string; update: string; delete: string; memberOf: string; cascade: string };
  /** Gets asked for in this turn of the event loop, by keyset: read together at its end (`get`). */
  readonly #gets = new TurnCalls<string, T | undefined>((subKey, ids) => this.#readMany(subKey, ids), MAX_READS);
  readonly #getsSql: SizedStatements;
  /** Rows read for writes asked for in this turn, by keyset (`#writeIfUnchanged`). */
  readonly #readsForWrite = new TurnCalls<string, SqlValues | undefined>((subKey, ids) => this.#readForWrite(subKey, ids), MAX_READS);
  readonly #readForWriteSql: SizedStatements;
  readonly #conditional: ConditionalWrites;

  constructor(db: Database, backend: SqlBackend, table: PostgresObjectTable<T>) {
    this.#db = db;
    this.#backend = backend;
    this.#table = table;
    this.#shape = storedShape(table.resource);
    const name = table.resource.table;
    this.#conditional = new ConditionalWrites(db, name, this.#shape.columns);
    this.#readForWriteSql = new SizedStatements((size) => readRowsSql(table.kind, size, true));
    this.#getsSql = new SizedStatements((size) => readRowsSql(table.kind, size, false));
    const columns = OBJECT_COLUMNS[table.kind].join(', ');
    const stored = this.#shape.columns;
    const own = table.kind === 'uuid' ? 'uuid_id' : 'channel_id';
    const other = table.kind === 'uuid' ? 'channel_id' : 'uuid_id';
    const get = `SELECT ${columns} FROM ${name} WHERE sub_key = $1 AND id = $2`;
    this.#sql = {
      get,
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
   * The gets of one turn of the event loop in one keyset are read in one statement at its end
   * (of a fixed size, batches.ts): one round trip for all of them, each still reading what was
   * committed before it was asked.
   */
  get(subKey: string, id: string): Promise<T | undefined> {
    return this.#gets.call(subKey, id);
  }

  async #readMany(subKey: string, ids: string[]): Promise<(T | undefined)[]> {
    const { sql, params } = this.#getsSql.ofIds(subKey, ids);
    const rows = await this.#db.unsafe(sql, params, { prepare: true }).values();
    const found = new Map<string, T>();
    for (const row of rows) {
      const record = this.#table.fromRow(row as unknown as SqlValues);
      found.set(record.id, record);
    }
    return ids.map((id) => found.get(id));
  }

  async list(query: ListQuery): Promise<ListPage<T>> {
    return boundedListPage(this.#backend, query, this.#table.fromRow);
  }

  /**
   * Optimistic first (`#writeIfUnchanged`): one read, then one autocommit statement that writes
   * only if the row still has the eTag it was read with. A write that loses that race, and a
   * creation, take the locked path (`#writeLocked`).
   */
  async write(subKey: string, id: string, decide: (current: T | undefined) => Decision<T>, announce?: Announce<ObjectWrite<T>>): Promise<ObjectWrite<T>> {
    return (await this.#writeIfUnchanged(subKey, id, decide, announce)) ?? this.#writeLocked(subKey, id, decide, announce);
  }

  /**
   * Decides on the row as committed when it was read, and writes the change with its outbox
   * record on condition that the row's eTag is still the one read (conditional-writes.ts): a
   * write in between makes it write nothing, and this returns undefined. Reading, deciding and
   * writing then hold as if done at the read. The reads and the writes of one turn of the event
   * loop are one statement each.
   */
  async #writeIfUnchanged(
    subKey: string,
    id: string,
    decide: (current: T | undefined) => Decision<T>,
    announce: Announce<ObjectWrite<T>> | undefined,
  ): Promise<ObjectWrite<T> | undefined> {
    const row = await this.#readsForWrite.call(subKey, id);
    if (!row) return undefined;
    const current = this.#table.fromRow(row);
    const decision = decide(current);
    if (decision.kind === 'unchanged') return { record: current, changed: false, memberOf: [] };
    const memberOf = this.#table.kind === 'uuid' ? (row[OBJECT_COLUMNS.uuid.length] as unknown as string[]) : [];
    const result = { record: decision.record, changed: true, memberOf };
    const write = { id, eTag: current.eTag, values: this.#shape.values(decision.record), entry: announce?.(result) };
    return (await this.#conditional.write(subKey, write)) ? result : undefined;
  }

  /**
   * The rows of `ids` as they are now, each with its user's channels after its columns. When
   * PostgreSQL refuses the statement, none is returned: each write then takes the locked path,
   * where only one that is itself refused fails.
   */
  async #readForWrite(subKey: string, ids: string[]): Promise<(SqlValues | undefined)[]> {
    const { sql, params } = this.#readForWriteSql.ofIds(subKey, ids);
    try {
      const rows = await this.#db.unsafe(sql, params, { prepare: true }).values();
      const found = new Map(rows.map((row) => [String(row[0]), row as unknown as SqlValues]));
      return ids.map((id) => found.get(id));
    } catch (error) {
      if (error instanceof postgres.PostgresError) return ids.map(() => undefined);
      throw error;
    }
  }

  /**
   * Two round trips (connection.ts, `pipelinedTransaction`): the row's lock and its user's
   * channels, then the change and its outbox record as one statement, with the commit.
   */
  async #writeLocked(
    subKey: string,
    id: string,
    decide: (current: T | undefined) => Decision<T>,
    announce: Announce<ObjectWrite<T>> | undefined,
  ): Promise<ObjectWrite<T>> {
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
