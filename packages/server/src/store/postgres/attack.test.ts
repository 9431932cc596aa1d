import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from '../../../test/store-contract/postgres.ts';
import { DEFAULT_LIMITS } from '../../model/keyset.ts';
import type { UuidRecord } from '../../model/records.ts';
import { decideObject } from '../../objects/apply.ts';
import { parseSort } from '../../query/sort.ts';
import type { ListQuery } from '../store.ts';
import { PostgresStore } from './index.ts';

/**
 * Attacks on the PostgreSQL store where HTTP cannot aim them: writes of one event-loop turn that
 * share one optimistic statement (object-store.ts `#writeIfUnchanged`, conditional-writes.ts),
 * with a lock held elsewhere, a value PostgreSQL refuses, two stores (two nodes) writing the
 * same rows in opposite orders; and lists kept per snapshot (executor.ts `dataVersion`) with a
 * transaction open in another database.
 */
const unavailable = await postgresUnavailable();
const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };

/**
 * 3,000 bytes of CJK that barely compress: more than a B-tree entry holds (2,704 bytes), so
 * PostgreSQL refuses a row that indexes it. HTTP never lets one through (a user id is at most
 * `maxIdLength` characters; an outbox key is the server's own).
 */
const UNINDEXABLE = Array.from({ length: 1000 }, (_, i) => String.fromCodePoint(0x4e00 + ((i * 7919) % 20000))).join('');

describe.skipIf(unavailable !== undefined)(titled('PostgreSQL store under attack', unavailable), () => {
  let database: TestDatabase;
  let other: TestDatabase;
  let nodeA: PostgresStore;
  let nodeB: PostgresStore;
  let sql: postgres.Sql;
  let elsewhere: postgres.Sql;
  let recorded = 0;
  const record = (subKey: string) => () => ({ key: `attack-${++recorded}`, subKey, events: '[]' });
  const setUser = (store: PostgresStore, subKey: string, id: string, patch: Partial<UuidRecord>, ifMatch?: string) =>
    store.uuids.write(subKey, id, decideObject<UuidRecord>('uuid', id, patch, { ...rules, ifMatch }), record(subKey));
  const outboxCount = async (subKey: string) => Number((await sql`SELECT count(*) AS n FROM outbox WHERE sub_key = ${subKey}`)[0]!['n']);
  const timed = async <T>(work: Promise<T>) => {
    const started = performance.now();
    await work;
    return performance.now() - started;
  };

  beforeAll(async () => {
    [database, other] = await Promise.all([createDatabase(), createDatabase()]);
    nodeA = await PostgresStore.open(database.url);
    nodeB = await PostgresStore.open(database.url);
    sql = postgres(database.url, { max: 2, onnotice: () => {} });
    elsewhere = postgres(other.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await Promise.all([nodeA?.close(), nodeB?.close(), sql?.end(), elsewhere?.end()]);
    await Promise.all([database?.drop(), other?.drop()]);
  });

  // The writes of one turn are one statement: a row another transaction holds is skipped there, not waited for.
  it("does not hold a user's write for a lock another transaction holds on another user", async () => {
    await setUser(nodeA, 'sub-lock', 'locked', { name: 'Locked' });
    await setUser(nodeA, 'sub-lock', 'free', { name: 'Free' });
    const tx = await sql.reserve();
    try {
      await tx`BEGIN`;
      await tx`SELECT 1 FROM uuids WHERE sub_key = 'sub-lock' AND id = 'locked' FOR UPDATE`;
      // One turn: the two writes share the read, then the conditional statement.
      const locked = setUser(nodeA, 'sub-lock', 'locked', { name: 'Locked again' });
      const free = timed(setUser(nodeA, 'sub-lock', 'free', { name: 'Free again' }));
      const waited = await Promise.race([free, new Promise<number>((done) => setTimeout(() => done(Number.POSITIVE_INFINITY), 1500))]);
      await tx`COMMIT`;
      await locked;
      await free;
      expect(waited, 'ms the write of "free" took while "locked" was locked').toBeLessThan(1000);
    } finally {
      tx.release();
    }
  });

  it('commits the other writes of a turn when PostgreSQL refuses one of them, and nothing of the refused one', async () => {
    for (const id of ['n1', 'n2', 'n3']) await setUser(nodeA, 'sub-refused', id, { name: `Old ${id}` });
    const before = await outboxCount('sub-refused');
    const unindexableRecord = () => ({ key: UNINDEXABLE, subKey: 'sub-refused', events: '[]' });
    const outcomes = await Promise.allSettled([
      setUser(nodeA, 'sub-refused', 'n1', { name: 'New n1' }),
      // Refused inside the turn's one conditional statement, by the outbox's index on `key`.
      nodeA.uuids.write('sub-refused', 'n2', decideObject<UuidRecord>('uuid', 'n2', { name: 'New n2' }, rules), unindexableRecord),
      setUser(nodeA, 'sub-refused', 'n3', { name: 'New n3' }),
      // A creation, refused on the locked path by the users' primary key.
      setUser(nodeA, 'sub-refused', UNINDEXABLE, { name: 'Unindexable' }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    const reasons = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [String(outcome.reason)] : []));
    expect(reasons).toEqual([
      expect.stringMatching(/index row size \d+ exceeds .*"outbox_key_key"/),
      expect.stringMatching(/index row size \d+ exceeds .*"uuids_pkey"/),
    ]);
    const names = await Promise.all(['n1', 'n2', 'n3', UNINDEXABLE].map(async (id) => (await nodeB.uuids.get('sub-refused', id))?.name));
    expect(names).toEqual(['New n1', 'Old n2', 'New n3', undefined]);
    expect(await outboxCount('sub-refused')).toBe(before + 2);
  });

  it('lets two nodes write the same sixteen users in opposite orders, turn after turn, with no deadlock wait and one record a write', async () => {
    const ids = Array.from({ length: 16 }, (_, n) => `d${String(n).padStart(2, '0')}`);
    for (const id of ids) await setUser(nodeA, 'sub-order', id, { name: id });
    const before = await outboxCount('sub-order');
    for (let round = 0; round < 8; round++) {
      const writes = [
        ...ids.map((id) => setUser(nodeA, 'sub-order', id, { name: `A${round} ${id}` })),
        ...[...ids].reverse().map((id) => setUser(nodeB, 'sub-order', id, { name: `B${round} ${id}` })),
      ];
      // deadlock_timeout is 1 s: a deadlock between the two statements would cost at least that.
      expect(await timed(Promise.all(writes)), `round ${round}`).toBeLessThan(900);
    }
    expect(await outboxCount('sub-order')).toBe(before + 8 * 2 * ids.length);
  });

  it('gives exactly one of many same-turn writers on two nodes with one If-Match the write, and one outbox record', async () => {
    for (let round = 0; round < 5; round++) {
      const id = `if-match-${round}`;
      const { record: created } = await setUser(nodeA, 'sub-if', id, { name: 'Start' });
      const before = await outboxCount('sub-if');
      const outcomes = await Promise.allSettled(
        Array.from({ length: 24 }, (_, n) => setUser(n % 2 === 0 ? nodeA : nodeB, 'sub-if', id, { name: `Writer ${n}` }, created.eTag)),
      );
      const won = outcomes.flatMap((outcome, n) => (outcome.status === 'fulfilled' ? [n] : []));
      expect(won, `round ${round}`).toHaveLength(1);
      for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'PRECONDITION_FAILED' });
      expect((await nodeB.uuids.get('sub-if', id))?.name).toBe(`Writer ${won[0]}`);
      expect(await outboxCount('sub-if')).toBe(before + 1);
    }
  });

  it('shows in the next list a write committed while a transaction of another database stays open, and keeps pages between commits', async () => {
    const query: ListQuery = {
      subKey: 'sub-kept',
      resource: 'uuids',
      sort: parseSort('uuids', ['name']),
      limit: 50,
      count: true,
      withRelated: false,
    };
    await elsewhere`CREATE TABLE IF NOT EXISTS held (n int)`;
    const open = await elsewhere.reserve();
    try {
      await open`BEGIN`;
      await open`INSERT INTO held VALUES (1)`; // takes a transaction id and keeps it running
      for (let round = 0; round < 10; round++) {
        const writer = round % 2 === 0 ? nodeA : nodeB;
        const reader = round % 2 === 0 ? nodeB : nodeA;
        await reader.uuids.list(query);
        await setUser(writer, 'sub-kept', `k${round}`, { name: `K${round}` });
        const page = await reader.uuids.list(query);
        expect(page.rows.map((row) => row.id)).toEqual(Array.from({ length: round + 1 }, (_, n) => `k${n}`));
        expect(page.totalCount).toBe(round + 1);
      }
    } finally {
      await open`COMMIT`;
      open.release();
    }
  });
});
