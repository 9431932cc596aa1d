import { describe, expect, it } from 'vitest';
import { BoundedMap } from './bounded-map.ts';

describe('BoundedMap', () => {
  it('drops the oldest entry once full', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('c', 3);
    expect([...map.keys()]).toEqual(['b', 'c']);
  });

  it('replacing a key does not evict another', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('a', 3);
    expect([...map.entries()]).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
  });

  it('remember computes once per key', () => {
    const map = new BoundedMap<string, number>(10);
    let calls = 0;
    const compute = () => ++calls;
    expect(map.remember('k', compute)).toBe(1);
    expect(map.remember('k', compute)).toBe(1);
    expect(calls).toBe(1);
  });
});
