import type { SqlBackend, SqlExecutor } from '../sql/executor.ts';
import type { SqlValue, SqlValues } from '../sql/rows.ts';
import type { Database } from './connection.ts';
import { postgresDialect } from './dialect.ts';
import { keptLists } from '../sql/page.ts';
import { TurnBatch } from '../../turn-batch.ts';

/**
 * List statements vary with the sort and the shape of the filter (values are always bound). The
 * first this many shapes become prepared statements on each connection; later ones run unnamed,
 * so crafted filters cannot pile up statements in the server's memory.
 */
const PREPARED_SHAPES = 256;

/** How long one list or count statement may run by default, in milliseconds (docs/decisions.md). */
export const LIST_TIMEOUT_MS = 5000;

/** The least timeout `PostgresExecutor` takes. */
export const MIN_TIMEOUT_MS = 100;

/** PostgreSQL's code for a statement it cancelled, here for running past `statement_timeout`. */
const QUERY_CANCELED = '57014';

/** Statements that share one connection's `SET statement_timeout` (executor.ts, `all`). */
const SHARED_CONNECTION = 2;

/**
 * The data version (`PostgresExecutor.dataVersion`): the statement's MVCC snapshot, and when the
 * server started. Snapshots only move on within one server's life; a server restored from a
 * backup, or a standby promoted after the primary committed more, may hand out a snapshot again
 * over other data, and it has started since.
 */
const SNAPSHOT = "SELECT pg_current_snapshot()::text || ' ' || pg_postmaster_start_time()::text";

/** A caller waiting for what its turn's batch reads. */
interface Waiting<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** A statement waiting for its turn's connection. */
interface PendingStatement extends Waiting<SqlValues[]> {
  sql: string;
  params: readonly SqlValue[];
}

/** A list or count statement ran longer than its time and PostgreSQL cancelled it. */
export class StatementTimeout extends Error {
  override readonly name = 'StatementTimeout';

  constructor(
    readonly milliseconds: number,
    options?: ErrorOptions,
  ) {
    super(`The statement ran longer than ${milliseconds} ms and was cancelled`, options);
  }
}

/**
 * The shared list SQL on a PostgreSQL pool. Statements run on a reserved connection with
 * `statement_timeout` set for them alone: `SET`, the statements and `RESET` are sent together
 * (one round trip), so the time counts from when a connection is free, not while waiting for one.
 * Few statements share a connection (`SHARED_CONNECTION`): one that runs long holds up only those.
 */
export class PostgresExecutor implements SqlExecutor {
  readonly #db: Database;
  readonly #timeout: number;
  readonly #prepared = new Set<string>();
  /** Statements asked for in this turn of the event loop, run at its end (`all`). */
  readonly #statements = new TurnBatch<PendingStatement>((statements) => this.#runPending(statements));
  /** Versions asked for in this turn of the event loop, read in one statement at its end. */
  readonly #versions = new TurnBatch<Waiting<string>>((waiting) => this.#readVersion(waiting));

  /**
   * @param timeout milliseconds a statement may run; past them it fails with `StatementTimeout`.
   * At least `MIN_TIMEOUT_MS`: the `RESET` runs under the timeout too, and must never hit it,
   * or the connection would go back to the pool with the timeout still set.
   */
  constructor(db: Database, timeout = LIST_TIMEOUT_MS) {
    if (!Number.isSafeInteger(timeout) || timeout < MIN_TIMEOUT_MS) {
      throw new RangeError(`A statement timeout is a whole number of milliseconds, at least ${MIN_TIMEOUT_MS}: ${timeout}`);
    }
    this.#db = db;
    this.#timeout = timeout;
  }

  /**
   * Statements asked for in one turn of the event loop run `SHARED_CONNECTION` at a time on one
   * connection (a page and its count, most often): one `SET`, the statements and one `RESET` go
   * out in one write. Each statement has the whole timeout to itself.
   */
  all(sql: string, params: readonly SqlValue[]): Promise<SqlValues[]> {
    return new Promise((resolve, reject) => this.#statements.add({ sql, params, resolve, reject }));
  }

  #runPending(pending: PendingStatement[]): void {
    for (let at = 0; at < pending.length; at += SHARED_CONNECTION) void this.#run(pending.slice(at, at + SHARED_CONNECTION));
  }

  async #run(statements: readonly PendingStatement[]): Promise<void> {
    let connection: Awaited<ReturnType<Database['reserve']>>;
    try {
      connection = await this.#db.reserve();
    } catch (error) {
      for (const statement of statements) statement.reject(error);
      return;
    }
    // Created in this order, they are sent in it.
    const limited = connection.unsafe(`SET statement_timeout = ${this.#timeout}`).execute();
    const reading = statements.map(({ sql, params }) =>
      connection
        .unsafe(sql, params as SqlValue[], { prepare: this.#prepare(sql) })
        .values()
        .execute(),
    );
    const reset = connection.unsafe('RESET statement_timeout').execute();
    const [set, unset, ...results] = await Promise.allSettled([limited, reset, ...reading]);
    connection.release();
    statements.forEach((statement, index) => {
      const result = results[index]!;
      if (result.status === 'rejected') {
        const code = (result.reason as { code?: unknown } | null)?.code;
        statement.reject(code === QUERY_CANCELED ? new StatementTimeout(this.#timeout, { cause: result.reason }) : result.reason);
      } else {
        const step = [set, unset].find((settled) => settled!.status === 'rejected') as PromiseRejectedResult | undefined;
        if (step) statement.reject(step.reason);
        else statement.resolve(result.value as unknown as SqlValues[]); // text, numbers and keys (read as text) per connection.ts
      }
    });
  }

  /**
   * PostgreSQL's current snapshot (`pg_current_snapshot()`: the oldest transaction still running,
   * the next to start, and those running in between). Two snapshots alike see the same committed
   * transactions, whichever node committed them; snapshots only move on, so a page read after
   * this was taken and kept under it is what any later read at the same snapshot would see. The
   * versions asked for in one turn share one statement, sent at its end, after each was asked.
   */
  dataVersion(): Promise<string> {
    return new Promise((resolve, reject) => this.#versions.add({ resolve, reject }));
  }

  #readVersion(waiting: readonly Waiting<string>[]): void {
    this.#db
      .unsafe(SNAPSHOT, [], { prepare: true })
      .values()
      .then(
        ([row]) => waiting.forEach(({ resolve }) => resolve(String(row![0]))),
        (error: unknown) => waiting.forEach(({ reject }) => reject(error)),
      );
  }

  async get(sql: string, params: readonly SqlValue[]): Promise<SqlValues | undefined> {
    return (await this.all(sql, params))[0];
  }

  #prepare(sql: string): boolean {
    if (this.#prepared.has(sql)) return true;
    if (this.#prepared.size >= PREPARED_SHAPES) return false;
    this.#prepared.add(sql);
    return true;
  }
}

/**
 * The shared list SQL as PostgreSQL spells and runs it, with lists kept per snapshot;
 * `timeout` as for `PostgresExecutor`.
 */
export function postgresBackend(db: Database, timeout?: number): SqlBackend {
  return { dialect: postgresDialect, executor: new PostgresExecutor(db, timeout), kept: keptLists() };
}
