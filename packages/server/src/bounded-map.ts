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
