import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchOnce, type Attempt } from './fetch-once.ts';
import { MAX_RESPONSE_BYTES, MAX_SUBSCRIBE_RESPONSE_BYTES, ResponseTooLarge } from './read-body.ts';

const CAP = 64 * 1024;
const KIB = 'x'.repeat(1024);

/** What the server does with a request, by path. */
const routes: Record<string, (response: ServerResponse) => void> = {
  /** A JSON string of exactly `CAP` bytes, sent in 1 KiB chunks without a Content-Length. */
  '/at-cap': (response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.write(`"${KIB.slice(1)}`);
    for (let i = 1; i < CAP / 1024 - 1; i++) response.write(KIB);
    response.end(`${KIB.slice(1)}"`);
  },
  /** 1 KiB chunks for as long as the client reads: a body with no end. */
  '/endless': (response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    const pump = () => {
      while (!response.destroyed && response.write(KIB));
    };
    response.on('drain', pump);
    pump();
  },
  /** Declares 10 GiB, sends 1 KiB and then nothing. */
  '/declares-too-much': (response) => {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(10 * 1024 ** 3) });
    response.write(KIB);
  },
  /** Headers at once, then one byte every 20 ms, never ending. */
  '/trickle': (response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    const timer = setInterval(() => response.write(' '), 20);
    response.on('close', () => clearInterval(timer));
  },
};

let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((request, response) => routes[request.url ?? '']?.(response));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

function get(path: string, extra: Partial<Attempt> = {}): ReturnType<typeof fetchOnce> {
  return fetchOnce((input, init) => fetch(input, init), {
    method: 'GET',
    url: `${origin}${path}`,
    headers: {},
    body: undefined,
    timeoutMs: 5000,
    signal: undefined,
    maxBodyBytes: CAP,
    ...extra,
  });
}

describe('fetchOnce reading the body', () => {
  it('reads a body of exactly the cap', async () => {
    const outcome = await get('/at-cap');
    expect(outcome.ok && outcome.response.text.length).toBe(CAP);
  });

  it('stops reading a body that passes the cap and fails with too-large', async () => {
    const started = Date.now();
    const outcome = await get('/endless');
    expect(outcome).toMatchObject({ ok: false, failure: 'too-large' });
    expect(!outcome.ok && outcome.cause).toBeInstanceOf(ResponseTooLarge);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a Content-Length above the cap without waiting for the body', async () => {
    const outcome = await get('/declares-too-much');
    expect(outcome).toMatchObject({ ok: false, failure: 'too-large' });
  });

  it('keeps the timeout running while the body arrives', async () => {
    const started = Date.now();
    const outcome = await get('/trickle', { timeoutMs: 200 });
    expect(outcome).toMatchObject({ ok: false, failure: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('the caps', () => {
  it('leave room for the largest documented answers: here-now of 100,000 uuids, a long-poll of 100 envelopes of 32 KiB', () => {
    expect(MAX_RESPONSE_BYTES).toBeGreaterThan(100_000 * (92 * 4 + 3));
    expect(MAX_SUBSCRIBE_RESPONSE_BYTES).toBeGreaterThan(100 * (32 * 1024 + 512));
  });
});
