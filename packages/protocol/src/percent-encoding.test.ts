import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePath, encodeQuery, pubnubEncode } from './percent-encoding.ts';

/** The definition, byte by byte: UTF-8, then `%XX` for all but `A-Z a-z 0-9 - _ .`. */
function byDefinition(value: string): string {
  return [...new TextEncoder().encode(value)]
    .map((byte) => (/[A-Za-z0-9\-_.]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

describe('PubNub percent-encoding', () => {
  it('encodes everything but A-Z a-z 0-9 - _ .', () => {
    expect(pubnubEncode("a b!~*'()")).toBe('a%20b%21%7E%2A%27%28%29');
    expect(pubnubEncode('user/with space+ü&x')).toBe('user%2Fwith%20space%2B%C3%BC%26x');
    expect(pubnubEncode("a b~*!'()+/ü-_.")).toBe('a%20b%7E%2A%21%27%28%29%2B%2F%C3%BC-_.');
    expect(pubnubEncode(',:=')).toBe('%2C%3A%3D');
    expect(pubnubEncode('AZaz09-_.')).toBe('AZaz09-_.');
    expect(pubnubEncode('😀')).toBe('%F0%9F%98%80');
  });

  it('writes a lone surrogate as U+FFFD instead of throwing', () => {
    expect(pubnubEncode('a\uD800b')).toBe('a%EF%BF%BDb');
    expect(pubnubEncode('\uDC00😀\uD83D')).toBe('%EF%BF%BD%F0%9F%98%80%EF%BF%BD');
  });

  it('agrees with the byte-by-byte definition on any text', () => {
    // Any code point, surrogate halves included: they come out lone, or paired when adjacent.
    const text = fc.string({ unit: fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code)) });
    fc.assert(
      fc.property(text, (value) => {
        expect(pubnubEncode(value)).toBe(byDefinition(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps repeated query keys in order and each path segment whole', () => {
    expect(
      encodeQuery([
        ['sort', 'name:asc'],
        ['sort', 'updated:desc'],
        ['ee', ''],
      ]),
    ).toBe('sort=name%3Aasc&sort=updated%3Adesc&ee=');
    expect(encodePath('demo', 'uuids', 'a/b')).toBe('/demo/uuids/a%2Fb');
  });
});
