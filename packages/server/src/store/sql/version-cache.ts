import { BoundedMap } from '../../bounded-map.ts';
import type { SqlValue } from './rows.ts';

/**
 * Results of recent reads, each kept with the data version it was read at
 * (`SqlExecutor.dataVersion`) and used only while the data is still at that version: a repeated
 * list then costs a lookup, not its page's rows and the count of its whole match set, until the
 * next write. Per store, for backends that can tell their data version (SQLite's one writer,
 * PostgreSQL's snapshot); bounded in entries, the oldest going first.
 */
export class VersionCache<V> {
  readonly #kept: BoundedMap<string, { version: string; value: V }>;

  constructor(capacity: number) {
    this.#kept = new BoundedMap(capacity);
  }

  /** What `key` read at `version`, if it was kept. */
  get(key: string, version: string): V | undefined {
    const kept = this.#kept.get(key);
    return kept?.version === version ? kept.value : undefined;
  }

  set(key: string, version: string, value: V): void {
    this.#kept.set(key, { version, value });
  }
}

/** The key of a statement's result: its text and its parameters. */
export const statementKey = (sql: string, params: readonly SqlValue[]): string => `${sql}\u0000${JSON.stringify(params)}`;
