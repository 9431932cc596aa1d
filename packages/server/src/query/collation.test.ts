import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baseLetters, compareSortKeys, compareText, SORT_KEY_BYTES, sortKey } from './collation.ts';

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

describe('sort keys of long texts', () => {
  const bytes = (key: string) => Buffer.byteLength(key, 'utf8');
  /** The code points of a key start before this byte (collation.ts); a code point has up to 4 bytes. */
  const cutBefore = SORT_KEY_BYTES - 3;
  const CJK = Array.from({ length: 2048 }, (_, i) => String.fromCodePoint(0x4e00 + ((i * 7919) % 20000))).join('');

  it(`hold at most ${SORT_KEY_BYTES} bytes of UTF-8, cut between whole characters`, () => {
    const texts = {
      ascii: 'a'.repeat(2048),
      cjk: CJK,
      // ﷺ: eighteen letters and spaces under NFKD.
      ligature: '\uFDFA'.repeat(2048),
      accents: 'e\u0301\u0323'.repeat(700),
      emoji: '\u{1F600}'.repeat(2048),
      // A surrogate pair at every position relative to the cut.
      emojiAfterOne: `x${'\u{1F600}'.repeat(2048)}`,
      emojiAfterTwo: `xx${'\u{1F600}'.repeat(2048)}`,
      emojiAfterThree: `xxx${'\u{1F600}'.repeat(2048)}`,
    };
    for (const [what, text] of Object.entries(texts)) {
      const key = sortKey(text);
      expect(bytes(key), what).toBeLessThanOrEqual(SORT_KEY_BYTES);
      expect(bytes(key), what).toBeGreaterThanOrEqual(cutBefore);
      expect(Buffer.from(key, 'utf8').toString('utf8'), `${what}: no lone surrogate`).toBe(key);
      expect(bytes(baseLetters(text)), what).toBeLessThanOrEqual(SORT_KEY_BYTES);
    }
    expect(sortKey('a'.repeat(2048))).toBe('A'.repeat(cutBefore));
    expect(sortKey(`xx${'\u{1F600}'.repeat(2048)}`)).toBe(`XX${'\u{1F600}'.repeat(255)}`);
  });

  it('keep a short text whole, and the order of texts whose keys differ before the bound', () => {
    expect(sortKey('Zoe'.repeat(100))).toBe(`${'ZOE'.repeat(100)}\u0001\u0001${'Zoe'.repeat(100)}`);
    expect(sorted(['zoe'.repeat(100), 'Zoe'.repeat(100), 'ZOE'.repeat(100)])).toEqual(['ZOE'.repeat(100), 'Zoe'.repeat(100), 'zoe'.repeat(100)]);
    const within = 'm'.repeat(400);
    expect(compareText(`${within}B`, `${within}a`)).toBeGreaterThan(0);
    // Case is level 3: its first letter is at byte 802 of this key, within the bound…
    expect(compareText(within.toUpperCase(), within)).toBeLessThan(0);
    // …and past it here, where level 1 alone fills the key: the texts tie, and the id decides.
    const past = 'm'.repeat(1100);
    expect(compareText(past.toUpperCase(), past)).toBe(0);
    expect(compareText(`${past}b`, `${past}a`)).toBe(0);
  });

  /** Characters without case or marks, of 1 to 4 bytes: the whole key of their text is `text U+0001 U+0001 text`. */
  const plain = fc.constantFrom('1', 'z', 'Z', '\u05D0', '\u05D1', '\u4E2D', '\u4E2E', '\u{1F600}', '\u{1F601}');
  const wholeKey = (text: string) => `${text.toUpperCase()}\u0001\u0001${text}`;
  const firstDifference = (a: Buffer, b: Buffer) => {
    let at = 0;
    while (at < a.length && at < b.length && a[at] === b[at]) at++;
    return at;
  };
  /** As many of `chars` as make up `length` bytes or just more. */
  const startOf = (chars: readonly string[], length: number) => {
    let text = '';
    for (let size = 0, i = 0; size < length && i < chars.length; i++) {
      text += chars[i];
      size += bytes(chars[i]!);
    }
    return text;
  };
  // Pairs that share a start ending a few bytes before, at or after the cut, or anywhere up to twice past it.
  const pair = fc
    .tuple(
      fc.array(plain, { minLength: 1100, maxLength: 1100 }),
      fc.oneof(fc.integer({ min: cutBefore - 8, max: SORT_KEY_BYTES + 4 }), fc.integer({ min: 0, max: 2 * SORT_KEY_BYTES })),
      fc.array(plain, { maxLength: 8 }),
      fc.array(plain, { maxLength: 8 }),
    )
    .map(([chars, length, a, b]) => {
      const shared = startOf(chars, length);
      return [shared + a.join(''), shared + b.join('')] as const;
    });

  it('keep order: texts whose whole keys differ before the cut keep their order, the others tie or keep it', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const whole = [Buffer.from(wholeKey(a)), Buffer.from(wholeKey(b))] as const;
        const expected = Math.sign(Buffer.compare(...whole));
        const found = Math.sign(compareText(a, b));
        if (firstDifference(...whole) < cutBefore) expect(found).toBe(expected);
        else expect([0, expected]).toContain(found);
        expect(bytes(sortKey(a))).toBeLessThanOrEqual(SORT_KEY_BYTES);
      }),
      { numRuns: 1000 },
    );
  });

  it('of a text whose upper case starts with a prefix longer than the bound start with the prefix’s base letters', () => {
    const letters = fc.constantFrom('a', 'É', 'e\u0301', 'ß', '\uFDFA', '\u4E2D', '\u{1F600}', ' ', '_');
    const long = fc.array(letters, { minLength: 200, maxLength: 1200 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(long, long, (prefix, rest) => {
        for (const text of [prefix + rest, prefix.toLowerCase() + rest]) {
          expect(sortKey(text).startsWith(baseLetters(prefix))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
