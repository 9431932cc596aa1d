import type { ChannelRecord, UuidRecord } from '../../objects/records.ts';
import type { Decision, ListPage, ListQuery, ObjectRemoval, ObjectStore, ObjectWrite, RemoveOptions } from '../store.ts';
import type { Connection } from './connection.ts';
import { OBJECT_COLUMNS } from './list-sql.ts';
import { channelFromRow, customText, membershipFromRow, uuidFromRow, type SqlRow } from './rows.ts';
import type { StatementCache } from './statements.ts';
import { listPage } from './page.ts';

type AnyObject = UuidRecord | ChannelRecord;

interface ObjectTable<T extends AnyObject> {
  kind: 'uuid' | 'channel';
  table: 'uuids' | 'channels';
  fromRow: (row: SqlRow) => T;
  toRow: (record: T) => (string | null)[];
}

export const UUID_TABLE: ObjectTable<UuidRecord> = {
  kind: 'uuid',
  table: 'uuids',
  fromRow: (row) => uuidFromRow(row),
  toRow: (r) => [r.id, r.name, r.externalId, r.profileUrl, r.email, r.status, r.type, customText(r.custom), r.updated, r.eTag],
};

export const CHANNEL_TABLE: ObjectTable<ChannelRecord> = {
  kind: 'channel',
  table: 'channels',
  fromRow: (row) => channelFromRow(row),
  toRow: (r) => [r.id, r.name, r.description, r.status, r.type, customText(r.custom), r.updated, r.eTag],
};

/** Users or channels in SQLite: one table, keyed by (sub_key, id). */
export class SqliteObjectStore<T extends AnyObject> implements ObjectStore<T> {
  readonly #db: Connection;
  readonly #statements: StatementCache;
  readonly #table: ObjectTable<T>;
  readonly #sql: { get: string; upsert: string; delete: string; memberOf: string; cascade: string };

  constructor(db: Connection, statements: StatementCache, table: ObjectTable<T>) {
    this.#db = db;
    this.#statements = statements;
    this.#table = table;
    const columns = OBJECT_COLUMNS[table.kind];
    const ownColumn = table.kind === 'uuid' ? 'uuid_id' : 'channel_id';
    const otherColumn = table.kind === 'uuid' ? 'channel_id' : 'uuid_id';
    this.#sql = {
      get: `SELECT ${columns.join(', ')} FROM ${table.table} WHERE sub_key = ? AND id = ?`,
      upsert:
        `INSERT INTO ${table.table} (sub_key, ${columns.join(', ')}) VALUES (?, ${columns.map(() => '?').join(', ')})` +
        ` ON CONFLICT (sub_key, id) DO UPDATE SET ${columns.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}`,
      delete: `DELETE FROM ${table.table} WHERE sub_key = ? AND id = ?`,
      memberOf: `SELECT ${otherColumn} AS id FROM memberships WHERE sub_key = ? AND ${ownColumn} = ?`,
      cascade: `DELETE FROM memberships WHERE sub_key = ? AND ${ownColumn} = ? RETURNING *`,
    };
  }

  #get(subKey: string, id: string): T | undefined {
    const row = this.#statements.get(this.#sql.get).get(subKey, id) as SqlRow | undefined;
    return row ? this.#table.fromRow(row) : undefined;
  }

  #memberOf(subKey: string, id: string): string[] {
    if (this.#table.kind !== 'uuid') return [];
    const rows = this.#statements.get(this.#sql.memberOf).all(subKey, id) as { id: string }[];
    return rows.map((row) => row.id);
  }

  async get(subKey: string, id: string): Promise<T | undefined> {
    return this.#get(subKey, id);
  }

  async list(query: ListQuery): Promise<ListPage<T>> {
    return listPage(this.#statements, query, this.#table.fromRow);
  }

  async write(subKey: string, id: string, decide: (current: T | undefined) => Decision<T>): Promise<ObjectWrite<T>> {
    return this.#db
      .transaction((): ObjectWrite<T> => {
        const current = this.#get(subKey, id);
        const decision = decide(current);
        if (decision.kind === 'unchanged') return { record: current!, changed: false, memberOf: [] };
        this.#statements.get(this.#sql.upsert).run(subKey, ...this.#table.toRow(decision.record));
        return { record: decision.record, changed: true, memberOf: this.#memberOf(subKey, id) };
      })
      .immediate();
  }

  async remove(subKey: string, id: string, options: RemoveOptions<T>): Promise<ObjectRemoval<T>> {
    return this.#db
      .transaction((): ObjectRemoval<T> => {
        const current = this.#get(subKey, id);
        options.check(current);
        if (!current) return { removed: undefined, memberOf: [], cascaded: [] };
        const memberOf = this.#memberOf(subKey, id);
        this.#statements.get(this.#sql.delete).run(subKey, id);
        const cascaded = options.cascade
          ? (this.#statements.get(this.#sql.cascade).all(subKey, id) as SqlRow[]).map((row) => membershipFromRow(row))
          : [];
        return { removed: current, memberOf, cascaded };
      })
      .immediate();
  }
}
