import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareSortKeys } from '../../query/collation.ts';
import { customQuery, customSortKeys, decodeText, encodeText, orderedNumber } from './codec.ts';

const bytewise = (a: string, b: string) => Math.sign(compareSortKeys(a, b));
/** Texts rich in the characters the encoding touches, and in those just around them. */
const text = fc.array(fc.constantFrom('\u0000', '\u0001', '\u0002', 'a', 'é', '😀', '\uFFFF', ' '), { maxLength: 6 }).map((chars) => chars.join(''));

describe('encodeText: text PostgreSQL can store, compared as the original', () => {
  it('never holds U+0000, and reads back as it was', () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ unit: 'grapheme' })), (value) => {
        expect(encodeText(value)).not.toContain('\u0000');
        expect(decodeText(encodeText(value))).toBe(value);
      }),
    );
    expect(encodeText('a\u0000b\u0001c')).toBe('a\u0001\u0001b\u0001\u0002c');
    expect(encodeText('plain')).toBe('plain');
  });

  it('keeps the byte order of texts, and which texts start with which', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(bytewise(encodeText(a), encodeText(b))).toBe(bytewise(a, b));
        expect(encodeText(a).startsWith(encodeText(b))).toBe(a.startsWith(b));
      }),
    );
  });
});

describe('orderedNumber: numbers as text in their numeric order', () => {
  it('orders as the numbers do, and makes -0 and 0 one', () => {
    const number = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(number, number, (a, b) => {
        expect(bytewise(orderedNumber(a), orderedNumber(b))).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
    expect(orderedNumber(-0)).toBe(orderedNumber(0));
    expect([-1e300, -2, -1.5, -Number.MIN_VALUE, 0, 5e-324, 1, 2, 10, 1e21].map(orderedNumber)).toEqual(
      [-1e300, -2, -1.5, -Number.MIN_VALUE, 0, 5e-324, 1, 2, 10, 1e21].map(orderedNumber).sort(),
    );
    expect(orderedNumber(1)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('the comparable forms of custom', () => {
  it('tags each value with its type, and keys each non-null value for sorting', () => {
    const custom = { s: 'straße', n: -1, t: true, f: false, z: null, 'k\u0000': 'v\u0000' };
    expect(customQuery(custom)).toEqual({ s: 'sstraße', n: `n${orderedNumber(-1)}`, t: 't', f: 'f', z: 'z', 'k\u0001\u0001': 's' + 'v\u0001\u0001' });
    expect(customSortKeys(custom)).toEqual({
      s: 'STRASSE\u0001\u0002\u0001\u0002straße',
      n: orderedNumber(-1),
      t: '1',
      f: '0',
      'k\u0001\u0001': encodeText('V\u0001\u0001v\u0000'),
    });
    expect(customQuery(null)).toBeNull();
    expect(customSortKeys(null)).toBeNull();
  });
});
