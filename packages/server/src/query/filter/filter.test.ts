import type Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RosterError } from '../../errors.ts';
import { openConnection } from '../../store/sqlite/connection.ts';
import { sqliteDialect } from '../../store/sqlite/dialect.ts';
import type { Resource } from '../fields.ts';
import type { FilterNode } from './ast.ts';
import { compileFilter } from './compile.ts';
import { MAX_COMPARISONS } from '../../realtime/message-filter.ts';
import { insertRow } from '../../../test/sqlite-rows.ts';
import { MAX_FILTER_COMPARISONS, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, MAX_FILTER_SCANNING_LIKES, parseFilter } from './parser.ts';

/** The detail message of the INVALID_FILTER error `run` throws. */
function filterError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RosterError);
    const roster = error as RosterError;
    expect(roster.code).toBe('INVALID_FILTER');
    expect(roster.status).toBe(400);
    expect(roster.message).toBe('Invalid filter expression.');
    expect(roster.details).toHaveLength(1);
    expect(roster.details[0]).toMatchObject({ location: 'filter', locationType: 'query' });
    return roster.details[0]!.message;
  }
  throw new Error('expected an INVALID_FILTER error');
}

const parseError = (text: string): string => filterError(() => parseFilter(text));

function cond(path: string[], operator: string, value: unknown): Record<string, unknown> {
  return { type: 'condition', path, operator, value };
}

describe('parseFilter: errors name what broke and where (0-based)', () => {
  it.each([
    ['', 'The filter is empty'],
    [' \t ', 'The filter is empty'],
    ['name ==', "Expected a value after '==' at position 7, found the end of the filter"],
    ['name == )', "Expected a value after '==' at position 8, found ')'"],
    ['name == Alice', "Expected a value after '==' at position 8, found 'Alice' (strings need quotes)"],
    ['name = "x"', "Unexpected '=' at position 5; compare with '=='"],
    ['name "x"', `Expected an operator (==, !=, <, <=, >, >=, LIKE) after 'name' at position 5, found "x"`],
    ['name LIKES "x"', "after 'name' at position 5, found 'LIKES'"],
    ['(name == "x"', "Expected ')' at position 12 to close the '(' at position 0, found the end of the filter"],
    ['name == "x")', "Unmatched ')' at position 11"],
    ['name == "x" &&', 'Expected a field name at position 14, found the end of the filter'],
    ['name == "x" id == "y"', "Unexpected 'id' at position 12; expected '&&', '||' or the end of the filter"],
    ['name == "x" & id == "y"', "Unexpected '&' at position 12; use '&&'"],
    ['name == "x" | id == "y"', "Unexpected '|' at position 12; use '||'"],
    ['name == "abc', 'Unterminated string starting at position 8'],
    [String.raw`name == "a\qb"`, String.raw`Invalid escape '\q' at position 10`],
    [String.raw`name == "\u12"`, String.raw`Invalid \u escape at position 9`],
    [String.raw`name == "\uD800"`, 'Unpaired UTF-16 surrogate in the string at position 8'],
    ['name LIKE 5', "LIKE needs a string pattern at position 10, found '5'"],
    ['name like null', 'LIKE needs a string pattern at position 10'],
    ['custom.n == 1.', 'Invalid number at position 12'],
    ['custom.n == 12abc', 'Invalid number at position 12'],
    ['custom.n == -x', 'Invalid number at position 12'],
    ['custom.n == .5', "Expected a value after '==' at position 12, found '.'"],
    ['custom.n == 1e999', 'Number out of range at position 12'],
    ['custom. == 1', "Expected a field name after '.' at position 8, found '=='"],
    ['custom[x] == 1', "Expected a quoted field name after '[' at position 7, found 'x'"],
    ['custom["x" == 1', "Expected ']' at position 11 to close the '[' at position 6, found '=='"],
    ['== 1', "Expected a field name at position 0, found '=='"],
    ['name == "x" # 1', "Unexpected character '#' at position 12"],
    ['name == True', "found 'True' (strings need quotes)"],
  ])('%j → %s', (text, message) => {
    expect(parseError(text)).toContain(message);
  });

  it('reports the first error in reading order', () => {
    expect(parseError('name = "x" && #')).toContain('position 5');
  });
});

describe('parseFilter: bounds', () => {
  it(`rejects text longer than ${MAX_FILTER_LENGTH} characters`, () => {
    const fits = `name == "${'x'.repeat(MAX_FILTER_LENGTH - 10)}"`;
    expect(fits).toHaveLength(MAX_FILTER_LENGTH);
    expect(parseFilter(fits)).toMatchObject({ type: 'condition' });
    expect(parseError(`${fits} `)).toBe('The filter is 4097 characters long; at most 4096 are allowed');
  });

  it(`allows ${MAX_FILTER_DEPTH} levels of ( and ! but not one more`, () => {
    const nested = (depth: number): string => `${'('.repeat(depth)}a == 1${')'.repeat(depth)}`;
    expect(parseFilter(nested(MAX_FILTER_DEPTH))).toMatchObject(cond(['a'], '==', 1));
    expect(parseError(nested(MAX_FILTER_DEPTH + 1))).toBe('The filter nests deeper than 64 levels at position 64');
    expect(parseFilter(`${'!'.repeat(MAX_FILTER_DEPTH)}a == 1`)).toMatchObject({ type: 'not' });
    expect(parseError(`${'!('.repeat(40)}a == 1${')'.repeat(40)}`)).toContain('nests deeper than 64 levels');
  });

  it(`allows ${MAX_FILTER_COMPARISONS} comparisons, as subscribe filter-expr does, but not one more`, () => {
    expect(MAX_FILTER_COMPARISONS).toBe(MAX_COMPARISONS);
    const chain = (count: number): string => Array.from({ length: count }, (_, k) => `custom.x == ${k}`).join(' || ');
    expect(parseFilter(chain(MAX_FILTER_COMPARISONS))).toMatchObject({ type: 'or' });
    const tooMany = chain(MAX_FILTER_COMPARISONS + 1);
    const last = tooMany.lastIndexOf('custom.x');
    expect(parseError(tooMany)).toBe(`The filter holds more than 64 comparisons; comparison 65 is at position ${last}`);
  });

  it(`allows ${MAX_FILTER_SCANNING_LIKES} LIKE conditions with a leading or inner wildcard, and any number of others`, () => {
    const likes = (count: number, pattern: string): string =>
      Array.from({ length: count }, (_, k) => `name LIKE "${pattern.replace('#', String(k))}"`).join(' || ');
    expect(parseFilter(likes(MAX_FILTER_SCANNING_LIKES, '*a#b*'))).toMatchObject({ type: 'or' });
    expect(parseFilter(`${likes(MAX_FILTER_SCANNING_LIKES, '*a#')} || ${likes(40, 'a#*')} || ${likes(10, 'a\\*#')}`)).toMatchObject({ type: 'or' });
    for (const pattern of ['*a#', '*a#*', 'a*#*b', 'x*#*']) {
      const tooMany = likes(MAX_FILTER_SCANNING_LIKES + 1, pattern);
      expect(parseError(tooMany)).toBe(
        `The filter holds more than 8 LIKE conditions with a leading or inner wildcard ('*x', '*x*', 'a*b*c'); the next is at position ${tooMany.lastIndexOf('name')}`,
      );
    }
  });

  it('never overflows the stack, whatever the input', () => {
    expect(parseError('('.repeat(MAX_FILTER_LENGTH))).toContain('nests deeper');
    expect(parseError('!'.repeat(100_000))).toContain('at most 4096');
  });
});

// ---------------------------------------------------------------------------------------------
// Compiled SQL, run against a real SQLite database.

interface Row {
  id: string;
  name?: string | null;
  externalId?: string | null;
  email?: string | null;
  status?: string | null;
  custom?: Record<string, unknown> | null;
  updated: string;
}

const USERS: Row[] = [
  {
    id: 'u1',
    name: 'Alice',
    email: 'alice@example.com',
    status: 'active',
    custom: { age: 30, verified: true, city: 'Paris', 'key with space': 'yes', nick: null },
    updated: '2024-01-15T10:00:00.000000Z',
  },
  {
    id: 'u2',
    name: 'alice',
    email: 'ALICE@EXAMPLE.ORG',
    status: 'inactive',
    custom: { age: 25, verified: false, city: 'paris', score: '30', nick: 'Al' },
    updated: '2024-01-15T10:00:00.500000Z',
  },
  { id: 'u3', name: 'Bob*', status: null, custom: null, updated: '2023-06-01T00:00:00.000000Z' },
  {
    id: 'u4',
    name: 'Émile',
    status: 'active',
    custom: { age: 30.5, city: 'Évry', 'quote"d': 1, 'back\\slash': 2, '100%_done': 'x' },
    updated: '2024-03-07T08:49:07.011608Z',
  },
  { id: 'u5', name: null, custom: {}, updated: '2025-01-01T00:00:00.000000Z' },
  { id: 'u6', name: 'Bo%b_', externalId: 'C:\\temp', custom: { verified: 'true' }, updated: '2024-12-31T23:59:59.999999Z' },
];
const ALL = USERS.map((user) => user.id);

/** The real schema (sort-key columns, the `fold` function), in memory. */
function openDatabase(): Database.Database {
  const db = openConnection({ path: ':memory:', synchronous: 'normal' });
  for (const u of USERS) {
    insertRow(db, 'uuids', {
      sub_key: 'sub-c',
      id: u.id,
      name: u.name ?? null,
      external_id: u.externalId ?? null,
      email: u.email ?? null,
      status: u.status ?? null,
      custom: u.custom ? JSON.stringify(u.custom) : null,
      updated: u.updated,
      etag: 'e',
    });
  }
  return db;
}

const db = openDatabase();

function compile(filter: string, resource: Resource = 'uuids'): { sql: string; values: (string | number | null)[] } {
  const params = sqliteDialect.params();
  const sql = compileFilter(parseFilter(filter), resource, sqliteDialect, params);
  return { sql, values: params.values };
}

/** The ids of the users a filter selects, checking on the way that it is never NULL for any row. */
function users(filter: string): string[] {
  const { sql, values } = compile(filter);
  const nulls = db
    .prepare(`SELECT count(*) FROM uuids u WHERE (${sql}) IS NULL`)
    .pluck()
    .get(...values);
  expect(nulls, `${filter} is NULL for some row`).toBe(0);
  return db
    .prepare(`SELECT u.id FROM uuids u WHERE ${sql} ORDER BY u.id`)
    .pluck()
    .all(...values) as string[];
}

const without = (...ids: string[]): string[] => ALL.filter((id) => !ids.includes(id));
const compileError = (filter: string, resource: Resource = 'uuids'): string => filterError(() => compile(filter, resource));

describe('compileFilter: string fields', () => {
  it('compares exactly, in code point order', () => {
    expect(users('name == "Alice"')).toEqual(['u1']);
    expect(users("name == 'alice'")).toEqual(['u2']);
    expect(users('name != "Alice"')).toEqual(['u2', 'u3', 'u4', 'u6']); // u5 has no name
    expect(users('name < "B"')).toEqual(['u1']); // 'a' (0x61) sorts after 'B'
    expect(users('name <= "Bob*"')).toEqual(['u1', 'u3', 'u6']);
    expect(users('name > "Bob*"')).toEqual(['u2', 'u4']);
    expect(users('name >= "alice"')).toEqual(['u2', 'u4']); // É is U+00C9
    expect(users('id > "u4"')).toEqual(['u5', 'u6']);
  });

  it('matches unset fields with == null and set ones with != null', () => {
    expect(users('name == null')).toEqual(['u5']);
    expect(users('name != null')).toEqual(without('u5'));
    expect(users('email == null')).toEqual(['u3', 'u4', 'u5', 'u6']);
    expect(users('name < null')).toEqual([]);
  });

  it('treats a number or boolean literal on a string field as false', () => {
    expect(users('name == 1')).toEqual([]);
    expect(users('name != true')).toEqual([]);
    expect(users('!(name == 1)')).toEqual(ALL);
  });
});

describe('compileFilter: LIKE', () => {
  it('uses * as a wildcard anywhere and matches the whole value', () => {
    expect(users('name LIKE "Ali*"')).toEqual(['u1', 'u2']);
    expect(users('name LIKE "*ce"')).toEqual(['u1', 'u2']);
    expect(users('name LIKE "a*e"')).toEqual(['u1', 'u2']);
    expect(users('name LIKE "*li*"')).toEqual(['u1', 'u2']);
    expect(users('name LIKE "*mil*"')).toEqual(['u4']);
    expect(users('name LIKE "alic"')).toEqual([]);
    expect(users('name LIKE "*"')).toEqual(without('u5'));
    expect(users('email LIKE "*@example.*"')).toEqual(['u1', 'u2']);
  });

  it('ignores case, also beyond ASCII', () => {
    expect(users('name like "ALICE"')).toEqual(['u1', 'u2']);
    expect(users('name LIKE "émile"')).toEqual(['u4']);
    expect(users('name LIKE "É*"')).toEqual(['u4']);
    expect(users('name == "émile"')).toEqual([]);
    expect(users('name == "Émile"')).toEqual(['u4']);
  });

  it('narrows a pattern with a literal start to a range of sort keys, without changing what matches', () => {
    const { sql } = compile('name like "al*"');
    expect(sql).toContain('u.name_key >= ? AND u.name_key < ?');
    expect(compile('name like "al*"').values.slice(0, 2)).toEqual(['AL', 'AM']);
    expect(users('name like "al*"')).toEqual(['u1', 'u2']);
    expect(users('name like "AL*CE"')).toEqual(['u1', 'u2']);
    expect(users('name like "émi*"')).toEqual(['u4']);
    expect(users('name like "Bob\\**"')).toEqual(['u3']);
    expect(compile('name like "*ice"').sql).not.toContain('name_key');
    expect(compile('name like "\u{10FFFF}*"').values.slice(0, 1)).toEqual(['\u{10FFFF}']);
  });

  it('reads \\* as a literal asterisk and % _ \\ as plain characters', () => {
    expect(users(String.raw`name LIKE "*\**"`)).toEqual(['u3']);
    expect(users(String.raw`name LIKE "Bob\*"`)).toEqual(['u3']);
    expect(users('name LIKE "Bo*"')).toEqual(['u3', 'u6']);
    expect(users('name LIKE "Bo%*"')).toEqual(['u6']);
    expect(users('name LIKE "Bo_b*"')).toEqual([]);
    expect(users('name LIKE "*_"')).toEqual(['u6']);
    expect(users(String.raw`externalId LIKE "c:\\*"`)).toEqual(['u6']);
  });
});

describe('compileFilter: LIKE takes time linear in each value, whatever the pattern', () => {
  // Long names and custom values; one row of each kind matches so that results are checked too.
  const a = (count: number) => 'a'.repeat(count);
  const long = openConnection({ path: ':memory:', synchronous: 'normal' });
  const insert = (id: string, name: string, custom: string) => insertRow(long, 'uuids', { sub_key: 's', id, name, custom, updated: '0', etag: 'e' });
  for (let row = 0; row < 40; row++) insert(`r${row}`, a(2048), JSON.stringify({ x: a(30_000) }));
  insert('match', `${a(1000)}B*%_${a(1000)}`, JSON.stringify({ x: `${a(15_000)}B*%_${a(15_000)}` }));

  const select = (filter: string) => {
    const params = sqliteDialect.params();
    const where = compileFilter(parseFilter(filter), 'uuids', sqliteDialect, params);
    const start = performance.now();
    const ids = long
      .prepare(`SELECT id FROM uuids u WHERE ${where}`)
      .pluck()
      .all(...params.values);
    return { ids, ms: performance.now() - start };
  };

  // SQLite's own LIKE spent about 0.1 s a row on the long-run shapes (4 s here on an idle
  // machine, minutes over a real table); the bound is generous for a loaded machine.
  it.each([
    ['one long run that nearly matches everywhere', `custom.x LIKE "*${a(1500)}c${a(1500)}*"`],
    ['the same on a name', `name LIKE "*${a(1900)}c*"`],
    ['many stars', `custom.x LIKE "${'*a'.repeat(1000)}*c"`],
    ['alternating runs', `name LIKE "${'*ab'.repeat(600)}*c"`],
    ['escaped stars', `custom.x LIKE "${'*\\*'.repeat(600)}*c"`],
    ['case variants', `custom.x LIKE "${'*A*a'.repeat(500)}*C"`],
    ['% and _ as text', `custom.x LIKE "${'*%_'.repeat(600)}*c"`],
  ])('%s', (_name, filter) => {
    const { ids, ms } = select(filter);
    expect(ids).toEqual([]);
    expect(ms).toBeLessThan(1500);
  });

  it('still finds what matches', () => {
    expect(select(`custom.x LIKE "*a${a(1000)}b\\*%_a*"`).ids).toEqual(['match']);
    expect(select(`name LIKE "${'*A'.repeat(100)}*b\\*%_*"`).ids).toEqual(['match']);
    expect(select(`name LIKE "a*b\\*%_${a(999)}*"`).ids).toEqual(['match']);
  });
});

describe('compileFilter: index-friendly forms mean the same as the plain ones', () => {
  const alphabet = fc.constantFrom('a', 'A', 'b', 'ß', 'S', 'é', 'É', 'ǅ', ' ', '_', '%', '\\', '\u0001', '\u{10FFFF}', '\u{1F600}');
  const text = fc.array(alphabet, { maxLength: 5 }).map((chars) => chars.join(''));
  const quoted = (value: string) => JSON.stringify(value.replaceAll('*', ''));

  it('`field like "text*"` and `field == "text"` select what LIKE and = select', () => {
    const probe = openConnection({ path: ':memory:', synchronous: 'normal' });
    const insert = { run: (id: string, name: string) => insertRow(probe, 'uuids', { sub_key: 's', id, name, updated: '0', etag: 'e' }) };
    fc.assert(
      fc.property(fc.uniqueArray(text, { maxLength: 12 }), text, (names, literal) => {
        probe.exec('DELETE FROM uuids');
        names.forEach((name, index) => insert.run(String(index), name));
        const select = (filter: string) => {
          const params = sqliteDialect.params();
          const where = compileFilter(parseFilter(filter), 'uuids', sqliteDialect, params);
          return probe
            .prepare(`SELECT name FROM uuids u WHERE ${where} ORDER BY id`)
            .pluck()
            .all(...params.values);
        };
        const plain = literal.replaceAll('*', '');
        const folded = plain.toUpperCase();
        expect(select(`name like ${quoted(plain)}*`.replace(/"\*$/, '*"'))).toEqual(names.filter((name) => name.toUpperCase().startsWith(folded)));
        expect(select(`name == ${quoted(plain)}`)).toEqual(names.filter((name) => name === plain));
      }),
      // The sort key is the folded text, char(1), the text: a literal holding char(1) must not match across it.
      { numRuns: 300, examples: [[['a', 'ab'], 'A\u0001']] },
    );
    probe.close();
  });
});

describe('compileFilter: &&, || and !', () => {
  it('combines with the right precedence', () => {
    expect(users('status == "active" || status == "inactive" && name == "Alice"')).toEqual(['u1', 'u4']);
    expect(users('(status == "active" || status == "inactive") && name == "alice"')).toEqual(['u2']);
    expect(users('name LIKE "a*" && !(name == "Alice")')).toEqual(['u2']);
  });

  it('makes ! over a missing field or a mismatch true', () => {
    expect(users('!(status == "active")')).toEqual(['u2', 'u3', 'u5', 'u6']);
    expect(users('!status == "active"')).toEqual(['u2', 'u3', 'u5', 'u6']);
    expect(users('!(custom.age > 26)')).toEqual(['u2', 'u3', 'u5', 'u6']);
    expect(users('!!(custom.age > 26)')).toEqual(['u1', 'u4']);
    expect(users('!(name != "Alice")')).toEqual(['u1', 'u5']);
  });
});

describe('compileFilter: dates', () => {
  it('compares instants whatever the literal precision or zone', () => {
    expect(users('updated >= "2024-01-15T10:00:00Z"')).toEqual(['u1', 'u2', 'u4', 'u5', 'u6']);
    expect(users('updated > "2024-01-15T10:00:00Z"')).toEqual(['u2', 'u4', 'u5', 'u6']);
    expect(users('updated < "2024-01-15T10:00:00.4Z"')).toEqual(['u1', 'u3']);
    expect(users('updated == "2024-01-15T11:00:00+01:00"')).toEqual(['u1']);
    expect(users('updated == "2024-03-07T08:49:07.011608Z"')).toEqual(['u4']);
    expect(users('updated == "2024-03-07T08:49:07.0116Z"')).toEqual([]);
    expect(users('updated < "2024-01-01"')).toEqual(['u3']);
    expect(users('updated >= "2024-12-31T23:59:59.999999Z" && updated < "2025-01-01T00:00:00Z"')).toEqual(['u6']);
    expect(users('updated == null')).toEqual([]);
  });

  it('rejects literals that are not dates, and LIKE', () => {
    expect(compileError('name == "x" && updated > "yesterday"')).toBe(`Expected an ISO 8601 date to compare with 'updated' at position 25, found "yesterday"`);
    expect(compileError('updated > "2024-02-30"')).toContain('Expected an ISO 8601 date');
    expect(compileError('updated > 5')).toContain("compare with 'updated' at position 10, found 5");
    expect(compileError('updated LIKE "2024*"')).toBe("LIKE cannot be used on the date field 'updated' at position 0");
  });
});

describe('compileFilter: custom fields', () => {
  it('compares numbers with numbers', () => {
    expect(users('custom.age == 30')).toEqual(['u1']);
    expect(users('custom.age >= 30')).toEqual(['u1', 'u4']);
    expect(users('custom.age < 30')).toEqual(['u2']);
    expect(users('custom.age != 30')).toEqual(['u2', 'u4']);
    expect(users('custom.age > 3e1')).toEqual(['u4']);
  });

  it('compares strings with strings, exactly, and LIKE without case', () => {
    expect(users('custom.city == "Paris"')).toEqual(['u1']);
    expect(users('custom.city > "P"')).toEqual(['u1', 'u2', 'u4']); // 'É' (U+00C9) > 'P'
    expect(users('custom.city < "Q"')).toEqual(['u1']);
    expect(users('custom.city LIKE "paris"')).toEqual(['u1', 'u2']);
    expect(users('custom.city LIKE "é*"')).toEqual(['u4']);
    expect(users('custom.age LIKE "3*"')).toEqual([]);
  });

  it('is false on a type mismatch', () => {
    expect(users('custom.age == "30"')).toEqual([]);
    expect(users('custom.score == "30"')).toEqual(['u2']);
    expect(users('custom.score == 30')).toEqual([]);
    expect(users('!(custom.score == 30)')).toEqual(ALL);
  });

  it('matches booleans by JSON type', () => {
    expect(users('custom.verified == true')).toEqual(['u1']);
    expect(users('custom.verified == false')).toEqual(['u2']);
    expect(users('custom.verified != true')).toEqual(['u2']);
    expect(users('custom.verified != false')).toEqual(['u1']);
    expect(users('custom.verified == "true"')).toEqual(['u6']);
    expect(users('custom.verified > false')).toEqual([]);
  });

  it('matches missing keys and JSON null with == null', () => {
    expect(users('custom.nick == null')).toEqual(without('u2'));
    expect(users('custom.nick != null')).toEqual(['u2']);
    expect(users('custom.age != null')).toEqual(['u1', 'u2', 'u4']);
    expect(users('custom.age > null')).toEqual([]);
  });

  it('reads keys of any text through brackets', () => {
    expect(users('custom["key with space"] == "yes"')).toEqual(['u1']);
    expect(users(`custom['quote"d'] == 1`)).toEqual(['u4']);
    expect(users(String.raw`custom["back\\slash"] == 2`)).toEqual(['u4']);
    expect(users('custom["100%_done"] LIKE "X"')).toEqual(['u4']);
  });
});

describe('compileFilter: fields and safety', () => {
  it('rejects unknown fields by name and position', () => {
    expect(compileError('nope == 1')).toBe("Unknown field 'nope' at position 0");
    expect(compileError('name == "x" && custom.a.b == 1')).toBe("Unknown field 'custom.a.b' at position 15");
    expect(compileError('channel.name == "x"')).toBe("Unknown field 'channel.name' at position 0");
    expect(compileError('["two words"] == 1')).toBe(`Unknown field '["two words"]' at position 0`);
  });

  it('binds every value, so an injection attempt is just a string', () => {
    expect(users(`name == "x' OR 1=1 --"`)).toEqual([]);
    expect(users(`name == 'x" OR 1=1 --'`)).toEqual([]);
    expect(users(`custom["x') OR 1=1 --"] == 1`)).toEqual([]);
    const { sql, values } = compile(`name == "x' OR 1=1 --" || custom["a'b"] LIKE "%'" || custom.n > 42`);
    expect(sql).not.toMatch(/OR 1=1|a'b|42|%'/);
    expect(values).toEqual(expect.arrayContaining([`x' OR 1=1 --`, '$."a\'b"', "\\%'", 42]));
  });

  it('keeps long chains shallow enough for SQLite (built by hand: the parser stops at 64 comparisons)', () => {
    const chain = (texts: string[], type: 'and' | 'or'): FilterNode => texts.map((text) => parseFilter(text)).reduce((left, right) => ({ type, left, right }));
    const run = (node: FilterNode): string[] => {
      const params = sqliteDialect.params();
      const sql = compileFilter(node, 'uuids', sqliteDialect, params);
      return db
        .prepare(`SELECT u.id FROM uuids u WHERE ${sql} ORDER BY u.id`)
        .pluck()
        .all(...params.values) as string[];
    };
    expect(run(chain([...Array.from({ length: 280 }, (_, i) => `name=="${i}"`), 'name == "Alice"'], 'or'))).toEqual(['u1']);
    expect(
      run(
        chain(
          Array.from({ length: 500 }, () => 'id>"a"'),
          'and',
        ),
      ),
    ).toEqual(ALL);
  });

  it('compiles a hand-built LIKE without a pattern, counting every * as a wildcard', () => {
    const node: FilterNode = { type: 'condition', path: ['name'], operator: 'like', value: 'B*', position: 0 };
    const params = sqliteDialect.params();
    const sql = compileFilter(node, 'uuids', sqliteDialect, params);
    expect(
      db
        .prepare(`SELECT u.id FROM uuids u WHERE ${sql} ORDER BY u.id`)
        .pluck()
        .all(...params.values),
    ).toEqual(['u3', 'u6']);
  });
});

describe('compileFilter: memberships', () => {
  const membershipDb = openDatabase();
  for (const [subKey, id, name, custom, updated] of [
    ['sub-c', 'ch-a', 'General', '{"topic":"news","x":1}', '2024-05-01T00:00:00.000000Z'],
    ['sub-c', 'ch-b', 'Random', '{"x":2}', '2023-05-01T00:00:00.000000Z'],
    ['sub-d', 'ch-c', 'Other keyset', '{"x":3}', '2023-05-01T00:00:00.000000Z'],
  ] as const) {
    insertRow(membershipDb, 'channels', { sub_key: subKey, id, name, custom, updated, etag: 'e' });
  }
  for (const [uuid, channel, status, custom, updated] of [
    ['u1', 'ch-a', 'admin', '{"x":"own"}', '2024-06-01T00:00:00.000000Z'],
    ['u1', 'ch-b', 'member', null, '2024-06-02T00:00:00.000000Z'],
    ['u1', 'ch-c', null, null, '2024-06-03T00:00:00.000000Z'],
    ['u2', 'ch-a', 'member', null, '2024-06-04T00:00:00.000000Z'],
  ] as const) {
    insertRow(membershipDb, 'memberships', { sub_key: 'sub-c', uuid_id: uuid, channel_id: channel, status, custom, updated, etag: 'e' });
  }

  /** The channel ids of u1's memberships that a filter selects; ch-c has no channel metadata. */
  function channels(filter: string): string[] {
    const params = sqliteDialect.params();
    const scope = `m.sub_key = ${params.add('sub-c')} AND m.uuid_id = ${params.add('u1')}`;
    const sql = compileFilter(parseFilter(filter), 'memberships', sqliteDialect, params);
    return membershipDb
      .prepare(
        `SELECT m.channel_id FROM memberships m LEFT JOIN channels c ON c.sub_key = m.sub_key AND c.id = m.channel_id
         WHERE ${scope} AND ${sql} ORDER BY m.channel_id`,
      )
      .pluck()
      .all(...params.values) as string[];
  }

  it('filters on the related channel, the membership, and both', () => {
    expect(channels('channel.name LIKE "gen*"')).toEqual(['ch-a']);
    expect(channels('channel.id == "ch-c"')).toEqual(['ch-c']);
    expect(channels("channel.id != 'ch-a'")).toEqual(['ch-b', 'ch-c']);
    expect(channels('status == "admin"')).toEqual(['ch-a']);
    expect(channels('status == null')).toEqual(['ch-c']);
    expect(channels('channel.custom.x > 1')).toEqual(['ch-b']);
    expect(channels('custom.x == "own"')).toEqual(['ch-a']);
    expect(channels('channel.custom.topic == "news" && custom.x == "own"')).toEqual(['ch-a']);
    expect(channels('!(channel.name == "General")')).toEqual(['ch-b', 'ch-c']);
    expect(channels('!(channel.name LIKE "gen*")')).toEqual(['ch-b', 'ch-c']);
    expect(channels('!(channel.name LIKE "gen*al")')).toEqual(['ch-b', 'ch-c']);
    expect(channels('channel.updated < "2024-01-01T00:00:00Z"')).toEqual(['ch-b']);
    expect(channels('updated > "2024-06-01T12:00:00Z"')).toEqual(['ch-b', 'ch-c']);
    expect(channels('space.name == "Random"')).toEqual(['ch-b']);
  });

  it('rejects fields of the other side', () => {
    expect(compileError('uuid.name == "x"', 'memberships')).toBe("Unknown field 'uuid.name' at position 0");
    expect(compileError('id == "x"', 'memberships')).toBe("Unknown field 'id' at position 0");
  });
});
