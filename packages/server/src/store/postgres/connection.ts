import postgres from 'postgres';
import { decodeText, encodeText, orderedNumber } from './codec.ts';

/** A pool of connections to one database (postgres.js). */
export type Database = postgres.Sql;
/** The pool, or one transaction's connection: both run statements. */
export type Runner = postgres.Sql | postgres.TransactionSql;

const TEXT_OID = 25;
const BYTEA_OID = 17;

/**
 * Text both ways through codec.ts, so U+0000 survives. A number bound where PostgreSQL expects
 * text can only be a custom value's comparand (query/filter/compile.ts binds it against the
 * dialect's `customValue`), so it goes as `orderedNumber`, the form custom numbers are stored in.
 */
const text = {
  to: TEXT_OID,
  from: [TEXT_OID],
  serialize: (value: unknown): string => (typeof value === 'number' ? orderedNumber(value) : encodeText(String(value))),
  parse: (value: string): string => decodeText(value),
};

/**
 * `bytea` holds sort keys: a string is bound as its UTF-8 bytes, and a key is read back as the
 * string it was (keys are well-formed UTF-16, query/collation.ts), so cursors carry plain text.
 */
const bytes = {
  to: BYTEA_OID,
  from: [BYTEA_OID],
  serialize: (value: unknown): string => `\\x${(Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8')).toString('hex')}`,
  parse: (value: string): string => Buffer.from(value.slice(2), 'hex').toString('utf8'),
};

/** How long opening a connection may take before the request waiting on it fails (a 503). */
const CONNECT_TIMEOUT_SECONDS = 5;

export interface ConnectOptions {
  /** Connections in the pool (postgres.js's default is 10). */
  max?: number;
}

/**
 * Opens a pool on `url` (`postgres://user:password@host:port/database`, with libpq's query
 * parameters such as `sslmode`). Connections open lazily: the first statement fails when the
 * server cannot be reached. Statements bind every value; postgres.js sends each in the form the
 * type PostgreSQL inferred for its placeholder needs, through the codecs above.
 */
export function connect(url: string, options: ConnectOptions = {}): Database {
  return postgres(url, {
    max: options.max ?? 10,
    // `CREATE … IF NOT EXISTS` and the like report notices that are not ours to print.
    onnotice: () => {},
    types: { rosterText: text, rosterBytes: bytes },
    connection: { application_name: 'roster' },
    // While the server is down, requests must fail fast (503) and the pool come back within a
    // second of it: postgres.js's own backoff grows to 20 s between attempts.
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 1),
    connect_timeout: CONNECT_TIMEOUT_SECONDS,
  }) as unknown as Database;
}

/** PostgreSQL's error codes a transaction is retried on: it lost a race and may well win the next time. */
const RETRYABLE = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '23505', // unique_violation: another transaction created the same row first
]);

const MAX_ATTEMPTS = 20;

export function isRetryable(error: unknown): boolean {
  return error instanceof postgres.PostgresError && RETRYABLE.has(error.code);
}

/**
 * Runs `work` in one transaction, again from the start when it loses a race (`RETRYABLE`).
 * `work` must be safe to run again: it reads what it decides on inside the transaction.
 */
export async function transaction<T>(db: Database, work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await db.begin((tx) => work(tx))) as T;
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
      await new Promise((done) => setTimeout(done, Math.random() * Math.min(50, 2 ** attempt)));
    }
  }
}

/** A statement a pipelined transaction sends with its `COMMIT`: the last of its work. */
export interface FinalStatement {
  sql: string;
  params: NonNullable<Parameters<Database['unsafe']>[1]>;
}

/** What the work of `pipelinedTransaction` decided: its result, and the statement (if any) to send with the commit. */
export interface PipelinedOutcome<T> {
  result: T;
  final?: FinalStatement | undefined;
}

/**
 * `transaction` in two round trips: `BEGIN` goes out with the first statements `work` sends on
 * `tx` (issued without waiting, they share one write), and `final`, the transaction's one
 * write, goes out with `COMMIT`. When `final` fails, PostgreSQL has aborted the transaction and
 * answers the `COMMIT` with a rollback (a failure before it was sent commits nothing, `final`
 * holding every change): either way nothing of it is committed, and its error is thrown.
 * Retried as `transaction` is; `work` must be safe to run again.
 */
export async function pipelinedTransaction<T>(db: Database, work: (tx: postgres.ReservedSql) => Promise<PipelinedOutcome<T>>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pipelinedOnce(db, work);
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
      await new Promise((done) => setTimeout(done, Math.random() * Math.min(50, 2 ** attempt)));
    }
  }
}

async function pipelinedOnce<T>(db: Database, work: (tx: postgres.ReservedSql) => Promise<PipelinedOutcome<T>>): Promise<T> {
  const tx = await db.reserve();
  let open = false;
  try {
    const begun = tx.unsafe('BEGIN', [], { prepare: true }).execute();
    begun.catch(() => {}); // awaited below, once `work` has sent its first statements
    open = true;
    let outcome: PipelinedOutcome<T>;
    try {
      outcome = await work(tx);
    } finally {
      await begun; // its failure, if any, is the one to report
    }
    const { result, final } = outcome;
    const written = final === undefined ? undefined : tx.unsafe(final.sql, final.params, { prepare: true }).execute();
    const committed = tx.unsafe('COMMIT', [], { prepare: true }).execute();
    const [wrote, commit] = await Promise.allSettled([written, committed]);
    open = false;
    if (wrote.status === 'rejected') throw wrote.reason;
    if (commit.status === 'rejected') throw commit.reason;
    // A transaction aborted by an earlier statement answers COMMIT with ROLLBACK.
    if (commit.value.command !== 'COMMIT') throw new Error(`The transaction was not committed (${commit.value.command})`);
    return result;
  } catch (error) {
    if (open) await tx.unsafe('ROLLBACK', [], { prepare: true }).catch(() => {});
    throw error;
  } finally {
    tx.release();
  }
}
