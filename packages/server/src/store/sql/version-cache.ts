import { createHash } from 'node:crypto';
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

/** Keys longer than this are kept as their SHA-256 digest. */
const MAX_PLAIN_KEY = 512;

/**
 * The key of a statement's result: its text and its parameters, or for a long statement their
 * digest. A short list request can make a long statement (sort keys on `custom` fields, repeated
 * per page-boundary term), and a cache must not keep hundreds of KB of key per entry.
 */
export function statementKey(sql: string, params: readonly SqlValue[]): string {
  const key = `${sql}\u0000${JSON.stringify(params)}`;
  // UTF-16 code units as they are: UTF-8 would turn every lone surrogate into the same U+FFFD.
  return key.length <= MAX_PLAIN_KEY ? key : `sha256:${createHash('sha256').update(key, 'utf16le').digest('base64')}`;
}
