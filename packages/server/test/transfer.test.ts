import { execFile, execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '@roster/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/sqlite/index.ts';
import { encode, objectsClient } from './http.ts';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from './store-contract/postgres.ts';

const SERVER = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SQLITE = ['--store', 'sqlite'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `roster …` from the TypeScript sources to its end. */
function roster(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(SERVER, 'src', 'main.ts'), ...args],
      { cwd: SERVER, timeout: 120_000, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ROSTER_LOG_LEVEL: 'warn' } },
      (error, stdout, stderr) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const dirs: string[] = [];
const servers: RunningServer[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'roster-transfer-'));
  dirs.push(dir);
  return dir;
}
async function serve(options: Parameters<typeof startServer>[0]): Promise<RunningServer> {
  const server = await startServer(options);
  servers.push(server);
  return server;
}
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Users, channels and memberships written through the HTTP API, with every kind of field. */
async function seed(server: RunningServer): Promise<void> {
  const api = objectsClient(server);
  const users = [
    [
      'alice',
      {
        name: 'Alice',
        email: 'alice@example.com',
        profileUrl: 'https://example.com/a.png',
        externalId: 'ext-1',
        custom: { team: 'red', score: 1.5, on: true },
      },
    ],
    ['bob', { name: 'Bob', status: 'away', type: 'admin' }],
    ['zoë-🚀', { name: 'Zoë', custom: { note: null } }],
  ] as const;
  for (const [id, body] of users) expect((await api.patch(`uuids/${encode(id)}`, body)).status).toBe(200);
  expect((await api.patch('channels/general', { name: 'General', description: 'all hands', custom: { topic: 'news' } })).status).toBe(200);
  expect((await api.patch('channels/random', { name: 'Random', status: 'open', type: 'public' })).status).toBe(200);
  const set = [{ channel: { id: 'general' }, status: 'active', type: 'member', custom: { role: 'owner' } }, { channel: { id: 'random' } }];
  expect((await api.patch('uuids/alice/channels', { set })).status).toBe(200);
  expect((await api.patch('uuids/bob/channels', { set: [{ channel: { id: 'general' } }] })).status).toBe(200);
}

/** Everything a node answers about the seeded data, for comparing two nodes. */
async function reads(server: RunningServer): Promise<unknown[]> {
  const api = objectsClient(server);
  const include = { include: 'custom,status,type', count: true };
  const answers = [await api.get('uuids', { query: include }), await api.get('channels', { query: include })];
  for (const id of ['alice', 'bob', 'zoë-🚀'])
    answers.push(await api.get(`uuids/${encode(id)}/channels`, { query: { include: 'custom,status,type,channel', count: true } }));
  answers.push(await api.get('channels/general/uuids', { query: { include: 'custom,status,type,uuid', count: true } }));
  return answers.map((answer) => ({ status: answer.status, body: answer.body }));
}

const linesOf = (text: string) => text.split('\n').filter((line) => line !== '');

describe('roster export and import on SQLite', () => {
  let source: RunningServer;
  let exported: string;

  beforeAll(async () => {
    source = await serve({ args: SQLITE });
    await seed(source);
    exported = join(scratch(), 'roster.ndjson');
  }, 60_000);

  it('exports a running node as NDJSON in keyset, kind, id order; a fresh node fed the file answers exactly the same', async () => {
    const run = await roster('export', '--db', join(source.dir, 'roster.db'), '--out', exported);
    expect(run.stderr).toContain('exported 3 users, 2 channels and 3 memberships of 1 keyset(s)');
    expect(run.code).toBe(0);
    const lines = linesOf(readFileSync(exported, 'utf8')).map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.kind, line.id ?? `${line.uuid}/${line.channel}`])).toEqual([
      ['user', 'alice'],
      ['user', 'bob'],
      ['user', 'zoë-🚀'],
      ['channel', 'general'],
      ['channel', 'random'],
      ['membership', 'alice/general'],
      ['membership', 'alice/random'],
      ['membership', 'bob/general'],
    ]);
    expect(lines[0]).toMatchObject({ keyset: 'demo', email: 'alice@example.com', custom: { team: 'red', score: 1.5, on: true }, type: null });

    const target = scratch();
    const imported = await roster('import', exported, '--db', join(target, 'roster.db'));
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('users: 3 created, 0 updated, 0 unchanged');
    expect(imported.stdout).toContain('memberships: 3 created, 0 updated, 0 unchanged');
    const copy = await serve({ dir: target, args: SQLITE });
    expect(await reads(copy)).toEqual(await reads(source));
    await copy.stop();

    const again = await roster('import', exported, '--db', join(target, 'roster.db'));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('users: 0 created, 0 updated, 3 unchanged');
    expect(again.stdout).toContain('channels: 0 created, 0 updated, 2 unchanged');
    expect(again.stdout).toContain('memberships: 0 created, 0 updated, 3 unchanged');
    const reexported = await roster('export', '--db', join(target, 'roster.db'));
    expect(reexported.stdout).toBe(readFileSync(exported, 'utf8'));
  }, 120_000);

  it('--dry-run reports what would change and writes nothing', async () => {
    const target = scratch();
    const db = join(target, 'roster.db');
    expect((await roster('import', exported, '--db', db)).code).toBe(0);
    const changed = readFileSync(exported, 'utf8').replace('"name":"Bob"', '"name":"Robert"');
    const file = join(target, 'changed.ndjson');
    writeFileSync(file, changed);
    const dry = await roster('import', file, '--db', db, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: nothing was written');
    expect(dry.stdout).toContain('users: would be 0 created, would be 1 updated, 2 unchanged');
    expect((await roster('export', '--db', db)).stdout).toBe(readFileSync(exported, 'utf8'));

    const fresh = join(target, 'never-created.db');
    const onNothing = await roster('import', exported, '--db', fresh, '--dry-run');
    expect(onNothing.stdout).toContain('users: would be 3 created');
    expect((await roster('export', '--db', fresh)).stderr).toContain('does not exist');
  }, 120_000);

  it('refuses to import into the file a running node serves, naming its lock', async () => {
    const run = await roster('import', exported, '--db', join(source.dir, 'roster.db'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is in use by another Roster node');
    expect(run.stderr).toContain(`${join(source.dir, 'roster.db')}-lock`);
  }, 60_000);

  it('reports each bad line by number, field and reason, and imports the good ones', async () => {
    const dir = scratch();
    const stamp = { updated: '2024-03-07T08:49:07.011608Z', eTag: 'e1' };
    const good = (id: string) => JSON.stringify({ kind: 'user', keyset: 'demo', id, name: id, ...stamp });
    const file = join(dir, 'mixed.ndjson');
    const lines = [
      good('u1'),
      '{"kind":"user",',
      JSON.stringify({ kind: 'person', keyset: 'demo', id: 'x', ...stamp }),
      JSON.stringify({ kind: 'user', keyset: 'demo', id: 'u2', email: 'not an address', ...stamp }),
      JSON.stringify({ kind: 'user', keyset: 'demo', id: 'x'.repeat(93), ...stamp }),
      JSON.stringify({ kind: 'channel', keyset: 'demo', id: 'c1', updated: 'yesterday', eTag: 'e' }),
      JSON.stringify({ kind: 'channel', keyset: 'demo', id: 'c2', colour: 'red', ...stamp }),
      JSON.stringify({ kind: 'membership', keyset: 'demo', uuid: 'u1', channel: 'c3', custom: { nested: { no: 1 } }, ...stamp }),
      JSON.stringify({ kind: 'channel', keyset: 'demo', id: 'c4', description: 'd'.repeat(2049), ...stamp }),
      '',
      good('u3'),
      JSON.stringify({ kind: 'membership', keyset: 'demo', uuid: 'u1', channel: 'c1', status: 'ok', ...stamp }),
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const run = await roster('import', file, '--db', join(dir, 'roster.db'));
    expect(run.code).toBe(1);
    expect(linesOf(run.stderr)).toEqual([
      expect.stringMatching(/^line 2: line: is not JSON/),
      'line 3: kind: must be one of user, channel, membership',
      'line 4: email: must be a valid email address',
      'line 5: id: is 93 characters long; at most 92 are allowed',
      'line 6: updated: must be an ISO 8601 instant, as exported (2024-03-07T08:49:07.011608Z)',
      expect.stringMatching(/^line 7: colour: is not a field of a channel record/),
      'line 8: custom.nested: must be a string, number, boolean or null; arrays and objects are not allowed',
      'line 9: description: is 2049 characters long; at most 2048 are allowed',
    ]);
    expect(run.stdout).toContain('users: 2 created');
    expect(run.stdout).toContain('memberships: 1 created');
    expect(run.stdout).toContain('8 bad line(s) not imported');
    const exported = linesOf((await roster('export', '--db', join(dir, 'roster.db'))).stdout).map((line) => JSON.parse(line));
    expect(exported.map((line) => line.id ?? line.uuid)).toEqual(['u1', 'u3', 'u1']);
  }, 60_000);

  it('refuses a line that is not UTF-8 or longer than any record, without reading it whole; skips a byte order mark; takes CRLF', async () => {
    const dir = scratch();
    const stamp = { updated: '2024-03-07T08:49:07.011608Z', eTag: 'e1' };
    const good = (id: string) => Buffer.from(JSON.stringify({ kind: 'user', keyset: 'demo', id, name: `Café ${id}`, ...stamp }));
    const file = join(dir, 'bytes.ndjson');
    // Latin-1 bytes: é is the lone byte 0xE9, which UTF-8 does not allow there.
    const latin1 = Buffer.from(JSON.stringify({ kind: 'user', keyset: 'demo', id: 'latin', name: 'Café', ...stamp }), 'latin1');
    // 64 MiB on one line: past the 1 MiB a line of the default limits may take.
    const huge = Buffer.alloc(64 * 1024 * 1024, 'a');
    const newline = Buffer.from('\n');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), good('u1'), Buffer.from('\r\n'), latin1, newline, huge, newline, good('u2'), newline]));
    const run = await roster('import', file, '--db', join(dir, 'roster.db'));
    expect(linesOf(run.stderr)).toEqual([
      `line 2: line: is not UTF-8 text (byte ${latin1.indexOf(0xe9) + 1} of the line)`,
      'line 3: line: is longer than 1048576 bytes, more than any record this configuration allows',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('users: 2 created');
    const exported = linesOf((await roster('export', '--db', join(dir, 'roster.db'))).stdout).map((line) => JSON.parse(line));
    expect(exported.map((line) => [line.id, line.name])).toEqual([
      ['u1', 'Café u1'],
      ['u2', 'Café u2'],
    ]);
  }, 120_000);

  it('refuses to export over the database or a file beside it, and writes to a FIFO in place', async () => {
    const dir = scratch();
    const db = join(dir, 'roster.db');
    expect((await roster('import', exported, '--db', db)).code).toBe(0);
    const before = readFileSync(db);
    for (const out of [db, `${db}-wal`, `${db}-lock`]) {
      const run = await roster('export', '--db', db, '--out', out);
      expect(run.code).toBe(1);
      expect(linesOf(run.stderr).at(-1)).toBe(`--out ${out} is ${out}, the database being exported or a file beside it; give another file`);
    }
    expect(readFileSync(db).equals(before)).toBe(true);
    const fifo = join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = new Promise<string>((done, fail) => execFile('cat', [fifo], (error, stdout) => (error ? fail(error) : done(stdout))));
    const run = await roster('export', '--db', db, '--out', fifo);
    expect(run.code).toBe(0);
    expect(await reader).toBe(readFileSync(exported, 'utf8'));
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  }, 120_000);

  it('replaces an existing --out file only with --force, and never the config file or the TLS files it names', async () => {
    const dir = scratch();
    const db = join(dir, 'roster.db');
    expect((await roster('import', exported, '--db', db)).code).toBe(0);
    const out = join(dir, 'roster.ndjson');
    writeFileSync(out, 'an older export\n');
    const refused = await roster('export', '--db', db, '--out', out);
    expect(refused.code).toBe(1);
    expect(linesOf(refused.stderr).at(-1)).toBe(`--out ${out} already exists; give --force to replace it`);
    expect(readFileSync(out, 'utf8')).toBe('an older export\n');
    expect((await roster('export', '--db', db, '--out', out, '--force')).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(exported, 'utf8'));

    const config = join(dir, 'roster.json');
    const settings = JSON.stringify({ db: 'roster.db', tlsCert: 'cert.pem', tlsKey: 'key.pem' });
    writeFileSync(config, settings);
    writeFileSync(join(dir, 'cert.pem'), 'certificate');
    writeFileSync(join(dir, 'key.pem'), 'private key');
    for (const [file, what] of [
      [config, 'the config file'],
      [join(dir, 'cert.pem'), 'the TLS certificate'],
      [join(dir, 'key.pem'), 'the TLS private key'],
    ]) {
      const run = await roster('export', '--config', config, '--out', file!, '--force');
      expect(run.code).toBe(1);
      expect(linesOf(run.stderr).at(-1)).toBe(`--out ${file} is ${file}, ${what}; give another file`);
    }
    expect(readFileSync(config, 'utf8')).toBe(settings);
    expect(readFileSync(join(dir, 'key.pem'), 'utf8')).toBe('private key');
  }, 120_000);

  it('round-trips 100,000 records byte for byte', async () => {
    const dir = scratch();
    const stamp = (n: number) => ({ updated: `2024-01-01T00:00:${String(n % 60).padStart(2, '0')}.${String(n).padStart(6, '0').slice(-6)}Z`, eTag: `e${n}` });
    const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(6, '0')}`;
    const lines: string[] = [];
    for (let n = 0; n < 60_000; n++) {
      const custom = n % 3 === 0 ? { n, tag: `t${n % 7}` } : null;
      lines.push(
        JSON.stringify({
          kind: 'user',
          keyset: 'demo',
          id: id('user-', n),
          name: `User ${n}`,
          externalId: null,
          profileUrl: null,
          email: n % 5 === 0 ? `u${n}@example.com` : null,
          type: null,
          status: n % 2 === 0 ? 'active' : null,
          custom,
          ...stamp(n),
        }),
      );
    }
    for (let n = 0; n < 10_000; n++) {
      lines.push(
        JSON.stringify({
          kind: 'channel',
          keyset: 'demo',
          id: id('chan-', n),
          name: `Channel ${n}`,
          description: null,
          type: null,
          status: null,
          custom: null,
          ...stamp(n),
        }),
      );
    }
    for (let n = 0; n < 30_000; n++) {
      const channel = id('chan-', n % 10_000);
      lines.push(
        JSON.stringify({
          kind: 'membership',
          keyset: 'demo',
          uuid: id('user-', n),
          channel,
          type: null,
          status: null,
          custom: n % 4 === 0 ? { r: n } : null,
          ...stamp(n),
        }),
      );
    }
    const file = join(dir, 'generated.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const db = join(dir, 'roster.db');
    const imported = await roster('import', file, '--db', db);
    // Not a terminal: plain progress lines, and no bad line.
    for (const line of linesOf(imported.stderr)) expect(line).toMatch(/^imported \d+ records \(\d+%, \d+\/s, ETA \d+ s\)$/);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('100000 records');
    const out = join(dir, 'exported.ndjson');
    expect((await roster('export', '--db', db, '--out', out)).code).toBe(0);
    expect(readFileSync(out, 'utf8') === readFileSync(file, 'utf8')).toBe(true);
  }, 180_000);
});

const unavailable = await postgresUnavailable();

/** The tables `roster import` and `roster migrate` write, and so analyze at their end. */
const IMPORTED_TABLES = ['uuids', 'channels', 'memberships', 'revoked_tokens'];

/**
 * How many times each of `IMPORTED_TABLES` was analyzed by a statement (`ANALYZE`;
 * `pg_stat_user_tables.analyze_count`, which leaves autovacuum's runs out), by table name. The
 * cumulative statistics may show a count late, so this asks again for up to 5 s until every
 * count is at least `atLeast`, then returns what it last read.
 */
async function analyzeCounts(url: string, atLeast = 0): Promise<Record<string, number>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const deadline = Date.now() + 5000;
    for (;;) {
      await sql`SELECT pg_stat_clear_snapshot()`;
      const rows = await sql<{ relname: string; analyze_count: string }[]>`
        SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname IN ${sql(IMPORTED_TABLES)}`;
      const counts = Object.fromEntries(rows.map((row) => [row.relname, Number(row.analyze_count)]));
      if (IMPORTED_TABLES.every((table) => (counts[table] ?? 0) >= atLeast) || Date.now() > deadline) return counts;
      await sleep(50);
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Every one of `IMPORTED_TABLES` analyzed `times` times. */
const analyzed = (times: number) => Object.fromEntries(IMPORTED_TABLES.map((table) => [table, times]));

describe.skipIf(unavailable !== undefined)(titled('roster migrate, export and import on PostgreSQL', unavailable), () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  it('copies a SQLite database with its revoked tokens into PostgreSQL, idempotently, and a node on PostgreSQL serves it', async () => {
    const source = await serve({ args: SQLITE });
    await seed(source);
    const expected = await reads(source);
    await source.stop();
    const file = join(source.dir, 'roster.db');
    const store = new SqliteStore({ path: file, synchronous: 'normal' });
    await store.revocations.revoke('demo', Buffer.from([0, 1, 2, 255]), Math.floor(Date.now() / 1000) + 3600);
    await store.close();
    const database = await createDatabase();
    databases.push(database);

    const first = await roster('migrate', '--from', file, '--to', database.url);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('users: 3 created, 0 updated, 0 unchanged');
    expect(first.stdout).toContain('revoked tokens: 1 created, 0 updated, 0 unchanged');
    // Once, at the end of the copy: not per batch, and not left to autovacuum.
    expect(await analyzeCounts(database.url, 1)).toEqual(analyzed(1));
    const second = await roster('migrate', '--from', file, '--to', database.url);
    expect(second.code).toBe(0);
    for (const line of [
      'users: 0 created, 0 updated, 3 unchanged',
      'channels: 0 created, 0 updated, 2 unchanged',
      'memberships: 0 created, 0 updated, 3 unchanged',
    ]) {
      expect(second.stdout).toContain(line);
    }
    expect(second.stdout).toContain('revoked tokens: 0 created, 0 updated, 1 unchanged');

    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const [token] = await sql`SELECT encode(signature, 'hex') AS signature FROM revoked_tokens WHERE sub_key = 'demo'`;
      expect(token?.['signature']).toBe('000102ff');
    } finally {
      await sql.end({ timeout: 1 });
    }

    expect((await roster('export', '--store', database.url)).stdout).toBe((await roster('export', '--db', file)).stdout);
    const node = await serve({ args: ['--store', database.url] });
    expect(await reads(node)).toEqual(expected);
  }, 180_000);

  it('analyzes the tables once at the end of an import, and not at all after a dry run', async () => {
    const database = await createDatabase();
    databases.push(database);
    const stamp = { updated: '2024-03-07T08:49:07.011608Z', eTag: 'e1' };
    const file = join(scratch(), 'analyzed.ndjson');
    const users = Array.from({ length: 2500 }, (_, n) => JSON.stringify({ kind: 'user', keyset: 'demo', id: `user-${n}`, name: `User ${n}`, ...stamp }));
    writeFileSync(file, `${users.join('\n')}\n`);

    const dry = await roster('import', file, '--store', database.url, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('users: would be 2500 created');
    expect(await analyzeCounts(database.url)).toEqual(analyzed(0));

    // Three batches of at most 1,000 records, one ANALYZE after the last.
    const run = await roster('import', file, '--store', database.url);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('users: 2500 created');
    expect(await analyzeCounts(database.url, 1)).toEqual(analyzed(1));
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const [uuids] = await sql`SELECT reltuples FROM pg_class WHERE relname = 'uuids'`;
      expect(uuids?.['reltuples']).toBe(2500);
    } finally {
      await sql.end({ timeout: 1 });
    }
  }, 120_000);

  it('imports while a node serves the database: the node reads the records at once, and its subscribers get no events', async () => {
    const database = await createDatabase();
    databases.push(database);
    const node = await serve({ args: ['--store', database.url] });
    const api = objectsClient(node);
    const stamp = { updated: '2024-03-07T08:49:07.011608Z', eTag: 'e1' };
    const file = join(scratch(), 'events.ndjson');
    writeFileSync(
      file,
      [
        JSON.stringify({ kind: 'user', keyset: 'demo', id: 'watched', name: 'imported', ...stamp }),
        JSON.stringify({ kind: 'channel', keyset: 'demo', id: 'watched-channel', name: 'imported', ...stamp }),
        JSON.stringify({ kind: 'membership', keyset: 'demo', uuid: 'watched', channel: 'watched-channel', ...stamp }),
      ].join('\n'),
    );
    const channels = ['watched', 'watched-channel'].map(encode).join(',');
    const handshake = await (await fetch(`${node.url}/v2/subscribe/demo/${channels}/0?uuid=watcher`)).json();
    const held = fetch(`${node.url}/v2/subscribe/demo/${channels}/0?uuid=watcher&tt=${handshake.t.t}&tr=${handshake.t.r}`).then((r) => r.json());

    const first = await roster('import', file, '--store', database.url);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('users: 1 created');
    const again = await roster('import', file, '--store', database.url);
    expect(again.stdout).toContain('users: 0 created, 0 updated, 1 unchanged');
    expect(again.stdout).toContain('memberships: 0 created, 0 updated, 1 unchanged');
    expect((await api.get('uuids/watched')).body.data).toMatchObject({ name: 'imported', eTag: 'e1', updated: '2024-03-07T08:49:07.011608Z' });

    // A write through the API after the imports: the first event the subscriber hears is this one.
    expect((await api.patch('uuids/watched', { name: 'through the API' })).status).toBe(200);
    const answer = await held;
    expect(answer.m.length).toBeGreaterThan(0);
    expect(answer.m.map((m: { d: { data: { name?: string } } }) => m.d.data.name)).toEqual(answer.m.map(() => 'through the API'));
  }, 180_000);
});
