import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/keyset.ts';
import { decideObject } from '../../objects/apply.ts';
import type { UuidRecord } from '../../model/records.ts';
import { cursorWidth } from '../../query/cursor.ts';
import type { Resource } from '../../query/fields.ts';
import { parseFilter } from '../../query/filter/parser.ts';
import { parseSort } from '../../query/sort.ts';
import { sqliteDialect } from '../sqlite/dialect.ts';
import { SqliteStore } from '../sqlite/index.ts';
import type { ListQuery } from '../store.ts';
import { listStatement, selectColumns } from './list-sql.ts';

/** The shared list SQL as SQLite runs it: the plans it gets and the rows it returns. */
const store = new SqliteStore({ path: ':memory:', synchronous: 'normal' });
const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };

/** The plan SQLite picks for a page that starts after a cursor. */
function planOf(resource: Resource, sort: string[], ownerId?: string, filter?: string): string {
  const query: ListQuery = {
    subKey: 'k',
    resource,
    ownerId,
    filter: filter === undefined ? undefined : parseFilter(filter),
    sort: parseSort(resource, sort),
    limit: 100,
    count: false,
    withRelated: true,
  };
  const paged = { ...query, cursor: { direction: 'next' as const, values: Array<string>(cursorWidth(query.sort)).fill('x') } };
  const statement = listStatement(sqliteDialect, paged, selectColumns(resource));
  const rows = store.db.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`).all(...statement.params) as { detail: string }[];
  return rows.map((row) => row.detail).join('; ');
}

describe('keyset pages are index range scans', () => {
  for (const resource of ['uuids', 'channels'] as const) {
    for (const key of ['id', 'name', 'updated', 'status', 'type']) {
      for (const direction of ['asc', 'desc']) {
        it(`${resource} sorted by ${key}:${direction} seek into an index and need no sort`, () => {
          const plan = planOf(resource, [`${key}:${direction}`]);
          expect(plan).toMatch(new RegExp(`SEARCH \\w USING INDEX ${resource}_by_${key} \\(sub_key=\\? AND`));
          expect(plan).not.toContain('TEMP B-TREE');
        });
      }
    }
  }

  it('a user’s memberships and a channel’s members in their default order', () => {
    expect(planOf('memberships', [], 'u')).toContain('USING INDEX memberships_by_user (sub_key=? AND uuid_id=? AND');
    expect(planOf('members', [], 'c')).toContain('USING INDEX memberships_by_channel (sub_key=? AND channel_id=? AND');
    expect(planOf('memberships', ['updated:desc'], 'u')).not.toContain('TEMP B-TREE');
  });

  it('a LIKE with a literal start seeks into the index of its field', () => {
    expect(planOf('uuids', ['name:desc'], undefined, 'name like "ann*"')).toContain('USING INDEX uuids_by_name (sub_key=? AND name_key>? AND name_key<?)');
  });

  it('a LIKE starting with an accented letter seeks the keys of its base letters', () => {
    expect(planOf('uuids', ['name'], undefined, 'name like "Émi*"')).toContain('USING INDEX uuids_by_name (sub_key=? AND name_key>? AND name_key<?)');
    expect(planOf('channels', ['id'], undefined, 'name like "ß*" && id like "été*"')).toContain(
      'USING INDEX channels_by_id (sub_key=? AND id_key>? AND id_key<?)',
    );
  });
});

describe('custom keys in the SQL', () => {
  it('a key holding NUL filters and sorts instead of failing with "bad JSON path"', async () => {
    for (const [id, value] of [
      ['nul-1', 2],
      ['nul-2', 1],
    ] as const) {
      await store.uuids.write('nul', id, decideObject<UuidRecord>('uuid', id, { custom: { 'a\u0000b': value } }, rules));
    }
    const list = (filter: string, sort: string[]) =>
      store.uuids.list({
        subKey: 'nul',
        resource: 'uuids',
        filter: parseFilter(filter),
        sort: parseSort('uuids', sort),
        limit: 10,
        count: false,
        withRelated: false,
      });
    expect((await list('custom["a\\u0000b"] == 1', [])).rows.map((row) => row.id)).toEqual(['nul-2']);
    expect((await list('custom["\\u0000"] == 1', ['custom.\u0000:desc'])).rows).toEqual([]);
    expect((await list('id LIKE "nul*"', ['custom.a\u0000b'])).rows.map((row) => row.id)).toEqual(['nul-2', 'nul-1']);
  });
});

describe('one statement shape for every backend', () => {
  const SORTS = [[], ['name:desc'], ['custom.n', 'id:desc'], ['updated', 'status:desc', 'custom.s:asc'], ['channel.name', 'uuid.id:desc', 'type']];

  it('orders by as many terms as a cursor of its sort holds', () => {
    for (const resource of ['uuids', 'channels', 'memberships', 'members'] as const) {
      for (const sort of SORTS) {
        let keys;
        try {
          keys = parseSort(resource, sort);
        } catch {
          continue; // a field this resource does not have
        }
        const query: ListQuery = { subKey: 'k', resource, ownerId: 'o', sort: keys, limit: 10, count: false, withRelated: true };
        expect(listStatement(sqliteDialect, query, selectColumns(resource)).componentCount, `${resource} ${sort.join()}`).toBe(cursorWidth(keys));
      }
    }
  });

  it('sorts on keys computed in SQL where a backend stores none, in the same order', async () => {
    const names = ['émile', 'Eve', null, 'Zoe', 'eve', 'Émilie', 'adam'];
    for (const [index, name] of names.entries()) {
      await store.uuids.write('computed', `u${index}`, decideObject<UuidRecord>('uuid', `u${index}`, { name }, rules));
    }
    const computing = { ...sqliteDialect, sortKey: () => undefined };
    const ids = (dialect: typeof sqliteDialect, sort: string[]) => {
      const query: ListQuery = { subKey: 'computed', resource: 'uuids', sort: parseSort('uuids', sort), limit: 10, count: false, withRelated: false };
      const statement = listStatement(dialect, query, selectColumns('uuids'));
      expect(statement.sql.includes('ORDER BY sort_key('), statement.sql).toBe(dialect === computing);
      return store.db
        .prepare(statement.sql)
        .raw(true)
        .all(...statement.params)
        .map((row) => (row as unknown[])[0]);
    };
    for (const sort of [['name'], ['name:desc'], ['id:desc']]) expect(ids(computing, sort)).toEqual(ids(sqliteDialect, sort));
    expect(ids(computing, ['name'])).toEqual(['u2', 'u6', 'u0', 'u5', 'u1', 'u4', 'u3']);
  });
});
