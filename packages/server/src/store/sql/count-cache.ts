import { BoundedMap } from '../../bounded-map.ts';
import type { SqlValue } from './rows.ts';

/** Counts kept at most: one per distinct list (keyset, owner, filter), the oldest going first. */
const COUNTS_KEPT = 1000;

/**
 * The `totalCount` of recent lists, each kept with the data version it was counted at
 * (`SqlExecutor.dataVersion`) and used only while the data is still at that version: a
 * repeated `count=true` list then costs its page alone, not a scan of its whole match set, until
 * the next write. Per store, for backends that can tell their data version (one SQLite writer);
 * bounded in entries.
 */
export class CountCache {
  readonly #counts = new BoundedMap<string, { version: string; total: number }>(COUNTS_KEPT);

  /** The count of `sql` with `params` at `version`, if one was kept. */
  get(sql: string, params: readonly SqlValue[], version: string): number | undefined {
    const kept = this.#counts.get(keyOf(sql, params));
    return kept?.version === version ? kept.total : undefined;
  }

  set(sql: string, params: readonly SqlValue[], version: string, total: number): void {
    this.#counts.set(keyOf(sql, params), { version, total });
  }
}

const keyOf = (sql: string, params: readonly SqlValue[]): string => `${sql}\u0000${JSON.stringify(params)}`;
