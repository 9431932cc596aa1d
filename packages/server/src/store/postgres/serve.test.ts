import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectsClient } from '../../../test/http.ts';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from '../../../test/store-contract/postgres.ts';
import { MIGRATIONS } from './schema.ts';

/** Roster nodes over real HTTP with `--store postgres://…`, and `roster migrate-schema`. */
const unavailable = await postgresUnavailable();
const BIN = resolve(fileURLToPath(new URL('../../../bin/roster.js', import.meta.url)));
const execute = promisify(execFile);

async function roster(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execute(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe.skipIf(unavailable !== undefined)(titled('nodes on a PostgreSQL store', unavailable), () => {
  let database: TestDatabase;
  const servers: RunningServer[] = [];
  beforeAll(async () => {
    database = await createDatabase();
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await database?.drop();
  });

  it('roster migrate-schema --dry-run prints what a new database lacks, and changes nothing', async () => {
    const dry = await roster(['migrate-schema', '--dry-run', '--store', database.url]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`^-- ${MIGRATIONS.length} of ${MIGRATIONS.length} migrations to apply \\(dry run: nothing is changed\\)`));
    expect(dry.stdout).toContain('-- migration 1: users, channels and memberships\nCREATE TABLE uuids (');
    expect((await roster(['migrate-schema', '--dry-run', '--store', database.url])).stdout).toBe(dry.stdout);
  });

  it('answers App Context requests, on any node, from the one database', async () => {
    const first = await startServer({ args: ['--store', database.url] });
    servers.push(first);
    // `--db` (which startServer always passes) is not opened, let alone locked.
    expect(readdirSync(first.dir).filter((name) => name.startsWith('roster.db'))).toEqual([]);
    const a = objectsClient(first);
    const set = await a.patch(
      'uuids/alice',
      { name: 'Älice', email: 'alice@example.com', custom: { team: 'blue', level: 3 } },
      { query: { include: 'custom' } },
    );
    expect(set.status).toBe(200);
    expect(set.body.data).toMatchObject({ id: 'alice', name: 'Älice', custom: { team: 'blue', level: 3 } });
    expect((await a.patch('uuids/bob', { name: 'bob' })).status).toBe(200);
    expect((await a.patch('uuids/alice/channels', { set: [{ channel: { id: 'general' } }, { channel: { id: 'random' } }] })).status).toBe(200);

    const got = await a.get('uuids/alice', { query: { include: 'custom' } });
    expect(got.body.data).toEqual(set.body.data);
    const listed = await a.get('uuids', { query: { sort: 'name:desc', count: true, filter: 'custom.level >= 3 || name LIKE "B*"' } });
    expect(listed.body).toMatchObject({ status: 200, totalCount: 2 });
    expect(listed.body.data.map((user: { id: string }) => user.id)).toEqual(['bob', 'alice']);

    // A second node on the same database sees the same data and writes through the same rules.
    const second = await startServer({ args: ['--store', database.url] });
    servers.push(second);
    const b = objectsClient(second);
    expect((await b.get('uuids/alice', { query: { include: 'custom' } })).body.data).toEqual(set.body.data);
    const stale = await b.patch('uuids/alice', { name: 'Stale' }, { headers: { 'if-match': 'not-the-etag' } });
    expect(stale.status).toBe(412);
    const memberships = await b.get('uuids/alice/channels', { query: { count: true } });
    expect(memberships.body.data.map((m: { channel: { id: string } }) => m.channel.id)).toEqual(['general', 'random']);
    expect((await roster(['migrate-schema', '--dry-run', '--store', database.url])).stdout.trim()).toBe(
      `-- The schema is up to date (${MIGRATIONS.length} migrations); nothing to apply.`,
    );
  });

  it('a node that cannot reach its database says so and names the setting', async () => {
    await expect(startServer({ args: ['--store', 'postgres://postgres@127.0.0.1:1/none'] })).rejects.toThrow(
      /Cannot open the PostgreSQL database: connect ECONNREFUSED 127\.0\.0\.1:1 \(set by --store \/ ROSTER_STORE \/ "store" in the config file\)/,
    );
  });
});

describe('roster migrate-schema without PostgreSQL', () => {
  it('says that it works on a PostgreSQL store, and how to name one', async () => {
    const result = await roster(['migrate-schema', '--dry-run', '--store', 'sqlite']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('migrate-schema works on a PostgreSQL store: give --store postgres://…');
  });
});
