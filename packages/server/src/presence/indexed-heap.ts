/** What an `IndexedMinHeap` holds: a time to order by and the heap's own record of where it sits. */
export interface HeapItem {
  /** Milliseconds since the epoch; the smallest comes first. */
  at: number;
  /** Where the item sits in its heap; -1 when in none. Written by the heap only. */
  heapIndex: number;
}

/**
 * A binary min-heap by `at` whose items know their place, so that one can be moved (a later
 * expiry) or removed (a leave) in O(log n) without leaving stale copies behind: the heap holds
 * exactly the live items, and the earliest is always at the top.
 */
export class IndexedMinHeap<T extends HeapItem> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** The item with the earliest `at`, left in place. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds `item` (not in a heap yet). */
  push(item: T): void {
    item.heapIndex = this.#items.length;
    this.#items.push(item);
    this.#up(item.heapIndex);
  }

  /** Gives `item` (in this heap) a new time and moves it to its place. */
  update(item: T, at: number): void {
    const earlier = at < item.at;
    item.at = at;
    if (earlier) this.#up(item.heapIndex);
    else this.#down(item.heapIndex);
  }

  /** Takes `item` out of this heap; nothing when it is in none. */
  remove(item: T): void {
    const index = item.heapIndex;
    if (index < 0) return;
    const last = this.#items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    this.#items[index] = last;
    last.heapIndex = index;
    this.#up(index);
    this.#down(last.heapIndex);
  }

  #up(index: number): void {
    const items = this.#items;
    while (index > 0) {
      const parent = (index - 1) >>> 1;
      if (items[parent]!.at <= items[index]!.at) return;
      this.#swap(index, parent);
      index = parent;
    }
  }

  #down(index: number): void {
    const items = this.#items;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let least = index;
      if (left < items.length && items[left]!.at < items[least]!.at) least = left;
      if (right < items.length && items[right]!.at < items[least]!.at) least = right;
      if (least === index) return;
      this.#swap(index, least);
      index = least;
    }
  }

  #swap(i: number, j: number): void {
    const items = this.#items;
    const a = items[i]!;
    const b = items[j]!;
    items[i] = b;
    items[j] = a;
    a.heapIndex = j;
    b.heapIndex = i;
  }
}
