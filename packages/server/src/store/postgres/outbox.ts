import type { OutboxRecord, OutboxStore, RelayRequest } from '../store.ts';
import type { Database, FinalStatement, Runner } from './connection.ts';

const SQL = {
  insert: 'INSERT INTO outbox (key, sub_key, events) VALUES ($1, $2, $3)',
  remove: 'DELETE FROM outbox WHERE key = ANY($1::text[])',
  // Rows another node's relay holds are skipped, not waited for: each row goes to one relay.
  claim:
    'SELECT key, sub_key, events FROM outbox WHERE created_at <= now() - make_interval(secs => $1::double precision)' +
    ' ORDER BY id LIMIT $2::integer FOR UPDATE SKIP LOCKED',
};

/**
 * `statement` (its values bound from `$1` to `$n`) and the recording of `entry` as one statement,
 * a data-modifying CTE: what a pipelined write (connection.ts) sends with its `COMMIT`.
 */
export function withOutbox(statement: FinalStatement, entry: OutboxRecord | undefined): FinalStatement {
  if (!entry) return statement;
  const at = statement.params.length;
  return {
    sql: `WITH written AS (${statement.sql}) INSERT INTO outbox (key, sub_key, events) VALUES ($${at + 1}, $${at + 2}, $${at + 3})`,
    params: [...statement.params, entry.key, entry.subKey, entry.events],
  };
}

/** Inside a write's transaction: records what it announced (nothing for `undefined`). */
export async function recordOutbox(tx: Runner, entry: OutboxRecord | undefined): Promise<void> {
  if (entry) await tx.unsafe(SQL.insert, [entry.key, entry.subKey, entry.events], { prepare: true });
}

/**
 * The outbox in PostgreSQL (migration 5), shared by every node. A relay claims its rows with
 * `FOR UPDATE SKIP LOCKED` in a transaction that lasts while they are handed to the bus and
 * deletes them in it, so each row is relayed by one node; a relay that dies mid-way leaves them
 * to the next. `created_at` is the database's clock, the same for every node.
 */
export class PostgresOutbox implements OutboxStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async remove(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#db.unsafe(SQL.remove, [keys as string[]], { prepare: true });
  }

  async relay(request: RelayRequest, deliver: (records: OutboxRecord[]) => Promise<readonly string[]>): Promise<number> {
    return (await this.#db.begin(async (tx) => {
      const rows = await tx.unsafe(SQL.claim, [request.olderThanMs / 1000, request.limit], { prepare: true });
      if (rows.length === 0) return 0;
      const records = rows.map((row) => ({ key: String(row['key']), subKey: String(row['sub_key']), events: String(row['events']) }));
      const delivered = await deliver(records);
      if (delivered.length > 0) await tx.unsafe(SQL.remove, [delivered as string[]], { prepare: true });
      return records.length;
    })) as number;
  }
}
