import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PNStatusCategory, Roster } from '../src/index.ts';
import { rejection, viaCallback } from './helpers/roster.ts';
import { pubnubLikeResponder, startRecordingServer, type RecordingServer } from './helpers/recording-server.ts';

let server: RecordingServer;

beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  server.respond(pubnubLikeResponder);
});

function client(extra: Partial<ConstructorParameters<typeof Roster>[0]> = {}): Roster {
  return new Roster({ subscribeKey: 'demo', publishKey: 'demo', userId: 'me', origin: server.url, retry: { baseDelayMs: 1 }, ...extra });
}

/** Fails the first `failures` requests with `status`, then answers normally. */
function flaky(failures: number, status: number): void {
  let seen = 0;
  server.respond((request) => {
    seen++;
    return seen <= failures ? { status, body: { status, error: { message: 'try again', source: 'objects' } } } : pubnubLikeResponder(request);
  });
}

describe('transport', () => {
  it('origin works with and without a scheme', async () => {
    await client({ origin: server.url }).time().sync();
    await client({ origin: server.origin, ssl: false }).time().sync();
    await client({ origin: `${server.url}/` })
      .time()
      .sync();
    expect(server.requests.map((request) => request.path)).toEqual(['/time/0', '/time/0', '/time/0']);
  });

  it('every request carries uuid, requestid and pnsdk', async () => {
    await client().getUUIDMetadata({ uuid: 'x' }).sync();
    const query = new URLSearchParams(server.requests[0]?.rawQuery);
    expect(query.get('uuid')).toBe('me');
    expect(query.get('pnsdk')).toMatch(/^Roster-TS\/\d+\.\d+\.\d+$/);
    expect(query.get('requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('retries idempotent calls after 5xx, with backoff', async () => {
    flaky(2, 503);
    const { result } = await client().getUUIDMetadata({ uuid: 'x' }).sync();
    expect(result.data.id).toBe('x');
    expect(server.requests).toHaveLength(3);
    // One logical request: the same requestid on every attempt.
    expect(new Set(server.requests.map((request) => new URLSearchParams(request.rawQuery).get('requestid'))).size).toBe(1);
  });

  it('gives up after the retry limit and reports the last error', async () => {
    flaky(10, 500);
    const error = await rejection(client({ retry: { limit: 1, baseDelayMs: 1 } }).getAllUUIDMetadata());
    expect(error).toMatchObject({ statusCode: 500, status: { category: PNStatusCategory.PNServerErrorCategory } });
    expect(server.requests).toHaveLength(2);
  });

  it('never retries writes or publishes', async () => {
    flaky(1, 503);
    expect(await rejection(client().setUUIDMetadata({ name: 'x' }))).toMatchObject({ statusCode: 503 });
    flaky(1, 503);
    expect(await rejection(client().publish({ channel: 'c', message: 1 }))).toMatchObject({ statusCode: 503 });
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry 4xx answers', async () => {
    flaky(1, 404);
    await rejection(client().getUUIDMetadata({ uuid: 'x' }));
    expect(server.requests).toHaveLength(1);
  });

  it('times out slow requests with PNTimeoutCategory', async () => {
    const slow: typeof fetch = (input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    const { status } = await viaCallback(client({ fetch: slow, requestTimeoutMs: 20, retry: false }).getUUIDMetadata());
    expect(status.category).toBe(PNStatusCategory.PNTimeoutCategory);
    expect(status.statusCode).toBe(0);
  });

  it('a non-JSON 2xx body is a malformed response', async () => {
    server.respond(() => ({ body: '<html>', contentType: 'text/html' }));
    expect(await rejection(client().getUUIDMetadata())).toMatchObject({ status: { category: PNStatusCategory.PNMalformedResponseCategory } });
  });

  // Not PNTimeoutCategory: the cap, not the 10 s timeout, ends the call.
  it('a body larger than the cap (64 MiB) is refused as malformed, without a retry', async () => {
    let requests = 0;
    let bytesSent = 0;
    const endless = createServer((_request, response) => {
      requests++;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = `"${'x'.repeat(64 * 1024 - 1)}`;
      const pump = () => {
        while (!response.destroyed && response.write(chunk)) bytesSent += chunk.length;
      };
      response.on('drain', pump);
      pump();
    });
    await new Promise<void>((done) => endless.listen(0, '127.0.0.1', done));
    try {
      const origin = `http://127.0.0.1:${(endless.address() as AddressInfo).port}`;
      const error = await rejection(client({ origin }).getUUIDMetadata({ uuid: 'x' }));
      expect(error).toMatchObject({ status: { category: PNStatusCategory.PNMalformedResponseCategory } });
      expect((error as { status: { errorData: { information: string } } }).status.errorData.information).toMatch(/larger than 67108864 bytes/);
      expect(requests).toBe(1);
      // The server stopped being read soon after the cap (what sockets buffer aside).
      expect(bytesSent).toBeLessThan(96 * 1024 * 1024);
    } finally {
      endless.closeAllConnections();
      endless.close();
    }
  });

  it('a JSON body reporting an error status is an error even under HTTP 200', async () => {
    server.respond(() => ({ status: 200, body: { status: 403, error: { message: 'Forbidden', source: 'objects' } } }));
    expect(await rejection(client().getUUIDMetadata())).toMatchObject({ statusCode: 403, status: { category: PNStatusCategory.PNAccessDeniedCategory } });
  });

  it('publish and time keep 17-digit timetokens exact', async () => {
    server.respond((request) => (request.path.startsWith('/time') ? { body: '[17379929965457613]' } : { body: '[1,"Sent","17379929965457617"]' }));
    const time = await client().time().sync();
    expect(time.result.timetoken).toBe('17379929965457613');
    expect(time.result.toDate().getTime()).toBe(1737992996545);
    const published = await client()
      .publish({ channel: 'c', message: { a: 1 } })
      .sync();
    expect(published.result.timetoken).toBe('17379929965457617');
  });

  it('/time is sent without auth or signature', async () => {
    const signed = client({ secretKey: 'sec', authKey: 'key' });
    await signed.time().sync();
    await signed.getUUIDMetadata().sync();
    const [time, get] = server.requests.map((request) => new URLSearchParams(request.rawQuery));
    expect(time?.has('auth') || time?.has('signature')).toBe(false);
    expect(get?.get('auth')).toBe('key');
    expect(get?.get('signature')).toMatch(/^v2\./);
  });

  it('publish needs a publish key', async () => {
    const noKey = new Roster({ subscribeKey: 'demo', userId: 'me', origin: server.url });
    expect(await rejection(noKey.publish({ channel: 'c', message: 1 }))).toMatchObject({ status: { category: PNStatusCategory.PNValidationErrorCategory } });
    expect(server.requests).toHaveLength(0);
  });

  it('the configuration needs a subscribe key and a user id', () => {
    expect(() => new Roster({ subscribeKey: '', userId: 'me' })).toThrow(TypeError);
    expect(() => new Roster({ subscribeKey: 'demo', userId: '' })).toThrow(/userId/);
  });
});
