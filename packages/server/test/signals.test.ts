/**
 * Signals (`GET /signal/…`, delivered with `e: 1`) over raw HTTP and through the official PubNub
 * JavaScript SDK, and message action events (`e: 3`) reaching the SDK's `messageAction` listener
 * from another node of a cluster (a hub on the same NATS stream: the action routes are not here).
 */
import PubNub from 'pubnub';
import { pollFor, startServer, useServer, type RunningServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealtimeHub } from '../src/realtime/hub.ts';
import { NatsBus } from '../src/realtime/nats/nats-bus.ts';
import { encode, statusOf } from './http.ts';
import { NATS_URL, natsUnavailable, TestStreams } from './nats.ts';

const JS_TYPE = 'text/javascript; charset="UTF-8"';

interface Envelope {
  a: string;
  f: number;
  e?: number;
  i?: string;
  p: { t: string; r: number };
  k: string;
  c: string;
  d: any;
  cmt?: string;
  b: string;
}
interface SubscribeAnswer {
  t: { t: string; r: number };
  m: Envelope[];
}

const server = useServer({ args: ['--subscribe-hold', '2'] });
const clients: PubNub[] = [];
afterAll(() => {
  for (const pubnub of clients) pubnub.destroy();
});

async function get(path: string, base = server.url): Promise<{ status: number; type: string | null; body: any }> {
  const response = await fetch(`${base}${path}`);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, type: response.headers.get('content-type'), body };
}

const signalPath = (channel: string, payloadText: string, query = '') => `/signal/demo/demo/0/${encode(channel)}/0/${encode(payloadText)}?uuid=alice${query}`;

async function handshake(channel: string, query = ''): Promise<string> {
  return ((await get(`/v2/subscribe/demo/${encode(channel)}/0?uuid=listener${query}`)).body as SubscribeAnswer).t.t;
}

async function subscribe(channel: string, tt: string, query = ''): Promise<SubscribeAnswer> {
  const reply = await get(`/v2/subscribe/demo/${encode(channel)}/0?uuid=listener&tt=${tt}&tr=1${query}`);
  expect(reply.status).toBe(200);
  return reply.body as SubscribeAnswer;
}

async function until<T>(read: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

function client(
  origin: string,
  userId: string,
  keys: { publishKey: string; subscribeKey: string; secretKey?: string } = { publishKey: 'demo', subscribeKey: 'demo' },
) {
  const pubnub = new PubNub({ ...keys, userId, origin, ssl: false, logVerbosity: false });
  clients.push(pubnub);
  return pubnub;
}

describe('GET /signal over HTTP', () => {
  it('answers [1,"Sent",timetoken] as text/javascript, and subscribers get an e: 1 envelope with it', async () => {
    const tt = await handshake('sig-raw');
    const reply = await get(signalPath('sig-raw', '{"type":"typing","value":true}', '&custom_message_type=typing-sig'));
    expect(reply.status).toBe(200);
    expect(reply.type).toBe(JS_TYPE);
    expect(reply.body).toEqual([1, 'Sent', expect.stringMatching(/^\d{17}$/)]);
    const timetoken = (reply.body as [number, string, string])[2];
    const answer = await subscribe('sig-raw', tt);
    expect(answer.m).toEqual([
      {
        a: expect.any(String),
        f: 0,
        e: 1,
        i: 'alice',
        p: { t: timetoken, r: expect.any(Number) },
        k: 'demo',
        c: 'sig-raw',
        d: { type: 'typing', value: true },
        cmt: 'typing-sig',
        b: 'sig-raw',
      },
    ]);
    expect(answer.t.t).toBe(timetoken);
  });

  it('delivers the payload as sent, with no cmt when none is given, in order with messages', async () => {
    const tt = await handshake('sig-mixed');
    expect((await get(`/publish/demo/demo/0/sig-mixed/0/${encode('"before"')}?uuid=bob`)).status).toBe(200);
    const sent = await get(signalPath('sig-mixed', '{"n": 1.50}'));
    expect(sent.status).toBe(200);
    const answer = await pollFor((cursor) => subscribe('sig-mixed', cursor), tt, 2);
    expect(answer.m.map((m) => [m.e, m.d])).toEqual([
      [undefined, 'before'],
      [1, { n: 1.5 }],
    ]);
    expect(answer.m[1]).not.toHaveProperty('cmt');
    const text = await (await fetch(`${server.url}/v2/subscribe/demo/sig-mixed/0?uuid=listener&tt=${tt}&tr=1`)).text();
    expect(text).toContain('"d":{"n": 1.50}');
  });

  it('never stores a signal: history has the channel’s messages only', async () => {
    expect((await get(`/publish/demo/demo/0/sig-history/0/${encode('"stored"')}?uuid=bob`)).status).toBe(200);
    expect((await get(signalPath('sig-history', '"not stored"'))).status).toBe(200);
    expect((await get(`/publish/demo/demo/0/sig-history/0/${encode('"stored too"')}?uuid=bob`)).status).toBe(200);
    const history = async () =>
      ((await get('/v3/history/sub-key/demo/channel/sig-history?max=100')).body as { channels?: Record<string, { message: unknown }[]> }).channels;
    const stored = await until(async () => {
      const messages = (await history())?.['sig-history'] ?? [];
      return messages.length >= 2 ? messages : undefined;
    }, 'the messages in history');
    expect(stored.map((item) => item.message)).toEqual(['stored', 'stored too']);
  });

  it('applies a subscribe filter to signals as to messages', async () => {
    const filter = `&filter-expr=${encode('data.type == "receipt"')}`;
    const tt = await handshake('sig-filtered', filter);
    await get(signalPath('sig-filtered', '{"type":"typing"}'));
    await get(signalPath('sig-filtered', '{"type":"receipt","messageTimetoken":"1"}'));
    const answer = await subscribe('sig-filtered', tt, filter);
    expect(answer.m.map((m) => m.d)).toEqual([{ type: 'receipt', messageTimetoken: '1' }]);
  });

  it('takes payloads of up to 64 bytes of UTF-8 JSON, and refuses a larger one as PubNub does, naming the message', async () => {
    const exactly = JSON.stringify('x'.repeat(62));
    expect((await get(signalPath('sig-size', exactly))).status).toBe(200);
    const accented = JSON.stringify('é'.repeat(31)); // 31 characters but 64 bytes
    expect((await get(signalPath('sig-size', accented))).status).toBe(200);
    for (const over of [JSON.stringify('x'.repeat(63)), JSON.stringify('é'.repeat(32)), JSON.stringify({ text: 'y'.repeat(200) })]) {
      const reply = await get(signalPath('sig-size', over));
      expect(reply.status, over).toBe(400);
      expect(reply.type).toBe(JS_TYPE);
      expect(reply.body).toEqual([0, 'Signal size too large', expect.stringMatching(/message is \d+ bytes; at most 64/)]);
    }
  });

  it('refuses malformed signals with a 4xx in the publish envelope naming what is wrong, and never a 5xx', async () => {
    const refusals: [string, number, RegExp][] = [
      [signalPath('sig-bad', '{"a":'), 400, /message is not valid JSON/],
      [signalPath('sig-bad', ' '), 400, /message is empty/],
      ['/signal/demo/demo/0/sig-bad/0/', 400, /message is empty/],
      ['/signal/demo/demo/0/sig-bad/0/%E0%A4%A', 400, /percent-encoded/],
      [signalPath('a,b', '1'), 400, /comma/],
      [signalPath('sig-bad', '1', '&custom_message_type=pn-x'), 400, /custom_message_type/],
      ['/signal/demo/demo/0/sig-bad/0/1?uuid=%01', 400, /uuid/],
      ['/signal/nope/demo/0/sig-bad/0/1', 400, /publish key/i],
      ['/signal/demo/nope/0/sig-bad/0/1', 400, /subscribe key/i],
    ];
    for (const [path, status, text] of refusals) {
      const reply = await get(path);
      expect(reply.status, path).toBe(status);
      expect(JSON.stringify(reply.body), path).toMatch(text);
    }
    // PubNub gives signals no POST form: a POST finds no route.
    const posted = await fetch(`${server.url}/signal/demo/demo/0/sig-bad/0`, { method: 'POST', body: '1', headers: { 'content-type': 'application/json' } });
    expect(posted.status).toBe(404);
    expect(await posted.json()).toEqual([0, 'Not found: POST /signal/demo/demo/0/sig-bad/0']);
  });
});

describe('signals through the official SDK', () => {
  it('pubnub.signal resolves with a timetoken, and a subscribed client’s signal listener gets it', async () => {
    const listener = client(server.origin, 'listener');
    const signals: { channel: string; subscription: string | null; timetoken: string; publisher: string; message: unknown; customMessageType?: string }[] = [];
    const statuses: string[] = [];
    listener.addListener({
      signal: (event) => signals.push(event as (typeof signals)[number]),
      message: () => signals.push({ channel: 'wrong listener', subscription: null, timetoken: '', publisher: '', message: undefined }),
      status: (status) => statuses.push(String(status.category)),
    });
    listener.subscribe({ channels: ['sdk-signals'] });
    await until(() => (statuses.includes('PNConnectedCategory') ? true : undefined), 'the subscription to connect');

    const sender = client(server.origin, 'alice');
    const sent = await sender.signal({ channel: 'sdk-signals', message: { type: 'typing', value: true } });
    expect(sent.timetoken).toMatch(/^\d{17}$/);
    const typed = await sender.signal({ channel: 'sdk-signals', message: 'hi', customMessageType: 'typing-sig' });
    await until(() => (signals.length >= 2 ? true : undefined), 'two signals');
    expect(signals).toEqual([
      { channel: 'sdk-signals', subscription: 'sdk-signals', timetoken: sent.timetoken, publisher: 'alice', message: { type: 'typing', value: true } },
      { channel: 'sdk-signals', subscription: 'sdk-signals', timetoken: typed.timetoken, publisher: 'alice', message: 'hi', customMessageType: 'typing-sig' },
    ]);
  });

  it('rejects an oversize signal with PubNub’s 400', async () => {
    const sender = client(server.origin, 'alice');
    const refused = await sender.signal({ channel: 'sdk-signals', message: { text: 'z'.repeat(100) } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as { status?: { statusCode?: number } }).status?.statusCode).toBe(400);
  });
});

describe('signals under Access Manager', () => {
  const KEYSET = { publishKey: 'pub-c-sig', subscribeKey: 'sub-c-sig', secretKey: 'sec-c-sig', accessManager: true };
  let locked: RunningServer;
  let admin: PubNub;
  beforeAll(async () => {
    locked = await startServer({ keysets: [KEYSET] });
    admin = client(locked.origin, 'admin', KEYSET);
  });
  afterAll(async () => {
    await locked?.close();
  });

  it('needs write on the channel, as publish does: a token with only read is refused with a 403', async () => {
    const readOnly = await admin.grantToken({ ttl: 5, authorized_uuid: 'alice', resources: { channels: { room: { read: true } } } });
    const writer = await admin.grantToken({ ttl: 6, authorized_uuid: 'alice', resources: { channels: { room: { write: true } } } });
    const alice = client(locked.origin, 'alice', { publishKey: KEYSET.publishKey, subscribeKey: KEYSET.subscribeKey });
    alice.setToken(readOnly);
    expect(await statusOf(alice.signal({ channel: 'room', message: 1 }))).toBe(403);
    const reply = await get(`/signal/${KEYSET.publishKey}/${KEYSET.subscribeKey}/0/room/0/1?uuid=alice&auth=${encode(readOnly)}`, locked.url);
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ message: 'Forbidden', error: true, service: 'Access Manager', status: 403, payload: { channels: ['room'] } });
    // Refused before its size is looked at, as publish is.
    const big = await get(
      `/signal/${KEYSET.publishKey}/${KEYSET.subscribeKey}/0/room/0/${encode(JSON.stringify('x'.repeat(100)))}?auth=${encode(readOnly)}`,
      locked.url,
    );
    expect(big.status).toBe(403);
    expect((await get(`/signal/${KEYSET.publishKey}/${KEYSET.subscribeKey}/0/room/0/1?uuid=alice`, locked.url)).status).toBe(403);

    alice.setToken(writer);
    expect(await statusOf(alice.signal({ channel: 'room', message: 1 }))).toBe(200);
    expect(await statusOf(admin.signal({ channel: 'room', message: 1 }))).toBe(200); // signed with the secret key
  });
});

const natsSkip = await natsUnavailable();

describe.skipIf(natsSkip !== undefined)(`message action events through the official SDK${natsSkip === undefined ? '' : ` (skipped: ${natsSkip})`}`, () => {
  const streams = new TestStreams();
  let node: RunningServer;
  let bus: NatsBus;
  let hub: RealtimeHub;
  beforeAll(async () => {
    const place = streams.place('actions');
    node = await startServer({ args: ['--bus', place.url, '--subscribe-hold', '5'] });
    // Another node of the same cluster: it publishes on the stream the server delivers from.
    bus = await NatsBus.connect({ servers: NATS_URL, stream: place.stream, subjectPrefix: place.subjectPrefix, onError: () => {}, onStatus: () => {} });
    hub = new RealtimeHub({}, { bus });
  });
  afterAll(async () => {
    await hub?.close();
    await bus?.close();
    await node?.close();
    await streams.deleteAll();
  });

  it('reach the messageAction listener with event, publisher and the action’s fields, uuid included', async () => {
    const listener = client(node.origin, 'listener');
    const actions: unknown[] = [];
    const statuses: string[] = [];
    listener.addListener({ messageAction: (event) => actions.push(event), status: (status) => statuses.push(String(status.category)) });
    listener.subscribe({ channels: ['reacted'] });
    await until(() => (statuses.includes('PNConnectedCategory') ? true : undefined), 'the subscription to connect');

    const sent = await client(node.origin, 'alice').publish({ channel: 'reacted', message: 'nice' });
    const action = { type: 'reactions', value: '👍', messageTimetoken: sent.timetoken, actionTimetoken: hub.nextTimetoken() };
    const added = await hub.publishAction('demo', 'reacted', { event: 'added', uuid: 'bob', action });
    await hub.publishAction('demo', 'reacted', { event: 'removed', uuid: 'bob', action });
    await until(() => (actions.length >= 2 ? true : undefined), 'two action events');
    expect(actions[0]).toEqual({
      channel: 'reacted',
      subscription: 'reacted',
      timetoken: added,
      publisher: 'bob',
      event: 'added',
      data: { type: 'reactions', value: '👍', uuid: 'bob', messageTimetoken: sent.timetoken, actionTimetoken: action.actionTimetoken },
    });
    expect(actions[1]).toMatchObject({ event: 'removed', publisher: 'bob', data: { actionTimetoken: action.actionTimetoken, uuid: 'bob' } });
  });
});
