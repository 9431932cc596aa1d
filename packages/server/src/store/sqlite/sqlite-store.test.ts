import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStoreContract } from '../../../test/store-contract/contract.ts';
import { DEFAULT_LIMITS } from '../../model/keyset.ts';
import { decideObject } from '../../objects/apply.ts';
import type { ChannelRecord } from '../../model/records.ts';
import { compareSortKeys, sortKey } from '../../query/collation.ts';
import type { Cursor } from '../../query/cursor.ts';
import { parseSort } from '../../query/sort.ts';
import { createStore } from '../create.ts';
import type { ListQuery } from '../store.ts';
import { SqliteStore } from './index.ts';

runStoreContract({ name: 'SQLite (in memory)', create: async () => createStore({ db: ':memory:', synchronous: 'normal' }) });

// On a file, writes also pass the lock, WAL commits and the checkpointer.
const files = mkdtempSync(join(tmpdir(), 'roster-contract-'));
let opened = 0;
afterAll(() => rmSync(files, { recursive: true, force: true }));
const file = (path: string) => ({ open: () => createStore({ db: path, synchronous: 'normal' }) });
runStoreContract({
  name: 'SQLite (file)',
  create: async () => createStore({ db: join(files, `store-${++opened}.db`), synchronous: 'normal' }),
  restart: { newDatabase: async () => file(join(files, `restart-${++opened}.db`)), shared: false },
});

describe('SQLite sorts text in the collation of query/collation.ts', () => {
  const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };
  const alphabet = fc.constantFrom(
    'a',
    'A',
    'e',
    'é',
    'É',
    'e\u0301',
    'ß',
    's',
    'æ',
    'Å',
    'ﬁ',
    '_',
    '-',
    ' ',
    '1',
    '２',
    '\u0001',
    '中',
    '\u{1F600}',
    '\uFFFD',
  );
  const text = fc.array(alphabet, { maxLength: 5 }).map((chars) => chars.join(''));

  it('stores exactly `sortKey` of each text, and pages through it in the order the keys give', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.option(text), { minLength: 1, maxLength: 15 }), async (names) => {
        const store = new SqliteStore({ path: ':memory:', synchronous: 'normal' });
        try {
          const ids = names.map((_, index) => `c${String(index).padStart(2, '0')}`);
          for (const [index, name] of names.entries()) {
            await store.channels.write('k', ids[index]!, decideObject<ChannelRecord>('channel', ids[index]!, { name, custom: { nick: name } }, rules));
          }
          const stored = store.db.prepare(`SELECT id, name_key FROM channels ORDER BY id`).all() as { id: string; name_key: string }[];
          expect(stored.map((row) => row.name_key)).toEqual(names.map((name) => sortKey(name)));
          const expected = ids
            .map((id, index) => ({ id, key: sortKey(names[index]!) }))
            .sort((a, b) => compareSortKeys(a.key, b.key) || (a.id < b.id ? -1 : 1))
            .map((row) => row.id);
          for (const sort of [['name'], ['custom.nick']]) {
            const seen: string[] = [];
            let cursor: Cursor | undefined;
            for (;;) {
              const query: ListQuery = {
                subKey: 'k',
                resource: 'channels',
                sort: parseSort('channels', sort),
                cursor,
                limit: 4,
                count: false,
                withRelated: false,
              };
              const page = await store.channels.list(query);
              if (page.rows.length === 0) break;
              seen.push(...page.rows.map((row) => row.id));
              cursor = { direction: 'next', values: page.last! };
            }
            // A custom value that is not set sorts first, as a missing name does.
            expect(seen, sort.join()).toEqual(expected);
          }
        } finally {
          await store.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});
