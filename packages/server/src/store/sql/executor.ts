import type { SqlDialect } from '../../query/dialect.ts';
import type { ListPage } from '../store.ts';
import type { VersionCache } from './version-cache.ts';
import type { SqlValue, SqlValues } from './rows.ts';

/**
 * How a backend runs the shared SQL's reads. Values are bound in the order of the placeholders
 * its dialect's `SqlParams` handed out; rows come back as arrays of the selected values.
 */
export interface SqlExecutor {
  /** Every row of `sql`. */
  all(sql: string, params: readonly SqlValue[]): Promise<SqlValues[]>;
  /** The first row of `sql`, or undefined when there is none. */
  get(sql: string, params: readonly SqlValue[]): Promise<SqlValues | undefined>;
  /**
   * A text that changes whenever anything these reads see may have changed (any write, by this
   * node or another), taken after it is asked for: two reads at one version see the same data.
   * Absent where the backend cannot tell.
   */
  dataVersion?(): string | Promise<string>;
}

/** A SQL backend as the shared SQL sees it: how it spells things, and how it runs them. */
export interface SqlBackend {
  dialect: SqlDialect;
  executor: SqlExecutor;
  /** List results kept while the data version holds (with `executor.dataVersion`): whole pages, and counts. */
  kept?: KeptLists;
}

/** What a backend that can tell its data version keeps of recent lists (page.ts). */
export interface KeptLists {
  /** Pages, with their count when one was asked for; their rows frozen, as every request shares them. */
  pages: VersionCache<ListPage<unknown>>;
  /** Totals of `count=true`: pages after the first share their list's. */
  counts: VersionCache<number>;
}
