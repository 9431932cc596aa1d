import { describe, expect, it } from 'vitest';
import { compareCodePoints, SortedStrings } from './sorted-strings.ts';

/** A deterministic pseudo-random sequence (xorshift), so a failure replays. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('SortedStrings', () => {
  it('stays equal to a sorted set through random adds and deletes, across chunk splits and merges', () => {
    const next = random(7);
    const alphabet = ['a', 'b', 'é', '\uff5e', '😀', ':', '1'];
    const word = () => Array.from({ length: 1 + Math.floor(next() * 4) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    const sorted = new SortedStrings();
    const model = new Set<string>();
    for (let step = 0; step < 20_000; step++) {
      const value = step < 10_000 || next() < 0.3 ? `${word()}${Math.floor(next() * 3000)}` : [...model][Math.floor(next() * model.size)]!;
      const adding = step < 10_000 || next() < 0.3;
      expect(adding ? sorted.add(value) : sorted.delete(value)).toBe(adding ? !model.has(value) : model.has(value));
      if (adding) model.add(value);
      else model.delete(value);
    }
    const expected = [...model].sort(compareCodePoints);
    expect(sorted.size).toBe(expected.length);
    expect(sorted.page(0, expected.length + 1)).toEqual(expected);
    for (const [offset, limit] of [
      [0, 10],
      [511, 3],
      [1000, 1500],
      [expected.length - 2, 10],
      [expected.length, 10],
      [-5, 2],
    ] as const) {
      expect(sorted.page(offset, limit)).toEqual(expected.slice(Math.max(0, offset), Math.max(0, offset) + limit));
    }
  });
});
