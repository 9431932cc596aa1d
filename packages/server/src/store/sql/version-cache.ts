import { createHash } from 'node:crypto';
import { WeighedMap } from '../../bounded-map.ts';
import { approximateBytes, type KeptBeside } from '../../kept-bytes.ts';
import type { SqlValue } from './rows.ts';

/**
 * Results of recent reads, each kept with the data version it was read at
 * (`SqlExecutor.dataVersion`) and used only while the data is still at that version: a repeated
 * list then costs a lookup, not its page's rows and the count of its whole match set, until the
 * next write. Per store, for backends that can tell their data version (SQLite's one writer,
 * PostgreSQL's snapshot); bounded in entries and in what they weigh (`weigh`), the entry read least
 * lately going first (`WeighedMap`).
 */
export class VersionCache<V> {
  readonly #kept: WeighedMap<string, { version: string; value: V }>;

  /** @param weigh what a value held in memory weighs, in bytes (its key and version are counted besides) */
  constructor(capacity: number, maxBytes: number, weigh: (value: V) => number) {
    this.#kept = new WeighedMap(capacity, maxBytes, (kept, key) => approximateBytes(key) + approximateBytes(kept.version) + weigh(kept.value));
  }

  /** What `key` read at `version`, if it was kept. */
  get(key: string, version: string): V | undefined {
    const kept = this.#kept.get(key);
    return kept?.version === version ? kept.value : undefined;
  }

  /** Keeps `value`; returns what counts, while it is kept, what is later kept beside it (`keptBy`). */
  set(key: string, version: string, value: V): KeptBeside {
    const kept = { version, value };
    this.#kept.set(key, kept);
    return (bytes) => this.#kept.grow(key, kept, bytes);
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
