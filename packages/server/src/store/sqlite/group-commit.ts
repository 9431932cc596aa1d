import type { Connection } from './connection.ts';
import { TurnBatch } from '../../turn-batch.ts';
import { UNOBSERVED, type StoreObserver } from '../observer.ts';

/**
 * What a group's transaction writes once for all its units (outbox.ts): units add to it as
 * they run, and it is written just before the commit.
 */
export interface GroupJournal {
  /** Where the unit about to run starts in what the group added. */
  mark(): number;
  /** The unit that started at `mark` rolled back: what it added goes too. */
  rollBack(mark: number): void;
  /** Inside the transaction, after every unit ran: writes what they added (nothing when there is none). */
  write(): void;
  /** After the group: whether what `write` wrote is committed (false: it rolled back, or never ran). */
  settle(committed: boolean): void;
}

const NO_JOURNAL: GroupJournal = { mark: () => 0, rollBack: () => {}, write: () => {}, settle: () => {} };

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the write transactions that arrive in one turn of the event loop run as
 * savepoints inside one SQLite transaction, and each caller hears back only once that
 * transaction has committed. A commit costs the same for one write or fifty, so under
 * concurrent load the cost is shared; a lone write waits for nothing but the current turn.
 *
 * A unit of work that throws rolls back its own savepoint and fails alone. When the commit
 * fails (a full disk: SQLITE_FULL), or SQLite gives up the whole transaction (it may on
 * SQLITE_FULL or an I/O error), every write of the group fails with that error: none of them
 * is applied, and the connection is left out of any transaction, ready for the next group.
 */
export class GroupCommit {
  readonly #db: Connection;
  readonly #begin;
  readonly #commit;
  readonly #savepoint;
  readonly #release;
  readonly #rollbackTo;
  readonly #observer: StoreObserver;
  #journal: GroupJournal = NO_JOURNAL;
  /** Units asked for in this turn of the event loop: one group, committed at its end. */
  readonly #pending = new TurnBatch<Pending>((group) => this.#flush(group));

  constructor(db: Connection, observer: StoreObserver = UNOBSERVED) {
    this.#db = db;
    this.#observer = observer;
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#savepoint = db.prepare('SAVEPOINT write');
    this.#release = db.prepare('RELEASE write');
    this.#rollbackTo = db.prepare('ROLLBACK TO write');
  }

  /** Has `journal` written at the end of every group, in its transaction (one journal: the outbox). */
  attach(journal: GroupJournal): void {
    this.#journal = journal;
  }

  /** Runs `work` (synchronous SQLite statements) in the next group; resolves after its commit. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => this.#pending.add({ work, resolve: resolve as (value: unknown) => void, reject }));
  }

  #flush(group: Pending[]): void {
    this.#observer.groupCommit(group.length);
    // Inside a caller's own transaction (bulk loading, say) that transaction decides the commit.
    const own = !this.#db.inTransaction;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      if (own) this.#begin.run();
      for (const { work } of group) outcomes.push(this.#attempt(work));
      this.#journal.write();
      if (own) this.#commit.run();
    } catch (error) {
      this.#abandon(own);
      this.#journal.settle(false);
      for (const { reject } of group) reject(error);
      return;
    }
    this.#journal.settle(true);
    group.forEach(({ resolve, reject }, index) => {
      const { ok, value } = outcomes[index]!;
      if (ok) resolve(value);
      else reject(value);
    });
  }

  #attempt(work: () => unknown): { ok: boolean; value: unknown } {
    this.#savepoint.run();
    const mark = this.#journal.mark();
    try {
      const value = work();
      this.#release.run();
      return { ok: true, value };
    } catch (error) {
      this.#journal.rollBack(mark);
      this.#undo(error);
      return { ok: false, value: error };
    }
  }

  /**
   * Rolls back the savepoint of a unit that threw. When SQLite has already rolled back the
   * whole transaction (it may on SQLITE_FULL or an I/O error), there is no savepoint left: the
   * unit's own error then fails the group.
   */
  #undo(error: unknown): void {
    try {
      this.#rollbackTo.run();
      this.#release.run();
    } catch {
      throw error;
    }
  }

  /** After a failed group: rolls back our transaction if SQLite has not already done so. */
  #abandon(own: boolean): void {
    if (!own || !this.#db.inTransaction) return;
    try {
      this.#db.exec('ROLLBACK');
    } catch {
      // In WAL mode a rollback only drops pages from memory; the group's own error is the one to report.
    }
  }
}
