import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { startServer, type RunningServer, type StartOptions } from '@roster/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';

// Request limits per client and per keyset (--rate-limit-*), answered with a 429 in each service's
// envelope and a Retry-After; counts kept in the node or shared through Redis (127.0.0.1:6379).

const REDIS_PORT = 6379;

/** Why the Redis tests cannot run, or undefined when a Redis answers PING on 127.0.0.1:6379. */
function redisUnavailable(): Promise<string | undefined> {
  return new Promise((done) => {
    const socket = connect(REDIS_PORT, '127.0.0.1');
    const give = (reason: string | undefined) => {
      socket.destroy();
      done(reason);
    };
    socket.setTimeout(2000, () => give('no Redis answers on 127.0.0.1:6379'));
    socket.once('error', () => give('no Redis on 127.0.0.1:6379'));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => give(data.toString().startsWith('+PONG') ? undefined : 'the server on 127.0.0.1:6379 is not a Redis'));
  });
}
const noRedis = await redisUnavailable();

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** One node (an in-process bus keeps a cluster test target from making two) with `args`. */
async function node(args: string[], options: StartOptions = {}): Promise<RunningServer> {
  const server = await startServer({ ...options, args: ['--bus', 'in-process', ...args] });
  servers.push(server);
  return server;
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function get(base: string, path: string, uuid?: string): Promise<Answer> {
  const url = new URL(path, base);
  if (uuid !== undefined) url.searchParams.set('uuid', uuid);
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

/** A read of a user that does not exist: a 404 when not limited. */
const readUser = (base: string, uuid?: string, subKey = 'demo') => get(base, `/v2/objects/${subKey}/uuids/nobody`, uuid);

function expectRetryAfter(answer: Answer, windowSeconds: number): void {
  const retryAfter = answer.headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(windowSeconds);
}

const CLIENT_LIMIT = /^Too many requests from this client for this subscribe key \(at most 3 in 60 seconds\); retry after \d+ s\.$/;

describe('rate limits', { timeout: 120_000 }, () => {
  it('are off by default: many requests from one client all answer', async () => {
    const server = await node([]);
    const answers = await Promise.all(Array.from({ length: 60 }, () => readUser(server.url, 'me')));
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 60 }, () => 404));
    expect(answers.some((answer) => answer.headers.has('retry-after'))).toBe(false);
  });

  it('answer the request over a client’s limit with 429 in the service’s envelope and Retry-After; other clients go on', async () => {
    const server = await node(['--rate-limit-per-client', '3', '--rate-limit-window', '60']);
    for (let i = 0; i < 3; i++) expect((await readUser(server.url, 'me')).status).toBe(404);

    const limited = await readUser(server.url, 'me');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ status: 429, error: { message: expect.stringMatching(CLIENT_LIMIT), source: 'objects' } });
    expectRetryAfter(limited, 60);
    expect(limited.headers.get('access-control-allow-origin')).toBe('*');

    // Publish and subscribe answer in their own shapes; the count is the client's on the keyset.
    const publish = await get(server.url, '/publish/demo/demo/0/room/0/%22hi%22', 'me');
    expect(publish.status).toBe(429);
    expect(publish.body).toEqual([0, expect.stringMatching(CLIENT_LIMIT)]);
    expectRetryAfter(publish, 60);
    const subscribe = await get(server.url, '/v2/subscribe/demo/room/0', 'me');
    expect(subscribe.status).toBe(429);
    expect(subscribe.body).toEqual({ status: 429, error: true, service: 'Subscribe', message: expect.stringMatching(CLIENT_LIMIT) });

    // Another uuid, and a client known only by its address, count on their own.
    expect((await readUser(server.url, 'someone-else')).status).toBe(404);
    for (let i = 0; i < 3; i++) expect((await readUser(server.url)).status).toBe(404);
    expect((await readUser(server.url)).status).toBe(429);

    // What names no keyset is never limited.
    expect((await get(server.url, '/time/0', 'me')).status).toBe(200);
    expect((await get(server.url, '/health')).status).toBe(200);
    expect((await get(server.url, '/ready')).status).toBe(200);
  });

  it('limit all clients of a keyset together with the keyset’s rateLimit, which overrides the node’s', async () => {
    const server = await node(['--rate-limit-per-client', '2', '--rate-limit-window', '60'], {
      keysets: [
        { publishKey: 'pub-a', subscribeKey: 'sub-a', rateLimit: { perKeyset: 4 } },
        { publishKey: 'pub-b', subscribeKey: 'sub-b', rateLimit: { perClient: 0 } },
      ],
    });
    for (const uuid of ['u1', 'u2', 'u3', 'u4']) expect((await readUser(server.url, uuid, 'sub-a')).status).toBe(404);
    const limited = await readUser(server.url, 'u5', 'sub-a');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      status: 429,
      error: {
        message: expect.stringMatching(/^Too many requests for this subscribe key, from all its clients together \(at most 4 in 60 seconds\)/),
        source: 'objects',
      },
    });
    expectRetryAfter(limited, 60);
    // The node's per-client limit still holds on sub-a; sub-b turned it off.
    const answers = await Promise.all(Array.from({ length: 10 }, () => readUser(server.url, 'me', 'sub-b')));
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 10 }, () => 404));
  });

  it('refuse a keyset rateLimit that is not a count, as any bad config value', async () => {
    await expect(node([], { keysets: [{ publishKey: 'p', subscribeKey: 's', rateLimit: { perClient: -1 } }] })).rejects.toThrow(
      /keysets\[0\]\.rateLimit\.perClient: expected an integer of at least 0, got -1/,
    );
  });
});

describe.skipIf(noRedis !== undefined)(`rate limits shared through Redis${noRedis === undefined ? '' : ` (skipped: ${noRedis})`}`, { timeout: 120_000 }, () => {
  /** A key prefix of this test run alone, so runs and other users of the Redis never share counts. */
  const store = (port = REDIS_PORT) => `redis://127.0.0.1:${port}?prefix=roster-test-${randomUUID()}:`;

  it('count a client’s requests across the nodes that share the Redis', async () => {
    const shared = store();
    const args = ['--rate-limit-per-client', '3', '--rate-limit-window', '60', '--rate-limit-store', shared];
    const [one, two] = await Promise.all([node(args), node(args)]);
    const statuses = [];
    for (const server of [one!, two!, one!]) statuses.push((await readUser(server.url, 'me')).status);
    expect(statuses).toEqual([404, 404, 404]);
    const limited = await readUser(two!.url, 'me');
    expect(limited.status).toBe(429);
    expectRetryAfter(limited, 60);
    expect((await readUser(one!.url, 'me')).status).toBe(429);
    expect((await readUser(one!.url, 'other')).status).toBe(404);
  });

  it('count a client by a short key however long its uuid, so counters cannot fill the memory of Redis or the node', async () => {
    const prefix = `roster-test-${randomUUID()}:`;
    const server = await node([
      '--rate-limit-per-client',
      '2',
      '--rate-limit-window',
      '60',
      '--rate-limit-store',
      `redis://127.0.0.1:${REDIS_PORT}?prefix=${prefix}`,
    ]);
    const long = 'u'.repeat(20_000);
    expect((await readUser(server.url, `${long}1`)).status).toBe(404);
    expect((await readUser(server.url, `${long}1`)).status).toBe(404);
    expect((await readUser(server.url, `${long}1`)).status).toBe(429);
    expect((await readUser(server.url, `${long}2`)).status).toBe(404);
    const redis = new Redis({ host: '127.0.0.1', port: REDIS_PORT, lazyConnect: true });
    try {
      await redis.connect();
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThanOrEqual(2);
      for (const key of keys) expect(key.length).toBeLessThan(300);
    } finally {
      redis.disconnect();
    }
  });

  it('stop a node from starting when its Redis cannot be reached, naming the setting', async () => {
    const closed = await freePort();
    await expect(node(['--rate-limit-per-client', '3', '--rate-limit-store', `redis://127.0.0.1:${closed}`])).rejects.toThrow(
      `Cannot reach the rate-limit Redis at 127.0.0.1:${closed}: connect ECONNREFUSED 127.0.0.1:${closed} (set by --rate-limit-store / ROSTER_RATE_LIMIT_STORE / "rateLimitStore" in the config file)`,
    );
  });

  it('let requests through, unlimited, while the Redis is lost (no 5xx)', async () => {
    const proxy = await tcpProxy(REDIS_PORT);
    try {
      const server = await node(['--rate-limit-per-client', '2', '--rate-limit-window', '60', '--rate-limit-store', store(proxy.port)]);
      expect((await readUser(server.url, 'me')).status).toBe(404);
      expect((await readUser(server.url, 'me')).status).toBe(404);
      expect((await readUser(server.url, 'me')).status).toBe(429);
      await proxy.close();
      const answers = await Promise.all(Array.from({ length: 5 }, () => readUser(server.url, 'me')));
      expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404]);
    } finally {
      await proxy.close();
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** A TCP relay to a local port that can be cut: `close()` refuses new connections and drops the open ones, as a lost Redis would. */
async function tcpProxy(target: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  let closed: Promise<void> | undefined;
  return {
    port,
    close: () =>
      (closed ??= new Promise<void>((done) => {
        server.close(() => done());
        for (const socket of sockets) socket.destroy();
      })),
  };
}
