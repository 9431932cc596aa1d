import postgres from 'postgres';
import type { OutboxRecord } from '../store.ts';
import type { Database } from './connection.ts';
import type { StoredValue } from './rows.ts';
import { SizedStatements, TurnCalls } from './batches.ts';

/** A new version of a stored row, to be written only if the row still has the eTag it was read with. */
export interface ConditionalWrite {
  id: string;
  /** The eTag the row had when its new version was decided on. */
  eTag: string;
  /** The row's stored values, in the order of the columns given to `ConditionalWrites`. */
  values: StoredValue[];
  /** What the change announces, recorded in the outbox with it. */
  entry: OutboxRecord | undefined;
}

/**
 * Rows one statement writes at most; a turn's writes beyond them go in further statements. Each
 * connection keeps the plans of every size it ran: about 33 KB a row, so 0.5 MB for 16 rows.
 */
const MAX_ROWS = 16;

/**
 * The row's id if it still has the eTag read and no other transaction holds it; else NULL. A row
 * another writer holds is skipped (that write then takes the locked path, alone), so that the
 * other rows of the statement do not wait for it.
 */
const lockedNow = (table: string, id: string, eTag: string) =>
  `SELECT id FROM ${table} WHERE sub_key = $1 AND id = ${id} AND etag = ${eTag}::text FOR NO KEY UPDATE SKIP LOCKED`;

/**
 * Conditional writes of one object table (uuids or channels). The writes asked for during one
 * turn of the event loop in one keyset go as one autocommit statement: each row is updated only
 * if its eTag (a digest of its content and `updated`, objects/apply.ts) is still the one its
 * writer read, and the outbox records of the rows updated are inserted in the same statement.
 * Whatever the statement answers is committed, each row with its record; a row it did not
 * update was written by someone else in between and is left as that writer left it.
 */
export class ConditionalWrites {
  readonly #db: Database;
  readonly #table: string;
  readonly #columns: readonly string[];
  readonly #statements = new SizedStatements((size) => this.#statement(size));
  readonly #batch = new TurnCalls<ConditionalWrite, boolean>((subKey, writes) => this.#run(subKey, writes), MAX_ROWS);

  constructor(db: Database, table: string, columns: readonly string[]) {
    this.#db = db;
    this.#table = table;
    this.#columns = columns;
  }

  /**
   * Resolves true once the write is committed with its outbox record, false when nothing of it
   * was: the row had changed, or PostgreSQL refused the statement (the caller may then decide
   * again on what is stored now). Rejects when the outcome is not known (the connection failed).
   */
  write(subKey: string, write: ConditionalWrite): Promise<boolean> {
    return this.#batch.call(subKey, write);
  }

  async #run(subKey: string, writes: ConditionalWrite[]): Promise<boolean[]> {
    // A statement may update a row once: a second write of one id waits for the locked path.
    const first = new Map<string, number>();
    writes.forEach((write, index) => first.has(write.id) || first.set(write.id, index));
    // In id order, so that two statements updating the same rows lock them in the same order.
    const sent = [...first.values()].sort((a, b) => (writes[a]!.id < writes[b]!.id ? -1 : 1));
    const { size, sql } = this.#statements.for(sent.length);
    try {
      const rows = await this.#db
        .unsafe(
          sql,
          this.#params(
            subKey,
            sent.map((index) => writes[index]!),
            size,
          ),
          { prepare: true },
        )
        .values();
      const written = new Set(rows.map((row) => sent[Number(row[0])]));
      return writes.map((_, index) => written.has(index));
    } catch (error) {
      // PostgreSQL answered with an error: the statement, its own transaction, committed nothing.
      if (error instanceof postgres.PostgresError) return writes.map(() => false);
      throw error;
    }
  }

  /** The statement's values: the keyset, then each row's columns, old eTag and outbox record, then NULLs up to `size` rows. */
  #params(subKey: string, writes: ConditionalWrite[], size: number): string[] {
    const params: StoredValue[] = [subKey];
    for (const { values, eTag, entry } of writes) params.push(...values, eTag, entry?.key ?? null, entry?.events ?? null);
    params.push(...Array<null>((size - writes.length) * (this.#columns.length + 3)).fill(null));
    return params as string[];
  }

  /**
   * The statement for `size` rows: an UPDATE by primary key for each, and the INSERT of its
   * outbox record fed by what that UPDATE returned, so that every row is found through its key
   * whatever PostgreSQL estimates. Unused rows are NULL and match none.
   */
  #statement(size: number): string {
    const width = this.#columns.length + 3;
    const parts = Array.from({ length: size }, (_, row) => {
      const at = (column: number) => `$${2 + row * width + column}`;
      const set = this.#columns.map((column, index) => `${column} = ${at(index)}`).join(', ');
      const [id, eTag, key, events] = [at(this.#columns.indexOf('id')), at(this.#columns.length), at(this.#columns.length + 1), at(this.#columns.length + 2)];
      return {
        update: `w${row} AS (UPDATE ${this.#table} SET ${set} WHERE sub_key = $1 AND id = ${id} AND etag = ${eTag}::text AND id = (${lockedNow(this.#table, id, eTag)}) RETURNING ${row} AS n)`,
        record: `o${row} AS (INSERT INTO outbox (key, sub_key, events) SELECT ${key}::text, $1, ${events}::text FROM w${row} WHERE ${key}::text IS NOT NULL)`,
        written: `SELECT n FROM w${row}`,
      };
    });
    return `WITH ${parts.flatMap((part) => [part.update, part.record]).join(', ')} ${parts.map((part) => part.written).join(' UNION ALL ')}`;
  }
}
