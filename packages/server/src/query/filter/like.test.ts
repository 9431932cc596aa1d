import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsText, foldCase, LikePattern, sqlLikeFunction, sqlLikeRuns } from './like.ts';

/** The backtracking reading of a pattern, as a regular expression: the oracle for small inputs. */
function oracle(runs: readonly string[], flags = 'su'): RegExp {
  const escape = (run: string) => run.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${runs.map(escape).join('.*')}$`, flags);
}

/** Milliseconds `run` takes. */
function timed(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

const a = (count: number) => 'a'.repeat(count);

describe('LikePattern', () => {
  it.each([
    [['eu-', ''], 'eu-west', true],
    [['eu-', ''], 'us-east', false],
    [['', 'west'], 'eu-west', true],
    [['', 'st', ''], 'eu-west', true],
    [['a', 'c'], 'abc', true],
    [['a', 'c'], 'ac', true],
    [['a', 'a'], 'a', false],
    [['', 'a', 'b', ''], 'xbxa', false],
    [['', 'a', 'b', ''], 'xaxb', true],
    [['', '', ''], '', true],
    [['exact'], 'exact', true],
    [['exact'], 'exact!', false],
    [['', 'aab', ''], 'aaab', true],
    [['', 'abab', 'c'], 'ababababc', true],
  ])('%j matches %j: %s', (runs, text, expected) => {
    expect(new LikePattern(runs).matches(text)).toBe(expected);
  });

  it('never matches half of a surrogate pair', () => {
    const smile = '😀'; // \ud83d\ude00
    expect(new LikePattern(['', '\ude00']).matches(`x${smile}`)).toBe(false);
    expect(new LikePattern(['\ud83d', '']).matches(`${smile}x`)).toBe(false);
    expect(new LikePattern(['', '\ude00', '']).matches(`${smile}\ude00`)).toBe(true);
    expect(new LikePattern(['', smile, '']).matches(`a${smile}b`)).toBe(true);
    expect(new LikePattern(['', `\ude00${a(9)}`, '']).matches(`${smile}${a(9)}\ude00${a(9)}`)).toBe(true);
  });

  it('answers as the backtracking regular expression does, on any small pattern and text', () => {
    // Long pieces make runs longer than 8 code units, which take the Knuth–Morris–Pratt path.
    const char = fc.constantFrom('a', 'b', 'ab', 'aaaaa', 'ababa', '😀', '\ud83d', '\ude00', '\n', '.');
    const run = fc.array(char, { maxLength: 5 }).map((chars) => chars.join(''));
    const text = fc.array(char, { maxLength: 16 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 5 }), text, (runs, subject) => {
        expect(new LikePattern(runs).matches(subject)).toBe(oracle(runs).test(subject));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds any long run (Knuth–Morris–Pratt) where includes finds it', () => {
    const letters = (min: number, max: number) => fc.array(fc.constantFrom('a', 'b', '😀'), { minLength: min, maxLength: max }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(letters(0, 60), letters(5, 14), (text, needle) => {
        expect(containsText(text, needle)).toBe(text.includes(needle));
        expect(containsText(`${text}${needle}${text}`, needle)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('finds long runs (Knuth–Morris–Pratt) as indexOf would', () => {
    const text = `${a(40)}b${a(40)}ab${a(12)}`;
    for (const needle of [`${a(9)}b`, `${a(20)}b${a(20)}`, `b${a(12)}`, `${a(12)}ab`, `${a(41)}b`, `${a(12)}b${a(29)}`]) {
      expect(containsText(text, needle), needle).toBe(text.includes(needle));
    }
  });
});

describe('LikePattern: pathological patterns cost time linear in the text', () => {
  // Each of these takes a backtracking regular expression (the old subscribe filter) from
  // seconds to centuries; the bound here is generous for a loaded machine.
  const shapes: [string, string[], string][] = [
    ['the issue: 16 stars then a missing b', ['', ...Array<string>(16).fill('a'), 'b'], a(100_000)],
    ['many stars', ['', ...Array<string>(2000).fill('a'), 'b'], a(100_000)],
    ['alternating runs', ['', ...Array<string>(500).fill('ab'), 'c'], 'ab'.repeat(50_000)],
    ['one long run that nearly matches everywhere', ['', `${a(2000)}b${a(2000)}`, ''], a(100_000)],
    ['long runs that nearly match, repeated', ['', `${a(300)}b`, `${a(300)}b`, ''], `${a(299)}b`.repeat(300)],
    ['a long first and last run', [a(50_000), a(50_000)], `${a(100_000)}b`],
    ['stars and a long tail', ['', 'a', 'a', 'a', `${a(5000)}b`], a(100_000)],
  ];

  it.each(shapes)('%s', (_name, runs, text) => {
    const pattern = new LikePattern(runs);
    let result = true;
    expect(timed(() => (result = pattern.matches(text)))).toBeLessThan(500);
    expect(result).toBe(false);
  });

  it('a run that nearly matches everywhere is found linearly where indexOf is not', () => {
    const needle = `${a(2000)}b${a(2000)}`;
    const text = a(100_000);
    expect(timed(() => containsText(text, needle))).toBeLessThan(500);
    expect(containsText(`${text}b${a(2000)}`, needle)).toBe(true);
  });
});

describe('sqlLikeRuns', () => {
  it('splits at % and reads \\x as a literal x', () => {
    expect(sqlLikeRuns('a%b')).toEqual(['a', 'b']);
    expect(sqlLikeRuns('%\\%\\_\\\\%')).toEqual(['', '%_\\', '']);
    expect(sqlLikeRuns('plain')).toEqual(['plain']);
    expect(sqlLikeRuns('trailing\\')).toEqual(['trailing\\']);
  });

  it('refuses an unescaped _ (a single-character wildcard it does not offer)', () => {
    expect(() => sqlLikeRuns('a_b')).toThrow(/_/);
  });
});

describe('sqlLikeFunction: the SQLite like_match', () => {
  const likeMatch = sqlLikeFunction((text) => text.toUpperCase());
  const escape = (run: string) => run.replace(/[\\%_]/g, (char) => `\\${char}`);

  it('selects what SQLite LIKE … ESCAPE selected over folded text, on any small pattern and text', () => {
    const db = new Database(':memory:');
    const sqliteLike = db.prepare<[string, string], number>(`SELECT ? LIKE ? ESCAPE '\\'`).pluck();
    const char = fc.constantFrom('a', 'A', 'b', 'ß', 'S', 'é', 'É', 'ǅ', ' ', '_', '%', '\\', '\u0001', '😀');
    const run = fc.array(char, { maxLength: 3 }).map((chars) => chars.join(''));
    const text = fc.array(char, { maxLength: 10 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 4 }), text, (runs, subject) => {
        const pattern = runs.map(escape).join('%');
        const expected = sqliteLike.get(subject.toUpperCase(), pattern.toUpperCase());
        expect(likeMatch(subject, pattern)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
    db.close();
  });

  it('is 0 for anything but text, never NULL', () => {
    expect(likeMatch(null, '%')).toBe(0);
    expect(likeMatch(12, '1%')).toBe(0);
    expect(likeMatch('x', null)).toBe(0);
  });

  it('runs the pattern SQLite LIKE takes seconds on in linear time, per row', () => {
    const db = new Database(':memory:');
    db.function('like_match', { deterministic: true }, likeMatch);
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let row = 0; row < 20; row++) insert.run(a(30_000));
    const pattern = `%${a(1500)}b${a(1500)}%`;
    const count = (sql: string) => db.prepare(sql).pluck().get(pattern);
    // SQLite's own LIKE: about 0.1 s a row on this data (2 s in all on an idle machine).
    expect(timed(() => expect(count('SELECT count(*) FROM t WHERE like_match(v, ?)')).toBe(0))).toBeLessThan(1000);
    db.close();
  });
});

describe('foldCase', () => {
  it('ignores case beyond ASCII, character for character', () => {
    expect(foldCase('ÉMILE')).toBe(foldCase('émile'));
    expect(foldCase('ΣΊΣΥΦΟΣ')).toBe(foldCase('σίσυφος'));
    expect(foldCase('ſ')).toBe('s');
    expect(foldCase('\u212a')).toBe('k'); // Kelvin sign
    expect(foldCase('ß')).toBe('ß'); // not "ss": one character stays one
    expect(foldCase('ı')).not.toBe(foldCase('i'));
    expect(foldCase('İ')).not.toBe(foldCase('i'));
    expect(foldCase('MiXeD 123')).toBe('mixed 123');
  });

  it('calls two characters alike exactly when a /…/iu regular expression does (every cased code point)', () => {
    const cased = /[\p{CWCF}\p{CWCM}]/u;
    const mismatches: string[] = [];
    for (let point = 0; point <= 0x10ffff; point++) {
      if (point >= 0xd800 && point <= 0xdfff) continue;
      const char = String.fromCodePoint(point);
      if (!cased.test(char)) continue;
      const sameAs = new RegExp(`^\\u{${point.toString(16)}}$`, 'iu');
      if (!sameAs.test(foldCase(char))) mismatches.push(`${char} folds outside its class`);
      for (const other of [char.toUpperCase(), char.toLowerCase()]) {
        if ([...other].length === 1 && sameAs.test(other) !== (foldCase(other) === foldCase(char))) mismatches.push(`${char} / ${other}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
