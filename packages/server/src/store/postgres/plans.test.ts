import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from '../../../test/store-contract/postgres.ts';
import { cursorWidth } from '../../query/cursor.ts';
import type { Resource } from '../../query/fields.ts';
import { parseFilter } from '../../query/filter/parser.ts';
import { parseSort } from '../../query/sort.ts';
import { listStatement, selectColumns } from '../sql/list-sql.ts';
import type { ListQuery } from '../store.ts';
import { connect, type Database } from './connection.ts';
import { postgresDialect } from './dialect.ts';
import { MESSAGE_SQL } from './message-store.ts';
import { migrate } from './migrate.ts';

/**
 * The plans PostgreSQL picks for the shared list SQL, as list-sql.test.ts shows SQLite's: a page
 * after a cursor is an index seek in the order of the sort, with no sort step, over tables large
 * enough (and analyzed) that the planner would rather scan them if the index did not serve.
 */
const unavailable = await postgresUnavailable();

const USERS = 20_000;
const MEMBERSHIPS = 5_000;
const MESSAGES = 20_000;
/** 17 digits, as timetokens have. */
const TIMETOKEN = 17_300_000_000_000_000n;
const tt = (offset: number) => String(TIMETOKEN + BigInt(offset));

/** Rows with made-up keys: plans depend on sizes and indexes, not on what the keys say. */
const FILL = `
INSERT INTO uuids (sub_key, id, name, updated, etag, id_key, name_key, external_id_key, profile_url_key, email_key, status_key, type_key)
SELECT s, 'u' || g, 'n' || g, '2026-01-01T00:00:00.' || lpad(g::text, 6, '0') || 'Z', 'e',
  convert_to('U' || g, 'UTF8'), convert_to(upper(md5(g::text)), 'UTF8'), '', '', '', convert_to((g % 10)::text, 'UTF8'), convert_to((g % 7)::text, 'UTF8')
FROM generate_series(1, ${USERS}) g, (VALUES ('k'), ('other')) AS keys(s);
INSERT INTO channels (sub_key, id, name, updated, etag, id_key, name_key, description_key, status_key, type_key)
SELECT sub_key, 'c' || substr(id, 2), name, updated, etag, id_key, name_key, '', status_key, type_key FROM uuids;
INSERT INTO memberships (sub_key, uuid_id, channel_id, updated, etag, uuid_id_key, channel_id_key, status_key, type_key)
SELECT 'k', 'u', 'c' || g, '2026-01-01T00:00:00.' || lpad(g::text, 6, '0') || 'Z', 'e', 'U'::bytea, convert_to('C' || g, 'UTF8'), ''::bytea, ''::bytea FROM generate_series(1, ${MEMBERSHIPS}) g
UNION ALL
SELECT 'k', 'u' || g, 'c', '2026-01-01T00:00:00.' || lpad(g::text, 6, '0') || 'Z', 'e', convert_to('U' || g, 'UTF8'), 'C'::bytea, ''::bytea, ''::bytea FROM generate_series(1, ${MEMBERSHIPS}) g;
INSERT INTO messages (sub_key, channel, timetoken, payload, expires_at)
SELECT s, c, ${TIMETOKEN} + g, '{"n":' || g || '}', CASE WHEN g % 2 = 0 THEN ${TIMETOKEN} * 2 END
FROM generate_series(1, ${MESSAGES}) g, (VALUES ('k'), ('other')) AS keys(s), (VALUES ('busy'), ('quiet')) AS channels(c);
INSERT INTO message_actions (sub_key, channel, action_timetoken, message_timetoken, type, value, uuid)
SELECT 'k', 'busy', ${TIMETOKEN} + ${MESSAGES} + g, ${TIMETOKEN} + g, 'reaction', 'v' || (g % 7), 'u' || (g % 13) FROM generate_series(1, ${MESSAGES}) g;
ANALYZE;
`;

describe.skipIf(unavailable !== undefined)(titled('PostgreSQL: keyset pages are index seeks', unavailable), () => {
  let database: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    database = await createDatabase();
    db = connect(database.url, { max: 1 });
    await migrate(db);
    await db.unsafe(FILL).simple();
  });
  afterAll(async () => {
    await db?.end();
    await database?.drop();
  });

  /** The plan of a page that starts after a cursor, as EXPLAIN prints it. */
  async function planOf(resource: Resource, sort: string[], ownerId?: string, filter?: string): Promise<string> {
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
    const cursor = { direction: 'next' as const, values: Array<string>(cursorWidth(query.sort)).fill('x') };
    const statement = listStatement(postgresDialect, { ...query, cursor }, selectColumns(resource));
    const rows = await db.unsafe(`EXPLAIN ${statement.sql}`, statement.params).values();
    return rows.map((row) => String(row[0])).join('\n');
  }

  for (const resource of ['uuids', 'channels'] as const) {
    for (const key of ['id', 'name', 'updated', 'status', 'type']) {
      for (const direction of ['asc', 'desc']) {
        it(`${resource} sorted by ${key}:${direction} seek into ${resource}_by_${key} and need no sort`, async () => {
          const plan = await planOf(resource, [`${key}:${direction}`]);
          const column = key === 'updated' ? 'updated' : `${key}_key`;
          expect(plan).toMatch(new RegExp(`Index Scan${direction === 'desc' ? ' Backward' : ''} using ${resource}_by_${key} on ${resource}`));
          expect(plan).toMatch(new RegExp(`Index Cond: \\(\\(sub_key = 'k'::text\\) AND \\(ROW\\(${column}, id\\) ${direction === 'asc' ? '>' : '<'} ROW\\(`));
          expect(plan).not.toMatch(/\bSort\b/);
        });
      }
    }
  }

  it('a user’s memberships and a channel’s members, in their default order and by updated', async () => {
    expect(await planOf('memberships', [], 'u')).toMatch(
      /Index Scan using memberships_by_user on memberships m[\s\S]*Index Cond: \(\(sub_key = 'k'::text\) AND \(uuid_id = 'u'::text\) AND \(ROW\(channel_id_key, channel_id\) > ROW\(/,
    );
    expect(await planOf('members', [], 'c')).toMatch(
      /Index Scan using memberships_by_channel on memberships m[\s\S]*Index Cond: \(\(sub_key = 'k'::text\) AND \(channel_id = 'c'::text\) AND \(ROW\(uuid_id_key, uuid_id\) > ROW\(/,
    );
    const byUpdated = await planOf('memberships', ['updated:desc'], 'u');
    expect(byUpdated).toContain('Index Scan Backward using memberships_by_user_updated on memberships m');
    expect(byUpdated).not.toMatch(/\bSort\b/);
  });

  it('a page deep in a long channel’s history, a capped count and a message’s actions seek their indexes', async () => {
    const explain = async (sql: string, params: unknown[], options = '') =>
      (await db.unsafe(`EXPLAIN ${options}${sql}`, params as never[]).values()).map((row) => String(row[0])).join('\n');
    const history = await explain(MESSAGE_SQL.history, ['k', 'busy', '0', tt(500), tt(0), 101]);
    expect(history).toMatch(
      /Limit[\s\S]*Index Scan Backward using messages_pkey on messages[\s\S]*Index Cond: \(\(sub_key = 'k'::text\) AND \(channel = 'busy'::text\) AND \(timetoken >= '0'::bigint\) AND \(timetoken <= '\d{17}'::bigint\)\)/,
    );
    expect(history).not.toMatch(/\bSort\b|Bitmap/);
    const countParams = ['k', ['busy', 'quiet'], [tt(100), tt(0)], tt(MESSAGES), 1000];
    const count = await explain(MESSAGE_SQL.count, countParams);
    expect(count).toMatch(/CTE backlog[\s\S]*Limit[\s\S]*Index Scan using messages_by_expiry on messages/);
    expect(count).toMatch(/Limit[\s\S]*Index Only Scan using messages_pkey on messages m[\s\S]*Index Cond: .*\(timetoken >= a\.first\)/);
    expect(count).not.toMatch(/\bSort\b|Bitmap|Index Scan using messages_pkey/);
    expect(await explain(MESSAGE_SQL.countChecked, countParams)).toMatch(
      /Limit[\s\S]*Index Scan using messages_pkey on messages m[\s\S]*Index Cond: .*\(timetoken >= c\.first\)/,
    );
    // Once VACUUM has marked the pages all-visible, the count reads no row at all.
    await db.unsafe('VACUUM messages');
    const counted = await explain(MESSAGE_SQL.count, countParams, '(ANALYZE, COSTS OFF, TIMING OFF) ');
    expect(counted).toMatch(/Index Only Scan using messages_pkey on messages m \(actual rows=1000 loops=2\)[\s\S]*Heap Fetches: 0/);
    const actions = await explain(MESSAGE_SQL.actions, ['k', 'busy', '0', tt(MESSAGES + 500), 11]);
    expect(actions).toContain('Index Scan Backward using message_actions_pkey on message_actions');
    expect(await explain(MESSAGE_SQL.actionsOf, ['k', 'busy', [tt(3), tt(40)]])).toMatch(
      /Index Scan using message_actions_by_message on message_actions[\s\S]*Index Cond: .*\(message_timetoken = ANY /,
    );
    expect(await explain(MESSAGE_SQL.purge, [tt(0), 1000])).toContain('Index Scan using messages_by_expiry on messages');
  });

  it('a LIKE with a literal start seeks the range of its keys in the index of its field', async () => {
    const plan = await planOf('uuids', ['name:desc'], undefined, 'name like "ann*"');
    expect(plan).toContain('Index Scan Backward using uuids_by_name on uuids u');
    expect(plan).toMatch(
      /Index Cond: \(\(sub_key = 'k'::text\) AND \(name_key IS NOT NULL\) AND \(name_key >= '\\x414e4e'::bytea\) AND \(name_key < '\\x414e4f'::bytea\) AND \(ROW\(name_key, id\) < ROW\(/,
    );
  });
});
