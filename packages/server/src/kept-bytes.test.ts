import { describe, expect, it } from 'vitest';
import { WeighedMap } from './bounded-map.ts';
import { approximateBytes, keepBeside, keptBy, textBytes } from './kept-bytes.ts';

const record = (custom: Record<string, string | number | boolean | null>) => ({
  id: 'alice',
  name: 'Alice',
  email: null,
  custom,
  updated: '2026-12-02T00:00:00.000000Z',
  eTag: 'AbCdEf',
});

describe('approximateBytes', () => {
  it('weighs a record by what it holds: its strings as V8 holds them, one byte a character for Latin-1, two beyond', () => {
    const small = approximateBytes(record({ team: 'red' }));
    expect(approximateBytes(record({ team: 'red', bio: 'é'.repeat(30_000) })) - small).toBeGreaterThanOrEqual(30_000);
    expect(approximateBytes(record({ team: 'red', bio: 'ż'.repeat(30_000) })) - small).toBeGreaterThanOrEqual(60_000);
    expect(approximateBytes(record({ team: 'red', [`k${'y'.repeat(999)}`]: 1 })) - small).toBeGreaterThanOrEqual(1000);
  });

  it('weighs a record at least as much as V8 holds its JSON text in, in any script', () => {
    for (const text of ['plain ascii', 'żółć é', '漢字かな', '😀🎉']) {
      const value = record({ a: text.repeat(500), b: 42, c: true });
      expect(approximateBytes(value)).toBeGreaterThan(textBytes(JSON.stringify(value)));
    }
  });
});

describe('textBytes', () => {
  it('is one byte a character for Latin-1 text and two for any other', () => {
    expect([textBytes(''), textBytes('abc'), textBytes('Zoë'), textBytes('Zoż'), textBytes('😀')]).toEqual([0, 3, 3, 6, 4]);
  });
});

describe('keepBeside', () => {
  it('counts what is kept beside a cached value towards its entry, so older entries make room', () => {
    const cache = new WeighedMap<string, object>(10, 1000, () => 100);
    const [first, second] = [{}, {}];
    cache.set('first', first);
    cache.set('second', second);
    keptBy(second, (bytes) => cache.grow('second', second, bytes));
    keepBeside(second, 700);
    expect([cache.size, cache.bytes]).toEqual([2, 900]);
    keepBeside(second, 200); // 1,100 in all: the oldest goes
    expect([cache.get('first'), cache.get('second'), cache.bytes]).toEqual([undefined, second, 1000]);
    keepBeside(second, -600);
    expect(cache.bytes).toBe(400);
  });

  it('counts nothing for a value no longer kept, or never kept', () => {
    const cache = new WeighedMap<string, object>(10, 1000, () => 100);
    const [gone, replacement] = [{}, {}];
    cache.set('k', gone);
    keptBy(gone, (bytes) => cache.grow('k', gone, bytes));
    cache.set('k', replacement);
    keepBeside(gone, 500);
    keepBeside({}, 500);
    expect(cache.bytes).toBe(100);
  });
});
