/**
 * PubNub's real-time protocol at the HTTP level (plain fetch): time, publish, subscribe
 * long-polls, reconnection with a timetoken, presence heartbeat/leave, and bad input.
 */
import { gzipSync, deflateRawSync, deflateSync } from 'node:zlib';
import { onCluster, pollFor, startServer, useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';
import { encode } from './http.ts';

const HOLD_SECONDS = 1;
const JS_TYPE = 'text/javascript; charset="UTF-8"';

interface Envelope {
  a: string;
  f: number;
  e?: number;
  i?: string;
  p: { t: string; r: number };
  k: string;
  c: string;
  u?: unknown;
  d: any;
  cmt?: string;
  b: string;
}
interface SubscribeAnswer {
  t: { t: string; r: number };
  m: Envelope[];
}

const server = useServer({ args: ['--subscribe-hold', String(HOLD_SECONDS)] });

async function get(path: string, init?: RequestInit): Promise<{ status: number; type: string | null; body: any; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, type: response.headers.get('content-type'), body, ms: performance.now() - started };
}

const subscribePath = (channels: string[], query = '') => `/v2/subscribe/demo/${channels.map(encode).join(',')}/0?uuid=tester${query}`;

async function handshake(channels: string[]): Promise<string> {
  const reply = await get(subscribePath(channels, '&ee='));
  return (reply.body as SubscribeAnswer).t.t;
}

async function subscribe(channels: string[], tt: string, query = ''): Promise<SubscribeAnswer> {
  const reply = await get(subscribePath(channels, `&tt=${tt}&tr=1${query}`));
  expect(reply.status).toBe(200);
  return reply.body as SubscribeAnswer;
}

async function publish(channel: string, message: unknown, query = ''): Promise<string> {
  const reply = await get(`/publish/demo/demo/0/${encode(channel)}/0/${encode(JSON.stringify(message))}?uuid=pub-1${query}`);
  expect(reply.status).toBe(200);
  expect(reply.body).toEqual([1, 'Sent', expect.stringMatching(/^\d{17}$/)]);
  return (reply.body as [number, string, string])[2];
}

describe('time', () => {
  it('GET /time/0 answers [17-digit number] as text/javascript', async () => {
    const reply = await get('/time/0');
    expect(reply.status).toBe(200);
    expect(reply.type).toBe(JS_TYPE);
    const text = await (await fetch(`${server.url}/time/0`)).text();
    expect(text).toMatch(/^\[\d{17}\]$/);
  });

  it('timetokens increase strictly across publishes', async () => {
    const timetokens: bigint[] = [];
    for (let n = 0; n < 10; n++) timetokens.push(BigInt(await publish('tt-order', n)));
    for (let n = 1; n < timetokens.length; n++) expect(timetokens[n]!).toBeGreaterThan(timetokens[n - 1]!);
  });
});

describe('subscribe handshake and long-poll', () => {
  it('a handshake (no tt, or tt=0) answers at once with now and a non-zero region', async () => {
    for (const query of ['&ee=', '&tt=0']) {
      const reply = await get(subscribePath(['hs'], query));
      expect(reply.status).toBe(200);
      expect(reply.type).toBe(JS_TYPE);
      expect(reply.body).toEqual({ t: { t: expect.stringMatching(/^\d{17}$/), r: expect.any(Number) }, m: [] });
      expect((reply.body as SubscribeAnswer).t.r).not.toBe(0);
      expect(reply.ms).toBeLessThan(500);
    }
  });

  it('a poll with nothing to deliver is held for the hold time, then answers empty with a newer cursor', async () => {
    const tt = await handshake(['quiet']);
    const reply = await get(subscribePath(['quiet'], `&tt=${tt}&tr=1`));
    expect(reply.ms).toBeGreaterThan(HOLD_SECONDS * 1000 - 100);
    expect(reply.ms).toBeLessThan(HOLD_SECONDS * 1000 + 1500);
    const answer = reply.body as SubscribeAnswer;
    expect(answer.m).toEqual([]);
    expect(BigInt(answer.t.t)).toBeGreaterThanOrEqual(BigInt(tt));
  });

  it('a held poll answers as soon as a message is published, with the envelope fields PubNub sends', async () => {
    const tt = await handshake(['live']);
    const pending = get(subscribePath(['live'], `&tt=${tt}&tr=1`));
    await new Promise((done) => setTimeout(done, 100));
    const started = performance.now();
    const timetoken = await publish('live', { hello: 'world' }, `&meta=${encode('{"x":1}')}&custom_message_type=greeting&store=0&ttl=5&norep=true`);
    const reply = await pending;
    expect(performance.now() - started).toBeLessThan(500);
    expect(reply.body).toEqual({
      t: { t: timetoken, r: expect.any(Number) },
      m: [
        {
          a: expect.any(String),
          f: 0,
          i: 'pub-1',
          p: { t: timetoken, r: expect.any(Number) },
          k: 'demo',
          c: 'live',
          u: { x: 1 },
          d: { hello: 'world' },
          cmt: 'greeting',
          b: 'live',
        },
      ],
    });
  });

  it('delivers App Context events with e: 2 and the event as d', async () => {
    const tt = await handshake(['evt-user']);
    const pending = subscribe(['evt-user'], tt);
    await fetch(`${server.url}/v2/objects/demo/uuids/evt-user`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"name":"E"}' });
    const answer = await pending;
    expect(answer.m).toHaveLength(1);
    expect(answer.m[0]).toMatchObject({
      e: 2,
      k: 'demo',
      c: 'evt-user',
      b: 'evt-user',
      d: { source: 'objects', version: '2.0', event: 'set', type: 'uuid', data: { id: 'evt-user', name: 'E' } },
    });
    expect(answer.m[0]!.i).toBeUndefined();
  });

  it('delivers in order on several channels, nothing before the timetoken, nothing twice', async () => {
    const before = await publish('multi-a', 'before');
    const published: string[] = [];
    for (let n = 0; n < 12; n++) {
      await publish(n % 3 === 0 ? 'multi-b' : 'multi-a', n);
      published.push(String(n));
    }
    // On a cluster the answer may stop short of what the node's feed has not handed over yet; the next poll goes on.
    const answer = await pollFor((tt) => subscribe(['multi-a', 'multi-b'], tt), before, 12);
    expect(answer.m.map((m) => String(m.d))).toEqual(published);
    expect(answer.m.map((m) => m.p.t)).toEqual([...answer.m.map((m) => m.p.t)].sort());
    expect(answer.t.t).toBe(answer.m.at(-1)!.p.t);
  });

  it('a client that reconnects with its last timetoken misses nothing and gets nothing twice', async () => {
    let cursor = await handshake(['reconnect']);
    const received: number[] = [];
    for (let n = 0; n < 5; n++) await publish('reconnect', n);
    let answer = await pollFor((tt) => subscribe(['reconnect'], tt), cursor, 5);
    received.push(...answer.m.map((m) => m.d as number));
    cursor = answer.t.t;
    // Offline for a while: more messages, then a poll with the last cursor.
    for (let n = 5; n < 10; n++) await publish('reconnect', n);
    answer = await pollFor((tt) => subscribe(['reconnect'], tt), cursor, 5);
    received.push(...answer.m.map((m) => m.d as number));
    cursor = answer.t.t;
    // The same cursor again (a retried request) gets the same batch, and the next cursor nothing new.
    const retried = await pollFor((tt) => subscribe(['reconnect'], tt), answer.m[0] ? String(BigInt(answer.m[0].p.t) - 1n) : cursor, 5);
    expect(retried.m.map((m) => m.d)).toEqual([5, 6, 7, 8, 9]);
    const pending = subscribe(['reconnect'], cursor);
    await publish('reconnect', 10);
    received.push(...(await pending).m.map((m) => m.d as number));
    expect(received).toEqual([...Array(11).keys()]);
  });

  it('decodes each channel name of the list on its own (an encoded comma or slash is part of a name)', async () => {
    const names = ['c/d', 'e f', 'g%h', 'ü'];
    const tt = await handshake([...names, 'a,b']);
    for (const name of [...names, 'a', 'b']) await publish(name, name);
    const answer = await pollFor((cursor) => subscribe([...names, 'a,b'], cursor), tt, names.length);
    expect(answer.m.map((m) => [m.c, m.b, m.d])).toEqual(names.map((name) => [name, name, name]));
  });

  it('applies filter-expr to meta', async () => {
    const tt = await handshake(['filtered']);
    await publish('filtered', 'low', `&meta=${encode('{"level":1}')}`);
    await publish('filtered', 'high', `&meta=${encode('{"level":9}')}`);
    const answer = await subscribe(['filtered'], tt, `&filter-expr=${encode('meta.level > 5')}`);
    expect(answer.m.map((m) => m.d)).toEqual(['high']);
  });
});

describe('publish by POST', () => {
  const message = { text: 'compressed', n: [1, 2, 3] };
  const bodies: [string, Buffer, Record<string, string>][] = [
    ['plain JSON', Buffer.from(JSON.stringify(message)), { 'content-type': 'application/json' }],
    ['JS: zlib as deflate', deflateSync(JSON.stringify(message)), { 'content-type': 'application/json', 'content-encoding': 'deflate' }],
    ['Python: zlib while saying gzip', deflateSync(JSON.stringify(message), { level: 2 }), { 'content-encoding': 'gzip' }],
    ['a real gzip stream', gzipSync(JSON.stringify(message)), { 'content-encoding': 'gzip' }],
    ['raw deflate', deflateRawSync(JSON.stringify(message)), { 'content-encoding': 'deflate' }],
    ['no Content-Type', Buffer.from(JSON.stringify(message)), {}],
  ];

  it.each(bodies)('%s', async (_name, body, headers) => {
    const channel = `post-${_name.replace(/\W+/g, '-')}`;
    const tt = await handshake([channel]);
    const reply = await get(`/publish/demo/demo/0/${channel}/0?uuid=poster`, { method: 'POST', body: new Uint8Array(body), headers });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual([1, 'Sent', expect.stringMatching(/^\d{17}$/)]);
    const answer = await pollFor((cursor) => subscribe([channel], cursor), tt, 1);
    expect(answer.m.map((m) => m.d)).toEqual([message]);
  });
});

describe('presence heartbeat and leave (presence itself: presence.test.ts)', () => {
  it('answers heartbeat and leave as PubNub does', async () => {
    const heartbeat = await get('/v2/presence/sub-key/demo/channel/a,b/heartbeat?heartbeat=300&uuid=u1');
    expect(heartbeat).toMatchObject({ status: 200, type: JS_TYPE, body: { status: 200, message: 'OK', service: 'Presence' } });
    const leave = await get('/v2/presence/sub-key/demo/channel/a/leave?uuid=u1');
    expect(leave).toMatchObject({ status: 200, body: { status: 200, message: 'OK', action: 'leave', service: 'Presence' } });
  });
});

describe('bad input: a 4xx with a JSON body, never a 5xx', () => {
  const big = 'x'.repeat(33 * 1024);
  const cases: [string, string, RequestInit | undefined, number][] = [
    ['unknown subscribe key (subscribe)', '/v2/subscribe/nope/a/0?tt=0', undefined, 400],
    ['unknown subscribe key (publish)', '/publish/demo/nope/0/a/0/1', undefined, 400],
    ['wrong publish key', '/publish/other/demo/0/a/0/1', undefined, 400],
    ['unknown subscribe key (presence)', '/v2/presence/sub-key/nope/channel/a/leave', undefined, 400],
    ['empty name in the channel list', '/v2/subscribe/demo/a,,b/0?tt=1', undefined, 400],
    ['trailing comma in the channel list', '/v2/subscribe/demo/a,/0?tt=1', undefined, 400],
    ['only a comma and no channel group', '/v2/subscribe/demo/,/0', undefined, 400],
    ['a malformed escape in a channel name', '/v2/subscribe/demo/a%zz/0', undefined, 400],
    ['a channel name over 92 characters', `/v2/subscribe/demo/${'c'.repeat(93)}/0`, undefined, 400],
    ['a channel group that holds no channel', '/v2/subscribe/demo/,/0?channel-group=g1', undefined, 400],
    ['wildcard subscribe', '/v2/subscribe/demo/news.*/0', undefined, 400],
    ['a non-numeric tt', '/v2/subscribe/demo/a/0?tt=yesterday', undefined, 400],
    ['a malformed filter-expr', `/v2/subscribe/demo/a/0?tt=1&filter-expr=${encode('meta.a ==')}`, undefined, 400],
    ['publish: invalid JSON', `/publish/demo/demo/0/a/0/${encode('{nope')}`, undefined, 400],
    ['publish: empty message (POST)', '/publish/demo/demo/0/a/0', { method: 'POST', body: '' }, 400],
    ['publish: invalid meta', `/publish/demo/demo/0/a/0/1?meta=${encode('[1]')}`, undefined, 400],
    ['publish: a comma in the channel', '/publish/demo/demo/0/a%2Cb/0/1', undefined, 400],
    ['publish: a presence channel (a forged presence event)', '/publish/demo/demo/0/room-pnpres/0/%7B%22action%22%3A%22join%22%7D', undefined, 400],
    ['signal: a presence channel', '/signal/demo/demo/0/room-pnpres/0/1', undefined, 400],
    ['publish: bad custom_message_type', '/publish/demo/demo/0/a/0/1?custom_message_type=pn-x', undefined, 400],
    ['publish: a message nested 5,000 deep (GET)', `/publish/demo/demo/0/a/0/${'['.repeat(5000)}${']'.repeat(5000)}`, undefined, 400],
    ['publish: a message nested 16,000 deep (POST)', '/publish/demo/demo/0/a/0', { method: 'POST', body: `${'['.repeat(16_000)}${']'.repeat(16_000)}` }, 400],
    ['publish: meta nested 5,000 deep', `/publish/demo/demo/0/a/0/1?meta=${encode(`{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`)}`, undefined, 400],
    [
      'publish: oversize message (POST)',
      '/publish/demo/demo/0/a/0',
      { method: 'POST', body: JSON.stringify(big), headers: { 'content-type': 'application/json' } },
      413,
    ],
    [
      'publish: oversize message (deflated POST)',
      '/publish/demo/demo/0/a/0',
      { method: 'POST', body: deflateSync(JSON.stringify(big)), headers: { 'content-encoding': 'deflate' } },
      413,
    ],
    ['publish: oversize message (GET)', `/publish/demo/demo/0/a/0/${encode(JSON.stringify(big))}`, undefined, 414],
    ['publish: garbage as deflate', '/publish/demo/demo/0/a/0', { method: 'POST', body: 'not deflated', headers: { 'content-encoding': 'deflate' } }, 400],
    ['publish: unknown Content-Encoding', '/publish/demo/demo/0/a/0', { method: 'POST', body: '1', headers: { 'content-encoding': 'br' } }, 415],
    ['presence: global here-now (no channel)', '/v2/presence/sub-key/demo', undefined, 400],
    ['presence: heartbeat without a uuid', '/v2/presence/sub-key/demo/channel/a/heartbeat', undefined, 400],
  ];

  it.each(cases)('%s', async (_name, path, init, status) => {
    const reply = await get(path, init);
    expect(reply.status).toBe(status);
    expect(reply.type ?? '').toMatch(/json|javascript/);
    expect(typeof reply.body).not.toBe('string');
  });

  it('a malformed filter-expr is refused as a list filter is: what broke, at a 0-based position', async () => {
    const reply = await get(`/v2/subscribe/demo/a/0?tt=1&filter-expr=${encode('meta.a ==')}`);
    expect(reply.body).toEqual({
      message: "Invalid filter expression: Expected a field or a value after '==' at position 9, found the end of the filter-expr.",
      error: true,
      service: 'Subscribe',
      status: 400,
    });
  });

  it('publish errors use the publish envelope [0, message]', async () => {
    const reply = await get(`/publish/demo/demo/0/a/0/${encode('{nope')}`);
    expect(reply.body).toEqual([0, 'Invalid JSON', expect.any(String)]);
    const large = await get('/publish/demo/demo/0/a/0', { method: 'POST', body: JSON.stringify(big) });
    expect(large.body).toEqual([0, 'Message Too Large', expect.any(String)]);
  });

  it('takes messages nested up to the depth limit, and refuses deeper ones', async () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect((await get('/publish/demo/demo/0/a/0', { method: 'POST', body: nested(1000) })).status).toBe(200);
    const deeper = await get('/publish/demo/demo/0/a/0', { method: 'POST', body: nested(1001) });
    expect(deeper.body).toEqual([0, 'Invalid JSON', 'message nests arrays and objects deeper than 1000 levels.']);
  });

  it('subscribe errors use the subscribe envelope', async () => {
    const reply = await get('/v2/subscribe/demo/,/0?channel-group=g1');
    expect(reply.body).toEqual({ message: 'Channel group or groups result in empty subscription set', error: true, service: 'Subscribe', status: 400 });
  });
});

describe('Access Manager on publish and subscribe', () => {
  const locked = useServer({ keysets: [{ publishKey: 'pub-locked', subscribeKey: 'sub-locked', secretKey: 'sec-locked', accessManager: true }] });

  it('refuses a subscribe without a token, naming the channels, in Access Manager’s shape', async () => {
    const response = await fetch(`${locked.url}/v2/subscribe/sub-locked/a,b/0?uuid=u1`);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Forbidden', payload: { channels: ['a', 'b'] }, error: true, service: 'Access Manager', status: 403 });
  });

  it('refuses a publish without a token', async () => {
    const response = await fetch(`${locked.url}/publish/pub-locked/sub-locked/0/a/0/1?uuid=u1`);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: true, service: 'Access Manager', status: 403 });
  });
});

// On a cluster a subscriber catches up from JetStream's retention, not from the node's logs alone: what the budget drops there is still served.
describe.skipIf(onCluster)('channel logs share a node-wide budget (--channel-log-mib)', () => {
  it('drops the logs of the channels written to longest ago, and keeps the newest', async () => {
    const small = await startServer({ args: ['--subscribe-hold', '1', '--channel-log-mib', '1'] });
    try {
      const poll = async (channel: string, tt: string) =>
        ((await (await fetch(`${small.url}/v2/subscribe/demo/${channel}/0?uuid=t&tt=${tt}&tr=1`)).json()) as SubscribeAnswer).m;
      const start = ((await (await fetch(`${small.url}/v2/subscribe/demo/room-0/0?uuid=t`)).json()) as SubscribeAnswer).t.t;
      const bulky = JSON.stringify({ text: 'x'.repeat(30_000) });
      for (let n = 0; n < 40; n++) {
        const reply = await fetch(`${small.url}/publish/demo/demo/0/room-${n}/0?uuid=p`, {
          method: 'POST',
          body: bulky,
          headers: { 'content-type': 'application/json' },
        });
        expect(reply.status).toBe(200);
      }
      expect(await poll('room-0', start)).toEqual([]); // 40 × 30 KB is past 1 MiB: the oldest log went
      expect((await poll('room-39', start)).map((m) => m.c)).toEqual(['room-39']);
    } finally {
      await small.close();
    }
  });
});
