import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/model/keyset.ts';
import type { UuidRecord } from '../../src/model/records.ts';
import { decideObject } from '../../src/objects/apply.ts';
import { parseFilter } from '../../src/query/filter/parser.ts';
import { parseSort } from '../../src/query/sort.ts';
import type { Store } from '../../src/store/store.ts';

const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };
const SUB = 'like';

/** Texts by id, each stored as a user's name and as its `custom.t`. */
const TEXTS: Record<string, string> = {
  abcabc: 'abcabc',
  ABCxABC: 'ABCxABC',
  ab: 'ab',
  aaaa: 'aaaa',
  star: 'a*b',
  sql: 'a%b_c\\d',
  strasse: 'straße',
  STRASSE: 'STRASSE',
  Istanbul: 'İstanbul',
  istanbul: 'istanbul',
  nul2: '\u0000\u0002',
  one: '\u0001',
  xnuly: 'x\u0000y',
  znul: 'z\u0000',
  dle1: '\u0010\u0001',
  one_nul: '\u0001\u0000',
  // Long enough that their runs are searched through pieces of them (store/postgres/like-sql.ts).
  ab300c: `${'ab'.repeat(300)}c`,
  ab300: 'ab'.repeat(300),
  xa700y: `x${'a'.repeat(700)}y`,
};

/**
 * Patterns as written between the quotes of a filter, and the ids of the texts they match: `*`
 * at the start, middle and end, several and doubled, `\*`, SQL's `%`, `_` and `\` as plain
 * text, case folded as `toUpperCase` folds it (`ß` is `SS`, `İ` only itself), and U+0000,
 * U+0001, U+0002 and U+0010 (PostgreSQL stores U+0000 and U+0001 escaped: store/postgres/codec.ts).
 */
const CASES: [pattern: string, ids: string[]][] = [
  ['*bc', ['abcabc', 'ABCxABC', 'ab300c']],
  ['ab*', ['abcabc', 'ABCxABC', 'ab', 'ab300', 'ab300c']],
  ['a*c', ['abcabc', 'ABCxABC', 'ab300c']],
  ['*b*c*', ['abcabc', 'ABCxABC', 'sql', 'ab300c']],
  ['a\\*b', ['star']],
  ['*\\**', ['star']],
  ['a**b', ['ab', 'star', 'ab300']],
  ['*aa*aa*', ['aaaa', 'xa700y']],
  ['*aaa*aa*', ['xa700y']],
  ['*%*', ['sql']],
  ['*_*', ['sql']],
  ['*\\\\*', ['sql']],
  ['a%b_c\\\\d', ['sql']],
  ['*ß*', ['strasse', 'STRASSE']],
  ['strasse', ['strasse', 'STRASSE']],
  ['İ*', ['Istanbul']],
  ['i*', ['istanbul']],
  ['*\\u0001*', ['one', 'dle1', 'one_nul']],
  ['*\\u0002*', ['nul2']],
  ['*\\u0000*', ['nul2', 'xnuly', 'znul', 'one_nul']],
  ['\\u0000*', ['nul2']],
  ['*\\u0000', ['znul', 'one_nul']],
  ['*\\u0002\\u0000*', []],
  ['*\\u0001\\u0000', ['one_nul']],
  ['*\\u0010*', ['dle1']],
  ['*Y', ['xnuly', 'xa700y']],
  [`*${'ab'.repeat(200)}c*`, ['ab300c']],
  [`*${'AB'.repeat(200)}*`, ['ab300c', 'ab300']],
  [`*${'ab'.repeat(250)}a*`, ['ab300c', 'ab300']],
  [`*${'a'.repeat(601)}y`, ['xa700y']],
  [`*y${'a'.repeat(300)}*`, []],
  [`x*${'a'.repeat(300)}*${'a'.repeat(300)}*y`, ['xa700y']],
  [`x*${'a'.repeat(400)}*${'a'.repeat(400)}*y`, []],
  ['*', Object.keys(TEXTS)],
  ['**', Object.keys(TEXTS)],
];

/** `LIKE` as every store matches it (SQLite's `like_match` of query/filter/like.ts), run inside `runStoreContract`. */
export function likeContract(current: () => Store): void {
  const matching = async (filter: string) => {
    const page = await current().uuids.list({
      subKey: SUB,
      resource: 'uuids',
      filter: parseFilter(filter),
      sort: parseSort('uuids', ['id']),
      limit: 100,
      count: true,
      withRelated: false,
    });
    expect(page.totalCount).toBe(page.rows.length);
    return page.rows.map((row) => row.id).sort();
  };

  describe('LIKE', () => {
    it('matches as SQLite’s like_match: wildcards, escapes, case folded as toUpperCase folds it, U+0000 to U+0010', async () => {
      for (const [id, text] of Object.entries(TEXTS)) {
        await current().uuids.write(SUB, id, decideObject<UuidRecord>('uuid', id, { name: text, custom: { t: text } }, rules));
      }
      const found: Record<string, { name: string[]; custom: string[] }> = {};
      const expected: typeof found = {};
      for (const [pattern, ids] of CASES) {
        const sorted = [...ids].sort();
        expected[pattern] = { name: sorted, custom: sorted };
        found[pattern] = { name: await matching(`name LIKE "${pattern}"`), custom: await matching(`custom.t LIKE "${pattern}"`) };
      }
      expect(found).toEqual(expected);
    });
  });
}
