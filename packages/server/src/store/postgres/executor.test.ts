import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from '../../../test/store-contract/postgres.ts';
import { parseFilter } from '../../query/filter/parser.ts';
import { parseSort } from '../../query/sort.ts';
import type { ListQuery } from '../store.ts';
import { connect, type Database } from './connection.ts';
import { MIN_TIMEOUT_MS, PostgresExecutor, StatementTimeout } from './executor.ts';
import { PostgresStore } from './index.ts';
import { listTimeoutError } from './list-timeout.ts';
import { migrate } from './migrate.ts';

/** A list or count statement runs for a bounded time; past it, PostgreSQL cancels it and the client hears why. */
const unavailable = await postgresUnavailable();

const list = (filter?: string): ListQuery => ({
  subKey: 'k',
  resource: 'uuids',
  filter: filter === undefined ? undefined : parseFilter(filter),
  sort: parseSort('uuids', []),
  limit: 10,
  count: true,
  withRelated: false,
});

describe('a list that ran past its time', () => {
  it('is a 400 naming filter when it has one, else a 503 to try again later', () => {
    expect(listTimeoutError(list('custom.x LIKE "*b*"'), new StatementTimeout(5000))).toMatchObject({
      code: 'INVALID_FILTER',
      status: 400,
      message: 'Invalid filter expression.',
      details: [
        {
          location: 'filter',
          locationType: 'query',
          message: expect.stringMatching(/^The filter took longer than 5 s to evaluate and was stopped; narrow it/),
        },
      ],
    });
    expect(listTimeoutError(list(), new StatementTimeout(2500))).toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
      status: 503,
      message: 'The server could not list these records within 2.5 s; try again later.',
      details: [],
    });
  });
});

describe.skipIf(unavailable !== undefined)(titled('PostgreSQL list statements run within a time', unavailable), () => {
  let database: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    database = await createDatabase();
    db = connect(database.url, { max: 1 });
    await migrate(db);
  });
  afterAll(async () => {
    await db?.end();
    await database?.drop();
  });

  it('cancels a statement that runs longer, and gives its connection back as it found it', async () => {
    const [before] = await db.unsafe('SHOW statement_timeout');
    const executor = new PostgresExecutor(db, MIN_TIMEOUT_MS);
    const start = performance.now();
    await expect(executor.all('SELECT pg_sleep(10)', [])).rejects.toBeInstanceOf(StatementTimeout);
    expect(performance.now() - start).toBeLessThan(5000);
    // The pool has one connection: the one the statement ran on.
    expect((await db.unsafe('SHOW statement_timeout'))[0]).toEqual(before);
    expect(await executor.all('SELECT 1 AS one', [])).toEqual([[1]]);
    expect(() => new PostgresExecutor(db, MIN_TIMEOUT_MS - 1)).toThrow(RangeError);
  });

  it('versions data by snapshot and by when the server started: a restored or promoted server never repeats a version', async () => {
    const executor = new PostgresExecutor(db);
    const [[started]] = (await executor.all('SELECT pg_postmaster_start_time()::text', [])) as [[string]];
    const [first, second] = await Promise.all([executor.dataVersion(), executor.dataVersion()]);
    expect(first).toBe(second);
    expect(first).toMatch(/^\d+:\d+:[\d,]* /);
    expect(first.endsWith(` ${started}`)).toBe(true);
    await db.unsafe('SELECT txid_current()');
    expect(await executor.dataVersion()).not.toBe(first);
  });

  it('runs statements asked at once on one connection, each within its own time', async () => {
    const [before] = await db.unsafe('SHOW statement_timeout');
    const executor = new PostgresExecutor(db, 1000);
    // Same turn: they share the pool's one connection; each of the sleeps is under the time, both together are over it.
    const [slow, quick, again] = await Promise.allSettled([
      executor.all('SELECT pg_sleep(0.6), 1 AS one', []),
      executor.all('SELECT pg_sleep(0.6), 2 AS two', []),
      executor.all('SELECT pg_sleep(10)', []),
    ]);
    expect(slow).toMatchObject({ status: 'fulfilled', value: [['', 1]] });
    expect(quick).toMatchObject({ status: 'fulfilled', value: [['', 2]] });
    expect(again.status === 'rejected' && again.reason).toBeInstanceOf(StatementTimeout);
    expect((await db.unsafe('SHOW statement_timeout'))[0]).toEqual(before);
  });

  it('answers a list whose filter runs past the time with a 400 naming filter, and other lists as ever', async () => {
    // 2,000 users with a 32,000-character custom value: a LIKE reads each whole, ~0.3 ms a row.
    await db.unsafe(`
      INSERT INTO uuids (sub_key, id, updated, etag, custom, custom_q, id_key, name_key, external_id_key, profile_url_key, email_key, status_key, type_key)
      SELECT 'k', 'u' || g, '2026-01-01T00:00:00.000000Z', 'e', '{}', jsonb_build_object('x', 's' || repeat('a', 32000)),
        convert_to('U' || g, 'UTF8'), '', '', '', '', '', ''
      FROM generate_series(1, 2000) g`);
    const store = await PostgresStore.open(database.url, { listTimeout: MIN_TIMEOUT_MS });
    try {
      // Without the count, so that no second statement is still running when the store closes.
      const refused = await store.uuids.list({ ...list('custom.x LIKE "*b*"'), count: false }).catch((error: unknown) => error);
      expect(refused).toMatchObject({
        code: 'INVALID_FILTER',
        status: 400,
        details: [{ location: 'filter', message: expect.stringContaining('longer than 0.1 s') }],
      });
      expect((await store.uuids.list(list())).totalCount).toBe(2000);
    } finally {
      await store.close();
    }
  });
});
