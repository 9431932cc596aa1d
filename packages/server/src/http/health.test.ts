import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, useServer, type RunningServer } from '@roster/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDatabase, postgresUnavailable, titled } from '../../test/store-contract/postgres.ts';

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

describe('GET /health and GET /ready on a single node', () => {
  const server = useServer();

  it('answer 200: the process is alive, and its store answers', async () => {
    expect(await getJson(`${server.url}/health`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await getJson(`${server.url}/ready`)).toEqual({ status: 200, body: { status: 'ready', checks: { store: 'ok' } } });
  });

  it('sit outside PubNub’s namespace: other methods are a 405 in the plain envelope', async () => {
    const response = await fetch(`${server.url}/ready`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(await response.json()).toEqual({ status: 405, error: true, message: 'Use GET on this path.' });
  });
});

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const unavailable = await postgresUnavailable();

describe.skipIf(unavailable !== undefined)(titled('GET /ready on a PostgreSQL store', unavailable), () => {
  it('answers 503 naming the store once its database is gone, while /health stays 200', async () => {
    const database = await createDatabase();
    try {
      const server = await startServer({ args: ['--store', database.url] });
      servers.push(server);
      expect(await getJson(`${server.url}/ready`)).toEqual({ status: 200, body: { status: 'ready', checks: { store: 'ok' } } });
      await database.drop(); // WITH (FORCE): the node's connections are cut, and the database no longer exists
      const ready = await getJson(`${server.url}/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'unavailable', checks: { store: expect.stringMatching(/roster_test_\w+|terminat|does not exist/) } });
      expect((await getJson(`${server.url}/health`)).status).toBe(200);
    } finally {
      await database.drop();
    }
  }, 30_000);
});

const NATS_SERVER = process.env['ROSTER_TEST_NATS_SERVER'] ?? '/usr/sbin/nats-server';
const noNats = existsSync(NATS_SERVER) ? undefined : `no nats-server at ${NATS_SERVER} (set ROSTER_TEST_NATS_SERVER)`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A JetStream server of this test's own, on a free port, so it can be stopped. */
async function ownNats(): Promise<{ url: string; process: ChildProcess; remove(): void }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'roster-nats-'));
  const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
  await vi.waitFor(
    () =>
      new Promise<void>((resolve, reject) => {
        const socket = createServer().listen(port, '127.0.0.1');
        socket.once('listening', () => socket.close(() => reject(new Error('not up yet'))));
        socket.once('error', () => resolve());
      }),
    { timeout: 10_000, interval: 100 },
  );
  return {
    url: `nats://127.0.0.1:${port}`,
    process: child,
    remove: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe.skipIf(noNats !== undefined)(titled('GET /ready on a cluster node', noNats), () => {
  it('checks the bus too, and answers 503 naming it while the node has lost NATS', async () => {
    const nats = await ownNats();
    try {
      const server = await startServer({ args: ['--bus', nats.url] });
      servers.push(server);
      expect(await getJson(`${server.url}/ready`)).toEqual({ status: 200, body: { status: 'ready', checks: { store: 'ok', bus: 'ok' } } });
      nats.process.kill('SIGKILL');
      await vi.waitFor(async () => expect((await getJson(`${server.url}/ready`)).status).toBe(503), { timeout: 10_000, interval: 100 });
      expect((await getJson(`${server.url}/ready`)).body).toEqual({
        status: 'unavailable',
        checks: { store: 'ok', bus: 'the event bus is not connected (reconnecting to NATS)' },
      });
      expect((await getJson(`${server.url}/health`)).status).toBe(200);
    } finally {
      nats.remove();
    }
  }, 30_000);
});
