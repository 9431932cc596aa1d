/**
 * What a store tells the node's metrics about its inner workings, beyond the time each call takes
 * (timed-store.ts measures that for every backend). Each call is cheap and never throws.
 */
export interface StoreObserver {
  /** A group commit ran `writes` write transactions as one SQLite transaction (sqlite/group-commit.ts). */
  groupCommit(writes: number): void;
  /** A get by id was answered from the record cache (`hit`), or had to read the database. */
  recordCache(hit: boolean): void;
}

/** For stores nobody observes. */
export const UNOBSERVED: StoreObserver = { groupCommit: () => undefined, recordCache: () => undefined };
