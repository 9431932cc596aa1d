import { describe, expect, it } from 'vitest';
import { BoundedMap, WeighedMap } from './bounded-map.ts';

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

describe('WeighedMap', () => {
  const weighed = () => new WeighedMap<string, string>(10, 10, (value) => value.length);

  it('drops the oldest entries once what they weigh passes its budget', () => {
    const map = weighed();
    map.set('a', 'xxxx');
    map.set('b', 'xxxx');
    map.set('c', 'xxxx');
    expect([map.get('a'), map.get('b'), map.get('c'), map.bytes]).toEqual([undefined, 'xxxx', 'xxxx', 8]);
  });

  it('drops the oldest entries once full, however light', () => {
    const map = new WeighedMap<number, string>(2, 1000, () => 1);
    for (const n of [1, 2, 3]) map.set(n, String(n));
    expect([map.get(1), map.get(2), map.get(3), map.size]).toEqual([undefined, '2', '3', 2]);
  });

  it('keeps nothing heavier than its whole budget, and drops what the key held before', () => {
    const map = weighed();
    map.set('a', 'xx');
    map.set('a', 'x'.repeat(11));
    expect([map.get('a'), map.size, map.bytes]).toEqual([undefined, 0, 0]);
  });

  it('makes a key set again the newest, weighed anew', () => {
    const map = weighed();
    map.set('a', 'xxx');
    map.set('b', 'xxx');
    map.set('a', 'xxxx');
    map.set('c', 'xxxx'); // 11 in all: b, now the oldest, goes
    expect([map.get('a'), map.get('b'), map.get('c'), map.bytes]).toEqual(['xxxx', undefined, 'xxxx', 8]);
  });

  it('weighs a key set again by its new value', () => {
    const map = weighed();
    map.set('a', 'xx');
    map.set('b', 'xxx');
    map.set('a', 'xxxxx');
    expect(map.bytes).toBe(8);
    map.set('a', 'x');
    expect([map.bytes, map.size]).toEqual([4, 2]);
  });

  it('drops only the entry that grew heavier than the whole budget', () => {
    const map = weighed();
    map.set('a', 'xx');
    map.set('b', 'xx');
    map.grow('b', 'xx', 9);
    expect([map.get('a'), map.get('b'), map.bytes]).toEqual(['xx', undefined, 2]);
  });

  it('keeps what grew beside a value set again under its key', () => {
    const map = weighed();
    const value = 'xx';
    map.set('a', value);
    map.grow('a', value, 5);
    map.set('a', value);
    expect(map.bytes).toBe(7);
  });

  it('spares an entry read since it was set: one read again and again stays while others pass through', () => {
    const map = new WeighedMap<string, string>(3, 1000, () => 1);
    map.set('hot', 'h');
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      expect(map.get('hot')).toBe('h');
      map.set(`cold-${n}`, 'c');
    }
    expect([map.get('cold-5'), map.get('cold-6'), map.get('cold-7'), map.get('hot'), map.size]).toEqual([undefined, 'c', 'c', 'h', 3]);
  });

  it('spares a read entry once: not read again, it goes on its next turn', () => {
    const map = new WeighedMap<string, string>(2, 1000, () => 1);
    map.set('a', 'x');
    map.get('a');
    map.set('b', 'x');
    map.set('c', 'x'); // a is spared, b goes
    map.set('d', 'x'); // c goes
    expect([map.size, map.bytes]).toEqual([2, 2]);
    map.set('e', 'x'); // a, unread since it was spared, goes
    expect([map.get('a'), map.get('d'), map.get('e')]).toEqual([undefined, 'x', 'x']);
  });

  it('keeps the entry just set when every other one was read: the first spared goes instead', () => {
    const map = new WeighedMap<string, string>(3, 1000, () => 1);
    for (const key of ['a', 'b', 'c']) map.set(key, 'x');
    for (const key of ['a', 'b', 'c']) map.get(key);
    map.set('d', 'x');
    expect([map.get('a'), map.get('b'), map.get('c'), map.get('d'), map.size]).toEqual([undefined, 'x', 'x', 'x', 3]);
  });

  it('counts what delete and clear let go', () => {
    const map = weighed();
    map.set('a', 'xxx');
    map.set('b', 'xx');
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    expect(map.bytes).toBe(2);
    map.clear();
    expect([map.size, map.bytes]).toEqual([0, 0]);
  });
});
