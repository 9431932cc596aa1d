import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baseLetters, compareSortKeys, compareText, sortKey } from './collation.ts';

const sorted = (texts: readonly (string | null)[]): (string | null)[] => [...texts].sort(compareText);

describe('the collation orders text the way a reader expects', () => {
  it('files by base letter first: case and accents only decide between equal letters', () => {
    const expected = ['Adam', 'émile', 'Émilie', 'Eve', 'Zoe'];
    expect(sorted([...expected].reverse())).toEqual(expected);
    expect(sorted(['Zoe', 'émile', 'Eve'])).toEqual(['émile', 'Eve', 'Zoe']);
  });

  it('puts accents before case, and case last, upper case first', () => {
    expect(sorted(['émile', 'Émile', 'èmile', 'emile', 'Emile'])).toEqual(['Emile', 'emile', 'èmile', 'Émile', 'émile']);
    expect(sorted(['zoe', 'Zoe', 'ZOE'])).toEqual(['ZOE', 'Zoe', 'zoe']);
    // The first letter whose accents differ decides, left to right.
    expect(sorted(['résume', 'resumé', 'resume'])).toEqual(['resume', 'resumé', 'résume']);
  });

  it('spells out letters Unicode does not decompose, and ignores control and format characters', () => {
    const names = [
      'zoe',
      'Straße',
      '中文',
      'Øresund',
      'item_2',
      '9',
      'Anna',
      'Ångström',
      'Æsir',
      'Strasse',
      'item-2',
      ' item',
      'Orange',
      '10',
      'Adam',
      'Strasbourg',
      '日本',
      'item 2',
      'Ozone',
      'ZOE',
    ];
    expect(sorted(names)).toEqual([
      ' item',
      '10',
      '9',
      'Adam',
      'Æsir',
      'Ångström',
      'Anna',
      'item 2',
      'item-2',
      'item_2',
      'Orange',
      'Øresund',
      'Ozone',
      'Strasbourg',
      'Strasse',
      'Straße',
      'ZOE',
      'zoe',
      '中文',
      '日本',
    ]);
    expect(baseLetters('Łódź')).toBe('LODZ');
    expect(baseLetters('ﬁsh ＺＯＥ ㎏ ǅ')).toBe('FISH ZOE KG DZ');
    expect(baseLetters('a\u0000b\u200Bc\u00ADd')).toBe('ABCD');
  });

  it('keeps PubNub’s recorded order, where `_` sorts after the letters', () => {
    expect(sorted(['somechannel_x', 'somechannelid'])).toEqual(['somechannelid', 'somechannel_x']);
  });

  it('puts null (an unset field) first, then the empty text', () => {
    expect(sorted(['a', '', null, ' '])).toEqual([null, '', ' ', 'a']);
  });

  it('tells apart texts that differ only in their Unicode form, by code point', () => {
    expect(sorted(['\u00e9', 'e\u0301'])).toEqual(['e\u0301', '\u00e9']);
    expect(compareText('e\u0301', '\u00e9')).toBeLessThan(0);
  });
});

describe('sort keys', () => {
  it('are level 1, U+0001, level 2, U+0001, the text; null is the empty key', () => {
    expect(sortKey('Zoe')).toBe('ZOE\u0001\u0001Zoe');
    expect(sortKey('Émile')).toBe('EMILE\u0001\u0002\u0301\u0001Émile');
    expect(sortKey('aé')).toBe('AE\u0001\u0002\u0002\u0301\u0001aé');
    expect(sortKey('Straße')).toBe('STRASSE\u0001\u0001Straße');
    expect(sortKey('')).toBe('\u0001\u0001');
    expect(sortKey(null)).toBe('');
  });

  it('compare by code point, as UTF-8 bytes do, not as UTF-16 units do', () => {
    expect(compareSortKeys('\uFFFD', '\u{1F600}')).toBeLessThan(0);
    expect('\uFFFD' < '\u{1F600}').toBe(false);
  });

  it('write a lone surrogate as U+FFFD, as UTF-8 storage does', () => {
    expect(sortKey('a\uD800')).toBe(sortKey('a\uFFFD'));
  });

  const alphabet = fc.constantFrom(
    'a',
    'A',
    'e',
    'é',
    'É',
    'e\u0301',
    '\u0301',
    'ß',
    'S',
    's',
    'æ',
    'Æ',
    'ﬁ',
    'ǅ',
    'ᾳ',
    '\u0345',
    'ı',
    'İ',
    '_',
    ' ',
    '-',
    '1',
    '２',
    '\u0000',
    '\u0001',
    '\u0002',
    '\u200B',
    '中',
    '\u{1F600}',
    '\u{10FFFF}',
    'Ω',
    'ω',
  );
  const text = fc.array(alphabet, { maxLength: 6 }).map((chars) => chars.join(''));

  it('are equal only for equal texts', () => {
    fc.assert(
      fc.property(text, text, (a, b) => (sortKey(a) === sortKey(b)) === (a === b)),
      { numRuns: 2000 },
    );
  });

  it('order by base letters first', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        const byLetters = compareSortKeys(baseLetters(a), baseLetters(b));
        if (byLetters !== 0) expect(Math.sign(compareText(a, b))).toBe(Math.sign(byLetters));
      }),
      { numRuns: 2000 },
    );
  });

  it('of a text whose upper case starts with a prefix’s start with the prefix’s base letters', () => {
    fc.assert(
      fc.property(text, text, text, (prefix, rest, other) => {
        for (const candidate of [prefix + rest, prefix.toUpperCase() + rest, other]) {
          if (candidate.toUpperCase().startsWith(prefix.toUpperCase())) {
            expect(sortKey(candidate).startsWith(baseLetters(prefix))).toBe(true);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
