import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from '../../../test/store-contract/postgres.ts';
import { DEFAULT_LIMITS } from '../../model/keyset.ts';
import type { UuidRecord } from '../../model/records.ts';
import { decideObject } from '../../objects/apply.ts';
import { sqlLikeFunction } from '../../query/filter/like.ts';
import { parseFilter } from '../../query/filter/parser.ts';
import { parseSort } from '../../query/sort.ts';
import { foldText } from '../sqlite/connection.ts';
import type { ListQuery } from '../store.ts';
import { connect, type Database } from './connection.ts';
import { postgresDialect } from './dialect.ts';
import { PostgresStore } from './index.ts';
import { migrate } from './migrate.ts';

/**
 * The dialect's LIKE (PostgreSQL's own where it is as good, else `roster_like` of like-sql.ts):
 * the same answers as SQLite's `like_match` for any text and pattern, and no pattern makes it slow.
 */
const unavailable = await postgresUnavailable();

/** SQLite's `like_match`, the reference: a `%`/`\` pattern, case folded as SQLite folds it. */
const likeMatch = sqlLikeFunction(foldText);

/** A small deterministic generator (a linear congruential one), so a failing case can be run again. */
function generator(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * below);
  };
}

/** Mostly `a` and `b`, so runs repeat and periods show; and what folds, is escaped or stands for an escape, unusually. */
const ALPHABET = [
  'a',
  'a',
  'a',
  'a',
  'b',
  'b',
  'A',
  'ß',
  'S',
  'ı',
  'İ',
  'é',
  '😀',
  '%',
  '_',
  '\\',
  '\u0000',
  '\u0001',
  '\u0002',
  '\u0003',
  '\u0004',
  '\u0005',
  '\u0010',
];

/** What PostgreSQL stores escaped (U+0000, U+0001: codec.ts), what follows U+0001 there (U+0002), and one letter. */
const ESCAPED = ['a', '\u0000', '\u0001', '\u0002'];

/** A pattern as query/filter/compile.ts writes it: `%` between the runs, `%`, `_` and `\` escaped. */
const sqlPattern = (runs: string[]) => runs.map((run) => run.replace(/[\\%_]/g, (char) => `\\${char}`)).join('%');

interface Case {
  text: string;
  pattern: string;
}

/**
 * A text, and a pattern made of pieces of it in order, so that it matches, unless (one time in
 * three) a piece is replaced by random characters.
 */
function randomCase(next: (below: number) => number, maxLength: number): Case {
  const chars = Array.from({ length: next(maxLength + 1) }, () => ALPHABET[next(ALPHABET.length)]!);
  if (next(3) === 0) chars.splice(next(chars.length + 1), 0, ...'ab'.repeat(next(maxLength)).split(''));
  const cuts = Array.from({ length: 2 * (1 + next(4)) }, () => next(chars.length + 1)).sort((a, b) => a - b);
  if (next(2) === 0) cuts[0] = 0;
  if (next(2) === 0) cuts[cuts.length - 1] = chars.length;
  const runs = Array.from({ length: cuts.length / 2 }, (_, index) => chars.slice(cuts[2 * index], cuts[2 * index + 1]).join(''));
  if (cuts[0] !== 0) runs.unshift('');
  if (cuts.at(-1) !== chars.length) runs.push('');
  if (next(3) === 0) runs[next(runs.length)] = Array.from({ length: next(4) }, () => ALPHABET[next(ALPHABET.length)]!).join('');
  return { text: chars.join(''), pattern: sqlPattern(runs) };
}

/**
 * A short text and pattern both of a few characters: with `ab`, runs that overlap, repeat or
 * touch the first and last; with `ESCAPED`, runs that could be found inside an escape pair.
 */
function tinyCase(next: (below: number) => number, alphabet: readonly string[]): Case {
  const random = (length: number) => Array.from({ length }, () => alphabet[next(alphabet.length)]!).join('');
  return { text: random(next(8)), pattern: sqlPattern(Array.from({ length: 1 + next(4) }, () => random(next(4)))) };
}

/** 1,500 cases of `randomCase`, 1,000 of `tinyCase` on `ab` and 1,000 on `ESCAPED`. */
const mixedCases = (next: (below: number) => number) => [
  ...Array.from({ length: 1500 }, () => randomCase(next, 40)),
  ...Array.from({ length: 1000 }, () => tinyCase(next, ['a', 'b'])),
  ...Array.from({ length: 1000 }, () => tinyCase(next, ESCAPED)),
];

describe.skipIf(unavailable !== undefined)(titled('PostgreSQL LIKE (roster_like)', unavailable), () => {
  let database: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    database = await createDatabase();
    db = connect(database.url, { max: 4 });
    await migrate(db);
  });
  afterAll(async () => {
    await db?.end();
    await database?.drop();
  });

  /**
   * `expression` (of the columns `t` and `p`) for each case, 200 cases a statement: the text and
   * the pattern are bound as the store binds them (connection.ts).
   */
  async function evaluate(cases: Case[], expression: string): Promise<unknown[]> {
    const chunks = Array.from({ length: Math.ceil(cases.length / 200) }, (_, index) => cases.slice(index * 200, index * 200 + 200));
    const answers = await Promise.all(
      chunks.map(async (chunk) => {
        const rows = chunk.map((_, index) => `(${index}, $${2 * index + 1}::text, $${2 * index + 2}::text)`).join(', ');
        const sql = `SELECT ${expression} AS m FROM (VALUES ${rows}) AS v(n, t, p) ORDER BY n`;
        return (
          await db.unsafe(
            sql,
            chunk.flatMap(({ text, pattern }) => [text, pattern]),
          )
        ).map((row) => row['m']);
      }),
    );
    return answers.flat();
  }

  /** The cases on which `expression` and `like_match` disagree, as [text, pattern] pairs. */
  async function disagreements(cases: Case[], expression: string): Promise<[string, string][]> {
    const answers = await evaluate(cases, expression);
    return cases.filter((one, index) => answers[index] !== (likeMatch(one.text, one.pattern) === 1)).map((one) => [one.text, one.pattern]);
  }

  /** `roster_like` with the pattern read as `roster_like_prepare` reads it for these sizes. */
  const rosterLike = (anchor: number, shortRun: number) => `roster_like(upper(t COLLATE "und-x-icu"), roster_like_prepare(p, ${anchor}, ${shortRun}))`;

  // Small anchors make short runs long: every plan of roster_like_plan is taken on short texts.
  // A short_run of 0 sends every pattern through the per-run search instead of one bytea LIKE.
  for (const [anchor, shortRun] of [
    [2, 0],
    [4, 0],
    [8, 0],
    [6, 3],
    [256, 16],
  ] as const) {
    it(`agrees with like_match on 3,500 random texts and patterns (anchor ${anchor}, short runs up to ${shortRun} bytes)`, async () => {
      const cases = mixedCases(generator(anchor * 1000 + shortRun));
      const matched = cases.filter((one) => likeMatch(one.text, one.pattern) === 1).length;
      expect(matched).toBeGreaterThan(300); // the generator makes matches too, not only misses
      expect(await disagreements(cases, rosterLike(anchor, shortRun))).toEqual([]);
    });
  }

  it('agrees with like_match on long texts with long periodic runs, as the store reads them', async () => {
    const next = generator(7);
    const cases = Array.from({ length: 200 }, () => randomCase(next, 1500));
    expect(await disagreements(cases, rosterLike(256, 16))).toEqual([]);
  });

  it('as the dialect writes it, PostgreSQL’s own LIKE where it is as good, agrees with like_match', async () => {
    const next = generator(11);
    const cases = [...mixedCases(next), ...Array.from({ length: 100 }, () => randomCase(next, 1500))];
    const native = (await evaluate(cases, 'roster_like_native(p)')).filter((answer) => answer === true).length;
    expect(native).toBeGreaterThan(300); // both ways are taken
    expect(native).toBeLessThan(cases.length - 300);
    expect(await disagreements(cases, postgresDialect.like('t', 'p'))).toEqual([]);
  });

  it('finds a run at every place of a long text, across the windows it is searched in, and not past the limit', async () => {
    for (const run of ['b', 'abcdefg', `b${'a'.repeat(299)}`]) {
      const [row] = await db.unsafe(
        `SELECT count(*) FILTER (WHERE roster_like_scan(t, r, 0, length(t)) <> p) AS missed,
           count(*) FILTER (WHERE roster_like_scan(t, r, 0, p + length(r) - 1) <> -1) AS late
         FROM generate_series(0, 6000) AS p,
           LATERAL (SELECT convert_to(repeat('a', p) || $1 || repeat('a', 6000 - p), 'UTF8') AS t, convert_to($1, 'UTF8') AS r) AS inputs`,
        [run],
      );
      expect({ run: run.slice(0, 8), missed: Number(row?.['missed']), late: Number(row?.['late']) }).toEqual({ run: run.slice(0, 8), missed: 0, late: 0 });
    }
  });

  it('refuses an unescaped _ as like_match does, and keeps a trailing lone \\ literal', async () => {
    expect(() => likeMatch('a_b', 'a_b')).toThrow(/not supported/);
    await expect(evaluate([{ text: 'a_b', pattern: 'a_b' }], rosterLike(256, 16))).rejects.toThrow(/not supported/);
    expect(likeMatch('A\\', 'a\\')).toBe(1);
    expect(await evaluate([{ text: 'A\\', pattern: 'a\\' }], postgresDialect.like('t', 'p'))).toEqual([true]);
  });
});

describe.skipIf(unavailable !== undefined)(titled('PostgreSQL LIKE on crafted values and patterns', unavailable), () => {
  const ROWS = 30;
  const VALUE = 'a'.repeat(32_000);
  let database: TestDatabase;
  let store: PostgresStore;
  beforeAll(async () => {
    database = await createDatabase();
    store = await PostgresStore.open(database.url);
    const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };
    for (let index = 0; index < ROWS; index++) {
      const id = `like${index}`;
      await store.uuids.write('k', id, decideObject<UuidRecord>('uuid', id, { custom: { x: VALUE } }, rules));
    }
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  const query = (filter: string): ListQuery => ({
    subKey: 'k',
    resource: 'uuids',
    filter: parseFilter(filter),
    sort: parseSort('uuids', []),
    limit: 1,
    count: true,
    withRelated: false,
  });

  /** The fastest of three lists with `filter` (limit 1, with the count), in milliseconds, and its count. */
  async function timed(filter: string): Promise<{ ms: number; count: number | undefined }> {
    let best = Infinity;
    let count: number | undefined;
    for (let round = 0; round < 3; round++) {
      const start = performance.now();
      count = (await store.uuids.list(query(filter))).totalCount;
      best = Math.min(best, performance.now() - start);
    }
    return { ms: best, count };
  }

  it('answers crafted patterns on 32,000-character values about as fast as a plain LIKE on them', async () => {
    const plain = await timed('custom.x LIKE "*b*"');
    expect(plain.count).toBe(0);
    const crafted = [
      `custom.x LIKE "*${'a'.repeat(4000)}b"`, // PostgreSQL's LIKE: 0.13 s a row
      `custom.x LIKE "*b${'a'.repeat(3999)}*"`, // strpos (Boyer–Moore–Horspool): 0.1 s a row
      `custom.x LIKE "*${'a'.repeat(3999)}b*"`, // PostgreSQL's regular expressions: 0.07 s a row
      `custom.x LIKE "*${'a'.repeat(255)}b*"`,
      `custom.x LIKE "*${'a'.repeat(15)}b*"`,
      `custom.x LIKE "*${'a*'.repeat(1000)}${'a'.repeat(17)}b*"`,
    ];
    const slowest = { filter: '', ms: 0 };
    for (const filter of crafted) {
      const { ms, count } = await timed(filter);
      expect(count).toBe(0);
      if (ms > slowest.ms) Object.assign(slowest, { filter: filter.slice(0, 40), ms });
    }
    // Measured: the plain LIKE 16 ms for the 30 rows (list and count), the slowest crafted one
    // 41 ms; with PostgreSQL's own LIKE the first took 3.8 s. Generous, for a loaded machine.
    expect(slowest.ms / plain.ms, `${slowest.filter}…: ${slowest.ms} ms, plain: ${plain.ms} ms`).toBeLessThanOrEqual(20);
    const matching = await timed(`custom.x LIKE "*${'a'.repeat(2000)}*${'a'.repeat(2000)}"`);
    expect(matching.count).toBe(ROWS);
  });
});
