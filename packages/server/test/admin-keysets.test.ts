/**
 * Issue 17 item 5: keysets without a restart. The admin API (`/admin/v1/keysets`) lists, makes
 * and changes the keysets a node serves, for whoever holds the node's admin secret; what it
 * does is served at once, survives a restart, and reaches the other nodes of a database.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { eventually, onCluster, startServer, useServer, type KeysetConfig, type RunningServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApi, grantCarol, keysOf, useSharedDatabase, writeUser } from './admin-api.ts';
import { postgresUnavailable, titled } from './store-contract/postgres.ts';
import { closeSigningAgent, sendRaw } from './signing.ts';

const SECRET = 'admin-secret-of-the-tests-7c1f';
const BIN = resolve(fileURLToPath(new URL('../bin/roster.js', import.meta.url)));
const execute = promisify(execFile);

const SEEDED: KeysetConfig = { publishKey: 'pub-seeded', subscribeKey: 'sub-seeded', secretKey: 'sec-seeded-secret', accessManager: true };

/** A call to the admin API of `url`, with the admin secret unless `authorization` says otherwise (`null`: none). */
const admin = adminApi(SECRET);

/**
 * `check` until it passes. One node serves a change at once, so there it must pass the first
 * time; on a cluster the other node serves it within a poll of the database (about a second).
 */
const served = (check: () => Promise<void>, timeoutMs = onCluster ? 5000 : 0): Promise<void> => eventually(check, timeoutMs);

afterAll(() => closeSigningAgent());

describe('the admin API, on', () => {
  const server = useServer({ keysets: [SEEDED], args: ['--admin-secret', SECRET, '--log-level', 'info'] });
  let output = '';
  beforeAll(() => {
    // The node's log from here on (request lines at `info`), to look for the secret in.
    const keep = (chunk: Buffer) => (output += chunk.toString());
    server.process.stdout?.on('data', keep);
    server.process.stderr?.on('data', keep);
  });

  it('refuses a request without the admin secret, or with a wrong one: 401 naming the header', async () => {
    for (const authorization of [null, `Bearer ${SECRET}x`, `Bearer ${SECRET.slice(0, -1)}`, `Basic ${SECRET}`, 'Bearer']) {
      const refused = await admin(server.url, 'GET', '', { authorization });
      expect(refused.status, String(authorization)).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      expect(refused.body).toMatchObject({ status: 401, error: { source: 'objects', details: [{ location: 'authorization', locationType: 'header' }] } });
    }
    // Refused before the body is read or checked.
    expect((await admin(server.url, 'POST', '', { authorization: null, body: { limits: 'nonsense' } })).status).toBe(401);
    expect((await admin(server.url, 'GET', '', { authorization: `bearer  ${SECRET}` })).status).toBe(200);
  });

  it('lists the keysets with every setting, the seeded one as from the config', async () => {
    const listed = await admin(server.url, 'GET', '');
    expect(listed.status).toBe(200);
    const seeded = (listed.body.data as { subscribeKey: string }[]).find((keyset) => keyset.subscribeKey === 'sub-seeded');
    expect(seeded).toMatchObject({
      ...SEEDED,
      referentialIntegrity: false,
      disallowGetAllUuids: false,
      limits: { maxIdLength: 92, maxRecordBytes: 32768 },
      presenceTimeoutSeconds: 300,
      source: 'config',
      version: expect.any(Number),
      updated: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect((await admin(server.url, 'GET', '/sub-seeded')).body).toEqual({ status: 200, data: seeded });
  });

  it('creates a keyset with fresh keys and Access Manager on, usable at once: unsigned writes refused, signed ones taken', async () => {
    const created = await admin(server.url, 'POST', '', { body: { name: 'Mobile app' } });
    expect(created.status).toBe(200);
    const view = created.body.data;
    expect(view).toMatchObject({ name: 'Mobile app', accessManager: true, source: 'console', limits: { maxIdLength: 92 } });
    expect(view.publishKey).toMatch(/^pub-c-[0-9a-f-]{36}$/);
    expect(view.subscribeKey).toMatch(/^sub-c-[0-9a-f-]{36}$/);
    expect(view.secretKey).toMatch(/^sec-c-[\w-]{48}$/);
    const keys = keysOf(view);
    await served(async () => {
      const unsigned = await writeUser(server.url, keys, 'alice');
      expect(unsigned.status, unsigned.text).toBe(403);
    });
    await served(async () => {
      const signed = await writeUser(server.url, keys, 'alice', { signWith: keys.secretKey });
      expect(signed.status, signed.text).toBe(200);
    });
    // An empty body is a keyset with every default; each gets keys of its own.
    const bare = await admin(server.url, 'POST', '');
    expect(bare.status).toBe(200);
    expect(bare.body.data.secretKey).not.toBe(view.secretKey);
    const listed = (await admin(server.url, 'GET', '')).body.data.map((keyset: { subscribeKey: string }) => keyset.subscribeKey);
    expect(listed).toEqual(expect.arrayContaining([view.subscribeKey, bare.body.data.subscribeKey, 'sub-seeded']));
  });

  it('changes settings that take effect at once', async () => {
    const open = (await admin(server.url, 'POST', '', { body: { accessManager: false } })).body.data;
    const keys = keysOf(open);
    const list = () => sendRaw(server.url, 'GET', `/v2/objects/${keys.subscribeKey}/uuids`, { uuid: 'x' });
    await served(async () => expect((await writeUser(server.url, keys, 'longer-id')).status).toBe(200));
    await served(async () => expect((await list()).status).toBe(200));

    const big = JSON.stringify({ name: 'big', custom: { text: 'x'.repeat(150_000) } });
    expect((await writeUser(server.url, keys, 'big', { body: big })).status).toBe(413); // over 3 × the default maxRecordBytes
    const limited = await admin(server.url, 'PATCH', `/${keys.subscribeKey}`, { body: { limits: { maxIdLength: 5, maxRecordBytes: 200_000 } } });
    expect(limited.status).toBe(200);
    expect(limited.body.data.limits).toMatchObject({ maxIdLength: 5, maxRecordBytes: 200_000, maxTypeLength: 50 });
    await served(async () => {
      const refused = await writeUser(server.url, keys, 'longer-id');
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('5');
    });
    await served(async () => expect((await writeUser(server.url, keys, 'big', { body: big })).status).toBe(200));

    const seeded = await admin(server.url, 'PATCH', '/sub-seeded', { body: { disallowGetAllUuids: true } });
    expect(seeded.body.data).toMatchObject({ disallowGetAllUuids: true, source: 'config' });
    await served(async () => {
      const refused = await sendRaw(server.url, 'GET', '/v2/objects/sub-seeded/uuids', { uuid: 'x' });
      expect(refused.status, refused.text).toBe(403);
    });
    expect((await admin(server.url, 'PATCH', '/sub-seeded', { body: { disallowGetAllUuids: null } })).body.data.disallowGetAllUuids).toBe(false);
    await served(async () => expect((await sendRaw(server.url, 'GET', '/v2/objects/sub-seeded/uuids', { uuid: 'x' })).status).toBe(200));
  });

  it('refuses a bad body with a 400 naming the field, and changes nothing', async () => {
    const before = (await admin(server.url, 'GET', '/sub-seeded')).body.data;
    const cases: [unknown, string, RegExp][] = [
      [{ limits: { maxIdLength: 'long' } }, 'limits.maxIdLength', /must be an integer/],
      [{ limits: { maxIdLength: 0 } }, 'limits.maxIdLength', /expected an integer from 1 to 128, got 0/],
      // Ids of more than 128 characters would not fit a PostgreSQL index entry (model/keyset.ts MAX_ID_LENGTH).
      [{ limits: { maxIdLength: 129 } }, 'limits.maxIdLength', /expected an integer from 1 to 128, got 129/],
      [{ subscribeKey: 's'.repeat(97) }, 'subscribeKey', /keys are made by the server/],
      [{ acessManager: true }, 'acessManager', /unknown key \(did you mean accessManager\?\)/],
      [{ accessManager: false, disallowGetAllChannels: true }, 'disallowGetAllChannels', /only with "accessManager": true/],
      [{ presenceTimeoutSeconds: 5 }, 'presenceTimeoutSeconds', /below limits.minPresenceTimeoutSeconds/],
      [{ secretKey: 'sec-mine' }, 'secretKey', /rotate-secret/],
      [{ name: '' }, 'name', /expected a non-empty string/],
      [[1], 'body', /JSON object/],
    ];
    for (const [body, location, message] of cases) {
      const refused = await admin(server.url, 'PATCH', '/sub-seeded', { body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error.details[0], JSON.stringify(body)).toMatchObject({ location, message: expect.stringMatching(message) });
    }
    const create = await admin(server.url, 'POST', '', { body: { rateLimit: { perClient: -1 } } });
    expect(create.body.error.details[0]).toMatchObject({ location: 'rateLimit.perClient' });
    const longIds = await admin(server.url, 'POST', '', { body: { limits: { maxIdLength: 129 } } });
    expect(longIds).toMatchObject({ status: 400, body: { error: { details: [{ location: 'limits.maxIdLength' }] } } });
    expect((await admin(server.url, 'GET', '/sub-seeded')).body.data).toEqual(before);
    expect((await admin(server.url, 'PATCH', '/sub-nowhere', { body: {} })).body).toMatchObject({ status: 404, error: { details: [{ location: 'subKey' }] } });
  });

  it('makes a change only at the version If-Match names: 412 when it moved on', async () => {
    const { version } = (await admin(server.url, 'GET', '/sub-seeded')).body.data;
    const changed = await admin(server.url, 'PATCH', '/sub-seeded', { body: { name: 'Seeded' }, ifMatch: String(version) });
    expect(changed.status).toBe(200);
    expect(changed.body.data.version).toBeGreaterThan(version);
    const stale = await admin(server.url, 'PATCH', '/sub-seeded', { body: { name: 'Stale' }, ifMatch: String(version) });
    expect(stale.status).toBe(412);
    expect(stale.body.error.details[0]).toMatchObject({ location: 'if-match', locationType: 'header' });
    expect((await admin(server.url, 'POST', '/sub-seeded/rotate-secret', { ifMatch: String(version) })).status).toBe(412);
    expect((await admin(server.url, 'PATCH', '/sub-seeded', { body: {}, ifMatch: 'latest' })).body.error.details[0]).toMatchObject({ location: 'if-match' });
    expect((await admin(server.url, 'GET', '/sub-seeded')).body.data.name).toBe('Seeded');
  });

  it('rotates a secret key: signatures and tokens of the old one are refused, the new one is taken', async () => {
    const keys = keysOf((await admin(server.url, 'POST', '', { body: { name: 'Rotated' } })).body.data);
    const grant = async (): Promise<string> => {
      const answer = await grantCarol(server.url, keys);
      expect(answer.status, answer.text).toBe(200);
      return (JSON.parse(answer.text) as { data: { token: string } }).data.token;
    };
    let token = '';
    await served(async () => {
      token = await grant();
    });
    await served(async () => expect((await writeUser(server.url, keys, 'carol', { query: { auth: token } })).status).toBe(200));

    const rotated = await admin(server.url, 'POST', `/${keys.subscribeKey}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.data.secretKey as string;
    expect(fresh).toMatch(/^sec-c-/);
    expect(fresh).not.toBe(keys.secretKey);
    expect(rotated.body.data).toMatchObject({ publishKey: keys.publishKey, subscribeKey: keys.subscribeKey, accessManager: true, name: 'Rotated' });
    await served(async () => {
      const old = await writeUser(server.url, keys, 'carol', { signWith: keys.secretKey });
      expect(old.status, old.text).toBe(403);
      expect((await writeUser(server.url, keys, 'carol', { query: { auth: token } })).status).toBe(403);
    });
    await served(async () => expect((await writeUser(server.url, keys, 'carol', { signWith: fresh })).status).toBe(200));
  });

  it('never writes the admin secret to the node’s output', async () => {
    await admin(server.url, 'GET', '');
    await admin(server.url, 'GET', '', { authorization: `Bearer ${SECRET}-wrong` });
    await new Promise((done) => setTimeout(done, 200));
    expect(output).toContain('"route":"/admin/v1/keysets"'); // the request lines are there
    expect(output).not.toContain(SECRET);
  });

  it('documents its routes in /openapi.json', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths['/admin/v1/keysets'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/admin/v1/keysets/{subKey}'] ?? {}).sort()).toEqual(['get', 'patch']);
    expect(Object.keys(document.paths['/admin/v1/keysets/{subKey}/rotate-secret'] ?? {})).toEqual(['post']);
  });
});

describe('the admin API, off', () => {
  const server = useServer();

  it('is a 404 saying how to turn it on, with or without a secret', async () => {
    for (const authorization of [null, `Bearer ${SECRET}`]) {
      const off = await admin(server.url, 'GET', '', { authorization });
      expect(off.status).toBe(404);
      expect(off.body.error.message).toContain('--admin-secret / ROSTER_ADMIN_SECRET / "adminSecret"');
    }
    expect((await admin(server.url, 'POST', '/demo/rotate-secret')).status).toBe(404);
  });
});

describe('keysets across a restart', () => {
  it('keeps console keysets and console edits of a seeded keyset; a changed config entry overwrites its row', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-admin-restart-'));
    let server: RunningServer | undefined;
    const start = async (keysets: KeysetConfig[]) => {
      server = await startServer({ dir, keysets, args: ['--admin-secret', SECRET] });
      return server.url;
    };
    try {
      let url = await start([SEEDED]);
      const made = (await admin(url, 'POST', '', { body: { name: 'Console', accessManager: false } })).body.data;
      expect((await admin(url, 'PATCH', '/sub-seeded', { body: { name: 'Edited', limits: { maxIdLength: 40 } } })).status).toBe(200);
      await server!.stop();

      url = await start([SEEDED]);
      expect((await admin(url, 'GET', `/${made.subscribeKey}`)).body.data).toEqual(made);
      expect((await admin(url, 'GET', '/sub-seeded')).body.data).toMatchObject({ name: 'Edited', limits: { maxIdLength: 40 }, source: 'config' });
      await server!.stop();

      url = await start([{ ...SEEDED, referentialIntegrity: true }]);
      const overwritten = (await admin(url, 'GET', '/sub-seeded')).body.data;
      expect(overwritten).toMatchObject({ referentialIntegrity: true, limits: { maxIdLength: 92 }, source: 'config' });
      expect(overwritten.name).toBeUndefined();
      expect((await admin(url, 'GET', `/${made.subscribeKey}`)).body.data).toEqual(made);
    } finally {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the start-up output after a restart', () => {
  /** What the node printed, without the `[node <pid>] ` each line of `recentOutput` starts with. */
  const printed = (server: RunningServer) => server.recentOutput().replace(/^\[node \d+\] /gm, '');

  it('names the keysets made through the admin API, which are still served, never their keys', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-admin-summary-'));
    let server: RunningServer | undefined;
    try {
      server = await startServer({ dir, keysets: [SEEDED], args: ['--admin-secret', SECRET] });
      const made = (await admin(server.url, 'POST', '', { body: { name: 'Mobile app' } })).body.data;
      await server.stop();

      // Restarted without the admin API: the keyset is still served, and the output says so.
      server = await startServer({ dir, keysets: [SEEDED] });
      const lockedDown = 'signatures on, Access Manager on, get-all users disallowed to unsigned clients, get-all channels disallowed to unsigned clients';
      expect(printed(server)).toContain(
        [
          `keyset sub-seeded: signatures on, Access Manager on, get-all users allowed to unsigned clients, get-all channels allowed to unsigned clients`,
          'demo keyset: not served (the config file declares the keysets)',
          'admin API: off (--admin-secret / ROSTER_ADMIN_SECRET / "adminSecret" in the config file turns it on, for the console)',
          "heap: V8's allocation-site pretenuring off (node --allocation-site-pretenuring keeps V8's default)",
          'keysets made through the admin API (held in the database): 1',
          `keyset ${made.subscribeKey} "Mobile app": ${lockedDown}`,
          `Roster listening on ${server.nodes[0]}`,
        ].join('\n'),
      );
      for (const key of [made.publishKey, made.secretKey, SEEDED.publishKey, SEEDED.secretKey!]) expect(printed(server)).not.toContain(key);
      expect((await writeUser(server.url, keysOf(made), 'erin', { signWith: made.secretKey })).status).toBe(200);
    } finally {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const unavailable = await postgresUnavailable();

describe.skipIf(unavailable !== undefined)(titled('two nodes on one PostgreSQL database', unavailable), () => {
  const shared = useSharedDatabase();

  it('serves a keyset made through one node on the other within a few seconds', { timeout: 120_000 }, async () => {
    // The second node has no admin secret: it serves what the database holds all the same.
    const [first, second] = await Promise.all([
      startServer({ keysets: [SEEDED], args: ['--store', shared.database.url, '--admin-secret', SECRET] }),
      startServer({ keysets: [SEEDED], args: ['--store', shared.database.url] }),
    ]);
    shared.nodes.push(first, second);
    const keys = keysOf((await admin(first.url, 'POST', '')).body.data);
    await eventually(async () => {
      const answer = await writeUser(second.url, keys, 'dave', { signWith: keys.secretKey });
      expect(answer.status, answer.text).toBe(200);
    });
    expect((await admin(second.url, 'GET', '')).status).toBe(404);

    // A rotation reaches it the same way.
    const fresh = (await admin(first.url, 'POST', `/${keys.subscribeKey}/rotate-secret`)).body.data.secretKey as string;
    await served(async () => expect((await writeUser(second.url, keys, 'dave', { signWith: fresh })).status).toBe(200), 5000);
    expect((await writeUser(second.url, keys, 'dave', { signWith: keys.secretKey })).status).toBe(403);
  });
});

describe('the admin secret setting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-admin-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function roster(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await execute(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, ...env }, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it('roster config check refuses one shorter than 16 characters, naming the setting and never the value', async () => {
    const short = 'Tiny-Secret-15ch';
    const fromEnv = await roster(['config', 'check'], { ROSTER_ADMIN_SECRET: short.slice(0, 15) });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toContain('ROSTER_ADMIN_SECRET: expected a secret of at least 16 characters');
    const path = join(dir, 'short.json');
    writeFileSync(path, JSON.stringify({ adminSecret: short.slice(0, 15) }));
    const fromFile = await roster(['config', 'check', path]);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toContain(`${path}: adminSecret: expected a secret of at least 16 characters (printable ASCII, no spaces), got a string`);
    const serve = await roster(['serve', '--port', '0', '--db', ':memory:', '--admin-secret', short.slice(0, 15)]);
    expect(serve.code).toBe(1);
    expect(serve.stderr).toContain('--admin-secret: expected a secret of at least 16 characters');
    expect(serve.stdout).not.toContain('listening');
    for (const run of [fromEnv, fromFile, serve]) expect(`${run.stdout}${run.stderr}`).not.toContain(short.slice(0, 15));
  });

  it('roster config check says the admin API is on, never showing the secret', async () => {
    const checked = await roster(['config', 'check'], { ROSTER_ADMIN_SECRET: SECRET });
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain('admin API: on at /admin/v1');
    expect(checked.stdout).not.toContain(SECRET);
  });
});
