/**
 * A Map that holds at most `capacity` entries, dropping the oldest insertion first: for caching
 * the result of work that recurs request after request (parsed `include` flags, filters,
 * verified tokens) without letting distinct inputs grow memory without bound.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly capacity: number;

  constructor(capacity: number) {
    super();
    this.capacity = capacity;
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.capacity) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }

  /** The cached value for `key`, computing and keeping it on a miss. */
  remember(key: K, compute: () => V): V {
    const known = this.get(key);
    if (known !== undefined) return known;
    const value = compute();
    this.set(key, value);
    return value;
  }
}

/**
 * A map bounded in entries and in bytes (each entry weighed by `weigh` when set, and by what
 * `grow` adds for what is later kept beside it): for caching values whose size the client
 * chooses (records, pages of them), where a count alone would let memory grow with what each one
 * holds. A value heavier than the whole budget is not kept.
 *
 * Which entries go is nearly least recently used, at the cost of one flag per `get` (the CLOCK
 * or second-chance policy): the oldest set goes first, unless it was read since it was set or
 * last spared, in which case it is spared once more, as if set anew. So records read again and
 * again stay while a scan of others passes through.
 */
export class WeighedMap<K, V> {
  readonly capacity: number;
  readonly maxBytes: number;
  readonly #weigh: (value: V, key: K) => number;
  readonly #entries = new Map<K, { value: V; bytes: number; read: boolean }>();
  #bytes = 0;

  constructor(capacity: number, maxBytes: number, weigh: (value: V, key: K) => number) {
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.#weigh = weigh;
  }

  /** Entries kept. */
  get size(): number {
    return this.#entries.size;
  }

  /** What the kept entries weigh together. */
  get bytes(): number {
    return this.#bytes;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    entry.read = true;
    return entry.value;
  }

  /**
   * Keeps `value`, then drops the oldest entries until both bounds hold: a new key as the newest
   * entry; a key already kept where it is, marked read, so that the next pass spares it as if it
   * were set anew. (Moving it would leave a deleted slot in the key's own bucket of V8's Map each
   * time, and a key set again and again would cost a walk past all of them: 29 µs a set in a
   * map of 10,000.) Setting the value `key` already holds changes nothing: its weight keeps what
   * `grow` added.
   */
  set(key: K, value: V): void {
    const entry = this.#entries.get(key);
    if (entry?.value === value) return;
    const bytes = this.#weigh(value, key);
    if (bytes > this.maxBytes || this.capacity === 0) {
      this.delete(key);
      return;
    }
    this.#bytes += bytes - (entry?.bytes ?? 0);
    if (entry === undefined) this.#entries.set(key, { value, bytes, read: false });
    else Object.assign(entry, { value, bytes, read: true });
    this.#keepWithinBounds(key);
  }

  /**
   * What `value`, if still the entry of `key`, holds beside it grew by `bytes` (shrank, when
   * negative): it weighs that much more, and the oldest entries go until the budget holds again.
   * An entry grown heavier than the whole budget goes alone, as `set` would not keep it.
   */
  grow(key: K, value: V, bytes: number): void {
    const entry = this.#entries.get(key);
    if (entry?.value !== value) return;
    entry.bytes += bytes;
    this.#bytes += bytes;
    if (entry.bytes > this.maxBytes) this.delete(key);
    else this.#keepWithinBounds();
  }

  delete(key: K): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    return true;
  }

  clear(): void {
    if (this.#entries.size > 0) this.#entries.clear();
    this.#bytes = 0;
  }

  /**
   * Drops the oldest entries not read since they were set or spared, until both bounds hold; a
   * spared entry moves to the newest end, unread, so each is spared once per pass. The entry
   * `justSet` is passed over: when every other one was read, the first spared goes, not it.
   */
  #keepWithinBounds(justSet?: K): void {
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.capacity && this.#bytes <= this.maxBytes) return;
      if (oldest === justSet) continue;
      this.#entries.delete(oldest);
      if (entry.read) {
        entry.read = false;
        this.#entries.set(oldest, entry);
      } else {
        this.#bytes -= entry.bytes;
      }
    }
  }
}
