import PubNub from 'pubnub';
import { startServer, useServer, type RunningServer } from '@roster/testing';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { signedQuery, signV2 } from '../../test/signing.ts';

/** A locked-down keyset: every request carries a signature or an Access Manager token. */
const KEYSET = { publishKey: 'pub-c-logs', subscribeKey: 'sub-c-logs', secretKey: 'sec-c-logs-NEVER-LOGGED', accessManager: true };

/** Everything the server writes on stdout from now on. */
function captureStdout(server: RunningServer): () => string {
  let output = '';
  server.process.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return () => output;
}

interface Line {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** The JSON lines of `output` (the start-up banner is plain text). */
const jsonLines = (output: string): Line[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line);

const requestLines = (output: string) => jsonLines(output).filter((line) => line.msg === 'request');

describe('request logs', () => {
  const server = useServer({ keysets: [KEYSET], args: ['--log-level', 'info', '--subscribe-hold', '1'] });
  let output: () => string;
  let admin: PubNub;
  beforeAll(() => {
    output = captureStdout(server);
    admin = new PubNub({ ...KEYSET, userId: 'admin', origin: server.origin, ssl: false, logVerbosity: false });
  });

  it('write one JSON line per request, with its route pattern and never a secret key, token, signature or auth value', async () => {
    // Signed with the secret key (a `signature` on every call), then a token used as `auth`.
    await admin.objects.setUUIDMetadata({ uuid: 'alice-path-id', data: { name: 'Alice' } });
    const token = await admin.grantToken({ ttl: 5, authorized_uuid: 'alice-path-id', resources: { uuids: { 'alice-path-id': { get: true } } } });
    const alice = new PubNub({
      publishKey: KEYSET.publishKey,
      subscribeKey: KEYSET.subscribeKey,
      userId: 'alice-path-id',
      origin: server.origin,
      ssl: false,
      logVerbosity: false,
    });
    alice.setToken(token);
    await alice.objects.getUUIDMetadata({ uuid: 'alice-path-id' });
    await admin.revokeToken(token);
    // Made-up credentials on a path no route serves, and a forged signature.
    await fetch(`${server.url}/v2/nothing/here?auth=AUTH-VALUE-NEVER-LOGGED&signature=v2.SIGNATURE-NEVER-LOGGED`);
    const forged = await fetch(
      `${server.url}/v2/objects/${KEYSET.subscribeKey}/uuids/x?timestamp=1&signature=v2.FORGED-NEVER-LOGGED&auth=${encodeURIComponent(token)}`,
    );
    expect(forged.status).toBe(403);

    await vi.waitFor(() => expect(requestLines(output()).length).toBeGreaterThanOrEqual(6), { timeout: 5000, interval: 50 });
    const lines = requestLines(output());
    const routes = lines.map((line) => `${String(line['method'])} ${String(line['route'])} ${String(line['status'])}`);
    expect(routes).toEqual([
      'PATCH /v2/objects/:subKey/uuids/:id 200',
      'POST /v3/pam/:subKey/grant 200',
      'GET /v2/objects/:subKey/uuids/:id 200',
      'DELETE /v3/pam/:subKey/grant/:token 200',
      'GET undefined 404',
      'GET /v2/objects/:subKey/uuids/:id 403',
    ]);
    for (const line of lines) {
      expect(line).toMatchObject({ level: 30, reqId: expect.stringMatching(/^[0-9a-f]{6}-[0-9a-z]+$/), ms: expect.any(Number), bytes: expect.any(Number) });
    }
    expect(lines[0]).toMatchObject({ subKey: KEYSET.subscribeKey });
    expect(new Set(lines.map((line) => line['reqId'])).size).toBe(lines.length);

    const everything = output();
    for (const secret of [
      KEYSET.secretKey,
      token,
      encodeURIComponent(token),
      'AUTH-VALUE-NEVER-LOGGED',
      'SIGNATURE-NEVER-LOGGED',
      'FORGED-NEVER-LOGGED',
      'alice-path-id',
      'signature=',
      'auth=',
    ]) {
      expect(everything, secret).not.toContain(secret);
    }
  });

  it('take a client’s plain X-Request-Id as the request id, and replace any other', async () => {
    await fetch(`${server.url}/time/0`, { headers: { 'x-request-id': 'client-42' } });
    await fetch(`${server.url}/time/0`, { headers: { 'x-request-id': 'has spaces {and braces}' } });
    await vi.waitFor(() => expect(requestLines(output()).filter((line) => line['route'] === '/time/:callback')).toHaveLength(2), { timeout: 5000 });
    const ids = requestLines(output())
      .filter((line) => line['route'] === '/time/:callback')
      .map((line) => line['reqId']);
    expect(ids[0]).toBe('client-42');
    expect(ids[1]).toMatch(/^[0-9a-f]{6}-[0-9a-z]+$/);
  });

  it('log a held long-poll when it answers, with how long it was held; a handshake was not held', async () => {
    const path = `/v2/subscribe/${KEYSET.subscribeKey}/room/0`;
    const signed = (query: Record<string, string>) => new URLSearchParams(signedQuery(query, (stamped) => signV2(KEYSET, 'GET', path, stamped))).toString();
    const handshake = (await (await fetch(`${server.url}${path}?${signed({ uuid: 'poller' })}`)).json()) as { t: { t: string } };
    const poll = await fetch(`${server.url}${path}?${signed({ uuid: 'poller', tt: handshake.t.t })}`);
    expect(poll.status).toBe(200);
    await vi.waitFor(() => expect(requestLines(output()).filter((line) => line['route'] === '/v2/subscribe/:subKey/:channels/:callback')).toHaveLength(2), {
      timeout: 5000,
    });
    const [first, held] = requestLines(output()).filter((line) => line['route'] === '/v2/subscribe/:subKey/:channels/:callback');
    expect(first).not.toHaveProperty('heldMs');
    expect(first!['bytes']).toBe(JSON.stringify(handshake).length);
    expect(held!['bytes']).toBeGreaterThan(0);
    expect(held!['heldMs']).toBeGreaterThanOrEqual(900);
    expect(held!['ms']).toBeGreaterThanOrEqual(held!['heldMs'] as number);
  });

  it('leave health checks, readiness, metrics scrapes and the OpenAPI document out at info', async () => {
    for (const path of ['/health', '/ready', '/metrics', '/openapi.json']) expect((await fetch(`${server.url}${path}`)).status).toBe(200);
    await fetch(`${server.url}/time/0`, { headers: { 'x-request-id': 'after-ops' } });
    await vi.waitFor(() => expect(requestLines(output()).some((line) => line['reqId'] === 'after-ops')).toBe(true), { timeout: 5000 });
    const routes = requestLines(output()).map((line) => line['route']);
    for (const path of ['/health', '/ready', '/metrics', '/openapi.json']) expect(routes).not.toContain(path);
  });
});

describe('log settings', () => {
  it('log the operations routes at debug', async () => {
    const server = await startServer({ args: ['--log-level', 'debug'] });
    try {
      const output = captureStdout(server);
      await fetch(`${server.url}/health`);
      await vi.waitFor(() => expect(requestLines(output()).find((line) => line['route'] === '/health')).toMatchObject({ level: 20, status: 200 }), {
        timeout: 5000,
      });
    } finally {
      await server.close();
    }
  });

  it('write readable single lines with --log-format pretty', async () => {
    const server = await startServer({ args: ['--log-format', 'pretty', '--log-level', 'info'] });
    try {
      const output = captureStdout(server);
      await fetch(`${server.url}/v2/objects/demo/uuids/nobody?auth=AUTH-VALUE-NEVER-LOGGED`);
      await vi.waitFor(() => expect(output()).toMatch(/INFO.*: GET \/v2\/objects\/:subKey\/uuids\/:id 404 [\d.]+ ms \d+ B demo [0-9a-f]{6}-\w+\n/), {
        timeout: 5000,
      });
      expect(output()).not.toContain('AUTH-VALUE-NEVER-LOGGED');
      expect(jsonLines(output())).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('say nothing per request at warn, as the test servers run', async () => {
    const server = await startServer({ args: ['--log-level', 'warn'] });
    try {
      const output = captureStdout(server);
      await fetch(`${server.url}/time/0`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(requestLines(output())).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
