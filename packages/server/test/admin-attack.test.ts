/**
 * Issue 17 attacked: the admin API (`/admin/v1/keysets`) and the console's static files, with the
 * requests a careless script or a hostile client sends. Every refusal is a 4xx in the envelope
 * naming the field; concurrent changes are each applied or refused, never lost; what a 200
 * acknowledged survives kill -9; a keyset's secret authorizes that keyset only; answers holding
 * secrets are never cached; every answer under /console carries the security headers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, onCluster, startServer, useServer, type KeysetConfig, type RunningServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApi, grantCarol, keysOf, useSharedDatabase, writeUser } from './admin-api.ts';
import { postgresUnavailable, titled } from './store-contract/postgres.ts';
import { closeSigningAgent } from './signing.ts';

const SECRET = 'admin-secret-of-the-attack-9d2e';
const SEEDED: KeysetConfig = { publishKey: 'pub-attack', subscribeKey: 'sub-attack', secretKey: 'sec-attack-secret', accessManager: true };

/** A call to the admin API with the admin secret; `raw` sends the body text as it is. */
const admin = adminApi(SECRET);

/** The limits the concurrency tests set, one per request, each to a value of its own. */
const LIMITS = [
  'maxStatusLength',
  'maxTypeLength',
  'maxIdLength',
  'maxNameLength',
  'maxDescriptionLength',
  'maxPatchItems',
  'maxChannelsPerGroup',
  'maxGroupsPerSubscribe',
];

/** Sets every limit of `LIMITS` in a request of its own, all at once, through `urls` in turn; and rotates the secret `rotations` times among them. */
async function changeAtOnce(urls: string[], subscribeKey: string, rotations: number): Promise<{ statuses: number[]; secrets: string[] }> {
  const changes = LIMITS.map((name, i) => admin(urls[i % urls.length]!, 'PATCH', `/${subscribeKey}`, { body: { limits: { [name]: 70 + i } } }));
  const rotated = Array.from({ length: rotations }, (_, i) => admin(urls[i % urls.length]!, 'POST', `/${subscribeKey}/rotate-secret`));
  const answers = await Promise.all([...changes, ...rotated]);
  return { statuses: answers.map((answer) => answer.status), secrets: answers.slice(LIMITS.length).map((answer) => answer.body?.data?.secretKey as string) };
}

async function expectAllApplied(url: string, subscribeKey: string, secrets: string[]): Promise<void> {
  const view = (await admin(url, 'GET', `/${subscribeKey}`)).body.data;
  expect(Object.fromEntries(LIMITS.map((name) => [name, view.limits[name]]))).toEqual(Object.fromEntries(LIMITS.map((name, i) => [name, 70 + i])));
  expect(secrets).toContain(view.secretKey);
}

afterAll(() => closeSigningAgent());

describe('the admin API under attack', () => {
  const server = useServer({ keysets: [SEEDED], args: ['--admin-secret', SECRET] });

  it('answers malformed requests with a 4xx in the envelope, naming the field', async () => {
    const deepArray = `{"limits":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const deepObject = `{"name":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const cases: [string, string, { body?: unknown; raw?: string; ifMatch?: string }, number, string][] = [
      ['POST', '', { body: { name: null } }, 400, 'name'],
      ['POST', '', { body: { name: 7 } }, 400, 'name'],
      ['POST', '', { body: { name: 'x'.repeat(201) } }, 400, 'name'],
      ['POST', '', { body: { accessManager: 'true' } }, 400, 'accessManager'],
      ['POST', '', { body: { limits: null } }, 400, 'limits'],
      ['POST', '', { body: { limits: [] } }, 400, 'limits'],
      ['POST', '', { body: { limits: { maxNameLength: 0 } } }, 400, 'limits.maxNameLength'],
      ['POST', '', { body: { limits: { maxNameLength: -1 } } }, 400, 'limits.maxNameLength'],
      ['POST', '', { body: { limits: { maxNameLength: '10' } } }, 400, 'limits.maxNameLength'],
      ['POST', '', { raw: '{"limits":{"maxNameLength":1e309}}' }, 400, 'limits.maxNameLength'],
      ['POST', '', { raw: '{"limits":{"maxNameLength":1.5}}' }, 400, 'limits.maxNameLength'],
      ['POST', '', { body: { limits: { bogus: 1 } } }, 400, 'limits.bogus'],
      ['POST', '', { body: { rateLimit: { perClient: -5 } } }, 400, 'rateLimit.perClient'],
      ['POST', '', { body: { constructor: { prototype: { x: 1 } } } }, 400, 'constructor'],
      ['POST', '', { body: { subscribeKey: 'demo' } }, 400, 'subscribeKey'],
      ['POST', '', { body: { publishKey: 'pub-attack' } }, 400, 'publishKey'],
      ['POST', '', { body: { secretKey: 'sec-attack-secret' } }, 400, 'secretKey'],
      ['POST', '', { body: [] }, 400, 'body'],
      ['POST', '', { raw: '{' }, 400, 'body'],
      ['POST', '', { raw: deepArray }, 400, 'limits'],
      ['POST', '', { raw: deepObject }, 400, 'name'],
      ['PATCH', '/sub-attack', { raw: 'null' }, 400, 'body'],
      ['PATCH', '/sub-attack', { body: { name: 'x' }, ifMatch: 'W/"1"' }, 400, 'if-match'],
      ['PATCH', '/sub-attack', { body: { name: 'x' }, ifMatch: '-1' }, 400, 'if-match'],
      ['PATCH', '/sub-attack', { body: { name: 'x' }, ifMatch: '9'.repeat(16) }, 400, 'if-match'],
      ['PATCH', '/sub-attack', { body: { name: 'x' }, ifMatch: '999999999' }, 412, 'if-match'],
      ['PATCH', '/sub-attack', { body: { disallowGetAllUuids: true, accessManager: false } }, 400, 'disallowGetAllUuids'],
      ['GET', `/${encodeURIComponent('sub-attack/../x')}`, {}, 404, 'subKey'],
      ['GET', '/a%00b', {}, 404, 'subKey'],
      ['POST', `/${encodeURIComponent('\u202Esub')}/rotate-secret`, {}, 404, 'subKey'],
    ];
    for (const [method, path, options, status, location] of cases) {
      const answer = await admin(server.url, method, path, options);
      const what = `${method} ${path} ${JSON.stringify(options).slice(0, 80)}`;
      expect(answer.status, what).toBe(status);
      expect(answer.body.status, what).toBe(status);
      expect(
        answer.body.error.details.map((detail: { location: string }) => detail.location),
        what,
      ).toContain(location);
    }
    // The cluster target's test proxy resets a connection the node answers before the upload ends.
    if (!onCluster) {
      const huge = await admin(server.url, 'POST', '', { raw: `{"name":"${'x'.repeat(2_000_000)}"}` });
      expect(huge.status).toBe(413);
      expect(huge.body).toMatchObject({ status: 413, error: { message: expect.any(String) } });
    }
    // Still serving, and no keyset was made by any of it.
    const listed = (await admin(server.url, 'GET', '')).body.data as { subscribeKey: string }[];
    expect(listed.map((keyset) => keyset.subscribeKey)).toEqual(['sub-attack']);
  });

  it('applies every change many clients send at once without If-Match: none is refused, none lost', async () => {
    const made = (await admin(server.url, 'POST', '', { body: { name: 'Busy' } })).body.data;
    const { statuses, secrets } = await changeAtOnce([server.url], made.subscribeKey, 4);
    expect(statuses).toEqual(statuses.map(() => 200));
    await expectAllApplied(server.url, made.subscribeKey, secrets);
  });

  it('lets exactly one of many changes naming one version through; the others get 412 at If-Match', async () => {
    const made = (await admin(server.url, 'POST', '', { body: { name: 'Contested' } })).body.data;
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        i % 3 === 0
          ? admin(server.url, 'POST', `/${made.subscribeKey}/rotate-secret`, { ifMatch: String(made.version) })
          : admin(server.url, 'PATCH', `/${made.subscribeKey}`, { body: { name: `n${i}` }, ifMatch: `"${made.version}"` }),
      ),
    );
    const won = answers.filter((answer) => answer.status === 200);
    expect(won).toHaveLength(1);
    for (const lost of answers.filter((answer) => answer.status !== 200)) {
      expect(lost.status).toBe(412);
      expect(lost.body.error.details[0].location).toBe('if-match');
    }
    expect((await admin(server.url, 'GET', `/${made.subscribeKey}`)).body.data).toEqual(won[0]!.body.data);
  });

  it('never lets a cache keep an answer holding secret keys, refusals included', async () => {
    const listed = await admin(server.url, 'GET', '');
    expect(listed.body.data[0].secretKey).toBeDefined();
    expect(listed.headers.get('cache-control')).toBe('no-store');
    expect((await admin(server.url, 'GET', '/sub-attack')).headers.get('cache-control')).toBe('no-store');
    expect((await admin(server.url, 'GET', '/nope')).headers.get('cache-control')).toBe('no-store');
    const refused = await fetch(`${server.url}/admin/v1/keysets`, { headers: { authorization: 'Bearer wrong-secret-of-16+' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });

  it('lets the secret key of one keyset sign and grant on that keyset only', async () => {
    const a = keysOf((await admin(server.url, 'POST', '', { body: { name: 'A' } })).body.data);
    const b = keysOf((await admin(server.url, 'POST', '', { body: { name: 'B' } })).body.data);
    // On a cluster the other node serves a new keyset after its next poll (within a second): wait for every node.
    for (const node of server.nodes) {
      await eventually(async () => expect((await writeUser(node, b, 'carol', { signWith: b.secretKey })).status).toBe(200));
      await eventually(async () => expect((await writeUser(node, a, 'carol', { signWith: a.secretKey })).status).toBe(200));
    }
    expect((await writeUser(server.url, b, 'carol', { signWith: a.secretKey })).status).toBe(403);
    expect((await grantCarol(server.url, b, a.secretKey)).status).toBe(403);
    const granted = await grantCarol(server.url, a);
    expect(granted.status, granted.text).toBe(200);
    const token = (JSON.parse(granted.text) as { data: { token: string } }).data.token;
    expect((await writeUser(server.url, a, 'carol', { query: { auth: token } })).status).toBe(200);
    expect((await writeUser(server.url, b, 'carol', { query: { auth: token } })).status).toBe(403);
    // Rotating A's secret ends the token, though the node verified it before.
    expect((await admin(server.url, 'POST', `/${a.subscribeKey}/rotate-secret`)).status).toBe(200);
    for (const node of server.nodes) {
      await eventually(async () => expect((await writeUser(node, a, 'carol', { query: { auth: token } })).status).toBe(403));
    }
  });
});

describe('the console’s static files under attack', () => {
  const server = useServer({ args: ['--admin-secret', SECRET] });

  /** The answer to `path` sent byte for byte (no normalization of `..`). */
  function raw(method: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
    return new Promise((done, fail) => {
      const { hostname, port } = new URL(server.url);
      const sent = httpRequest({ hostname, port, method, path }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => done({ status: response.statusCode ?? 0, headers: response.headers, text }));
      });
      sent.on('error', fail);
      sent.end();
    });
  }

  it('carries the security headers and a cache policy on every answer: files, redirects, 404s, 405s, refused paths', async () => {
    const cases: [string, string, number][] = [
      ['GET', '/console/', 200],
      ['HEAD', '/console/', 200],
      ['GET', '/console', 301],
      ['GET', '/console/nothing.js', 404],
      ['HEAD', '/console/nothing.js', 404],
      ['GET', '/console/assets/', 404],
      ['GET', '/console/../package.json', 404],
      ['GET', '/console/%2e%2e/%2e%2e/package.json', 404],
      ['GET', '/console/..%2f..%2fpackage.json', 404],
      ['GET', '/console/index.html%00.js', 404],
      ['GET', '/console//etc/passwd', 404],
      ['POST', '/console/', 405],
      ['PUT', '/console/index.html', 405],
      ['DELETE', '/console', 405],
      ['PATCH', '/console/assets/x.js', 405],
    ];
    for (const [method, path, status] of cases) {
      const answer = await raw(method, path);
      const what = `${method} ${path}`;
      expect(answer.status, what).toBe(status);
      expect(answer.headers['content-security-policy'], what).toContain("default-src 'none'");
      expect(answer.headers['content-security-policy'], what).toContain("frame-ancestors 'none'");
      expect(answer.headers['x-content-type-options'], what).toBe('nosniff');
      expect(answer.headers['referrer-policy'], what).toBe('no-referrer');
      expect(answer.headers['cache-control'], what).toBe('no-cache');
      if (status === 405) expect(answer.headers['allow'], what).toBe('GET, HEAD');
      if (status >= 400 && method !== 'HEAD') expect(JSON.parse(answer.text), what).toMatchObject({ status, error: true, message: expect.any(String) });
      // Nothing outside the built console is ever read out.
      expect(answer.text, what).not.toContain('"name": "@roster');
      expect(answer.text, what).not.toContain('root:');
    }
  });
});

describe('kill -9 right after a 200', () => {
  it('keeps the keyset a create acknowledged and the secret a rotation acknowledged', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-admin-kill-'));
    let node: RunningServer | undefined;
    const start = async () => (node = await startServer({ dir, args: ['--admin-secret', SECRET] })).url;
    try {
      let url = await start();
      const made = (await admin(url, 'POST', '', { body: { name: 'Durable' } })).body.data;
      await node!.kill();
      url = await start();
      expect((await admin(url, 'GET', `/${made.subscribeKey}`)).body.data).toMatchObject({ name: 'Durable', secretKey: made.secretKey });
      const rotated = (await admin(url, 'POST', `/${made.subscribeKey}/rotate-secret`)).body.data.secretKey as string;
      await node!.kill();
      url = await start();
      expect((await admin(url, 'GET', `/${made.subscribeKey}`)).body.data.secretKey).toBe(rotated);
      expect((await writeUser(url, keysOf(made), 'dora', { signWith: made.secretKey })).status).toBe(403);
      expect((await writeUser(url, keysOf(made), 'dora', { signWith: rotated })).status).toBe(200);
    } finally {
      await node?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a config file that renames a keyset but keeps its publish key', () => {
  it('stops the node with a message naming the stored keyset that holds the publish key and how to free it', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-admin-rename-'));
    try {
      const first = await startServer({ dir, keysets: [SEEDED], args: ['--admin-secret', SECRET] });
      await first.stop();
      const renamed = startServer({ dir, keysets: [{ ...SEEDED, subscribeKey: 'sub-attack-renamed' }], args: ['--admin-secret', SECRET] });
      await expect(renamed).rejects.toThrow(/keyset sub-attack-renamed of the config file: its publishKey belongs to keyset sub-attack in the database/);
      await expect(renamed).rejects.toThrow(/an earlier config file declared.*declare sub-attack again/s);
      await expect(renamed).rejects.not.toThrow(/sec-attack-secret/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const unavailable = await postgresUnavailable();

describe.skipIf(unavailable !== undefined)(titled('two nodes on one PostgreSQL database changing one keyset', unavailable), () => {
  const shared = useSharedDatabase();
  beforeAll(async () => {
    const args = ['--store', shared.database.url, '--admin-secret', SECRET];
    shared.nodes.push(...(await Promise.all([0, 1].map(() => startServer({ args })))));
  }, 120_000);

  it('applies every change sent to either node at once without If-Match, and both serve the same', async () => {
    const urls = shared.nodes.map((node) => node.url);
    const made = (await admin(urls[0]!, 'POST', '', { body: { name: 'Shared' } })).body.data;
    await eventually(async () => expect((await admin(urls[1]!, 'GET', `/${made.subscribeKey}`)).status).toBe(200));
    const { statuses, secrets } = await changeAtOnce(urls, made.subscribeKey, 4);
    expect(statuses).toEqual(statuses.map(() => 200));
    for (const url of urls) await eventually(() => expectAllApplied(url, made.subscribeKey, secrets));
  });
});
