import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/model/keyset.ts';
import { decideObject } from '../../src/objects/apply.ts';
import type { Custom, CustomValue, UuidRecord } from '../../src/model/records.ts';
import { compareText } from '../../src/query/collation.ts';
import type { Cursor } from '../../src/query/cursor.ts';
import { parseFilter } from '../../src/query/filter/parser.ts';
import { parseSort } from '../../src/query/sort.ts';
import type { ListQuery, Store } from '../../src/store/store.ts';

const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };
const SUB = 'collation';

/**
 * Names in the order every store lists them (query/collation.ts): base letters first, whatever
 * the case, accents or compatibility forms (`１２` and `ﬁ`); then accents; then the text by code
 * point, so case decides last. `_` sorts after the letters, `ı` and `İ` are `I` with (or
 * without) a mark, `ß` is `SS`, control characters (U+0000 too) count only in the last level.
 */
const ORDERED = [
  '!bang',
  '12',
  '１２',
  'a b',
  'a-b',
  'a1',
  'a10',
  'a2',
  'ab',
  'angstrom',
  'Ångström',
  'a_b',
  'EMILE',
  'Emile',
  'émile',
  'Émilie',
  'fish',
  'ﬁsh',
  'ısparta',
  'Istanbul',
  'istanbul',
  'İstanbul',
  'nul',
  'nul\u0000x',
  'STRASSE',
  'Strasse',
  'strasse',
  'straße',
  'Zoe',
  'zoe',
  'Zoë',
  '中文',
  '😀',
  '😀 smile',
];

/** Custom values of one key in the order a sort on it gives: missing and null, booleans, numbers, texts. */
const CUSTOM_ORDERED: (CustomValue | undefined)[] = [undefined, null, false, true, -1e300, -1.5, -1e-300, 0, 2, 10, 1e300, 'Émile', 'émile2', 'zebra'];

/** The same names, stored in another order under ids that say nothing about it. */
const STORED = ORDERED.map((name, index) => ({ id: `u${String((index * 7) % ORDERED.length).padStart(2, '0')}`, name }));

/** Code point order, as UTF-8 bytes compare (JavaScript's `<` compares UTF-16 units). */
const codePointAbove = (text: string, bound: string) => Buffer.compare(Buffer.from(text), Buffer.from(bound)) > 0;

/** Behaviour every store shares with `sortKey` of query/collation.ts, run inside `runStoreContract`. */
export function collationContract(current: () => Store): void {
  const list = (options: { filter?: string | undefined; sort?: string[]; cursor?: Cursor | undefined; limit?: number; subKey?: string }) => {
    const query: ListQuery = {
      subKey: options.subKey ?? SUB,
      resource: 'uuids',
      filter: options.filter === undefined ? undefined : parseFilter(options.filter),
      sort: parseSort('uuids', options.sort ?? []),
      cursor: options.cursor,
      limit: options.limit ?? 100,
      count: true,
      withRelated: false,
    };
    return current().uuids.list(query);
  };
  const names = async (options: Parameters<typeof list>[0]) => (await list(options)).rows.map((row) => row.name);
  const store = async () => {
    for (const { id, name } of STORED) {
      await current().uuids.write(SUB, id, decideObject<UuidRecord>('uuid', id, { name, custom: { nick: name, 'k\u0000': `v\u0000${name}` } }, rules));
    }
  };

  describe('one collation on every store', () => {
    it('sorts mixed case, accents, punctuation, digits, emoji, ß and İ in the order of sortKey', async () => {
      await store();
      expect([...ORDERED].sort(compareText)).toEqual(ORDERED);
      expect(await names({ sort: ['name'] })).toEqual(ORDERED);
      expect(await names({ sort: ['name:desc'] })).toEqual([...ORDERED].reverse());
      expect(await names({ sort: ['custom.nick'] })).toEqual(ORDERED);
      expect(await names({ sort: ['custom.nick:desc', 'id'] })).toEqual([...ORDERED].reverse());
    });

    it('pages through that order with keyset cursors, both ways', async () => {
      await store();
      for (const sort of [['name'], ['custom.nick:desc']]) {
        const all = await names({ sort });
        const seen: (string | null)[] = [];
        const firsts: Cursor['values'][] = [];
        let cursor: Cursor | undefined;
        for (;;) {
          const page = await list({ sort, cursor, limit: 5 });
          if (page.rows.length === 0) break;
          firsts.push(page.first!);
          seen.push(...page.rows.map((row) => row.name));
          cursor = { direction: 'next', values: page.last! };
        }
        expect(seen).toEqual(all);
        const back = await list({ sort, cursor: { direction: 'prev', values: firsts[3]! }, limit: 5 });
        expect(back.rows.map((row) => row.name)).toEqual(all.slice(10, 15));
      }
    });

    it('reads back every text as written, U+0000 in names, custom keys and values included', async () => {
      await store();
      for (const { id, name } of STORED) {
        expect(await current().uuids.get(SUB, id)).toMatchObject({ name, custom: { nick: name, 'k\u0000': `v\u0000${name}` } });
      }
    });

    it('compares with == and < by code point, and LIKE ignoring case as toUpperCase folds it', async () => {
      await store();
      const matching = (filter: string) => names({ filter, sort: ['name'] });
      expect(await matching('name == "straße"')).toEqual(['straße']);
      expect(await matching('name == "nul\\u0000x"')).toEqual(['nul\u0000x']);
      expect(await matching('name LIKE "STRASSE"')).toEqual(['STRASSE', 'Strasse', 'strasse', 'straße']);
      expect(await matching('name LIKE "*ß*"')).toEqual(['STRASSE', 'Strasse', 'strasse', 'straße']);
      // `ı` upper-cases to `I`; `İ` stays itself.
      expect(await matching('name LIKE "i*"')).toEqual(['ısparta', 'Istanbul', 'istanbul']);
      expect(await matching('name LIKE "İ*"')).toEqual(['İstanbul']);
      expect(await matching('name LIKE "*é*" || name LIKE "*😀*"')).toEqual(['émile', 'Émilie', '😀', '😀 smile']);
      expect(await matching('custom.nick LIKE "a*" && !(custom.nick LIKE "*b")')).toEqual(['a1', 'a10', 'a2', 'angstrom']);
      expect(await matching('name > "Z"')).toEqual(ORDERED.filter((name) => codePointAbove(name, 'Z')));
      expect(await matching('custom.nick > "Z"')).toEqual(ORDERED.filter((name) => codePointAbove(name, 'Z')));
      expect(await matching('custom.nick <= "Zoe" && custom.nick >= "Zoe"')).toEqual(['Zoe']);
      expect(await matching('custom["k\\u0000"] LIKE "v\\u0000É*"')).toEqual(['émile', 'Émilie']);
      expect((await list({ filter: 'name LIKE "*s*"' })).totalCount).toBe(ORDERED.filter((name) => name.toUpperCase().includes('S')).length);
    });

    it('sorts and compares custom values by type, then value', async () => {
      const ids = CUSTOM_ORDERED.map((_, index) => `v${String(index).padStart(2, '0')}`);
      // Written in reverse, so the order cannot come from the order of writing.
      for (const [index, value] of [...CUSTOM_ORDERED.entries()].reverse()) {
        const custom: Custom = value === undefined ? { other: 1 } : { v: value };
        await current().uuids.write('values', ids[index]!, decideObject<UuidRecord>('uuid', ids[index]!, { custom }, rules));
      }
      const order = async (sort: string[], filter?: string) => (await list({ subKey: 'values', sort, filter })).rows.map((row) => row.id);
      expect(await order(['custom.v'])).toEqual(ids);
      expect(await order(['custom.v:desc'])).toEqual([...ids].reverse());
      expect(await order(['custom.v'], 'custom.v > -1.5 && custom.v < 1e300')).toEqual(['v06', 'v07', 'v08', 'v09']);
      expect(await order(['custom.v'], 'custom.v == 10 || custom.v == true || custom.v == null')).toEqual(['v00', 'v01', 'v03', 'v09']);
      expect(await order(['custom.v'], 'custom.v >= "a"')).toEqual(['v11', 'v12', 'v13']);
      expect(await order(['custom.v'], 'custom.v == 0 && !(custom.v == "0")')).toEqual(['v07']);
    });
  });
}
