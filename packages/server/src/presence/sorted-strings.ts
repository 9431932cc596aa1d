/**
 * Compares two strings by code point, as their UTF-8 bytes (and Redis's lexicographic order)
 * compare: negative, 0 or positive. JavaScript's `<` compares UTF-16 units instead, which puts
 * U+E000–U+FFFF after the astral characters.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/**
 * A UTF-16 unit ranked so that, at the first unit where two strings differ, the ranks order
 * them by code point: surrogates (0xD800–0xDFFF, astral characters) rank above 0xE000–0xFFFF.
 */
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/** Strings per chunk of a `SortedStrings`: a chunk splits past twice this and merges below a quarter. */
const CHUNK = 512;

/**
 * Distinct strings kept sorted by code point as they come and go, in chunks of at most 1,024: an
 * insert or delete is two binary searches and a move within one chunk; a page at any offset walks
 * the chunk sizes (a few hundred for 100,000 strings) and slices, without sorting anything.
 */
export class SortedStrings {
  /** Each chunk sorted and non-empty; every string of a chunk sorts before those of the next. */
  readonly #chunks: string[][] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds `value`; false when it was already there. */
  add(value: string): boolean {
    if (this.#chunks.length === 0) {
      this.#chunks.push([value]);
      this.#size = 1;
      return true;
    }
    const index = this.#chunkFor(value);
    const chunk = this.#chunks[index]!;
    const at = search(chunk, value);
    if (chunk[at] === value) return false;
    chunk.splice(at, 0, value);
    this.#size++;
    if (chunk.length > 2 * CHUNK) this.#chunks.splice(index + 1, 0, chunk.splice(CHUNK));
    return true;
  }

  /** Removes `value`; false when it was not there. */
  delete(value: string): boolean {
    if (this.#chunks.length === 0) return false;
    const index = this.#chunkFor(value);
    const chunk = this.#chunks[index]!;
    const at = search(chunk, value);
    if (chunk[at] !== value) return false;
    chunk.splice(at, 1);
    this.#size--;
    if (chunk.length < CHUNK / 4) this.#mergeSmall(index);
    return true;
  }

  /** At most `limit` strings in order, skipping the first `offset`. */
  page(offset: number, limit: number): string[] {
    const page: string[] = [];
    let skip = Math.max(0, offset);
    for (const chunk of this.#chunks) {
      if (page.length >= limit) break;
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      page.push(...chunk.slice(skip, skip + limit - page.length));
      skip = 0;
    }
    return page;
  }

  /** The chunk `value` sorts into: the first whose last string is not below it, else the last. */
  #chunkFor(value: string): number {
    let low = 0;
    let high = this.#chunks.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const chunk = this.#chunks[middle]!;
      if (compareCodePoints(chunk[chunk.length - 1]!, value) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Joins a chunk that has become small to a neighbour (or drops it when empty), so chunks stay few. */
  #mergeSmall(index: number): void {
    const chunk = this.#chunks[index]!;
    if (chunk.length === 0) {
      this.#chunks.splice(index, 1);
      return;
    }
    const next = this.#chunks[index + 1];
    if (next !== undefined && chunk.length + next.length <= 2 * CHUNK) {
      this.#chunks.splice(index, 2, chunk.concat(next));
      return;
    }
    const previous = this.#chunks[index - 1];
    if (previous !== undefined && previous.length + chunk.length <= 2 * CHUNK) this.#chunks.splice(index - 1, 2, previous.concat(chunk));
  }
}

/** The index of `value` in the sorted `chunk`, or where it would go. */
function search(chunk: readonly string[], value: string): number {
  let low = 0;
  let high = chunk.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareCodePoints(chunk[middle]!, value) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
