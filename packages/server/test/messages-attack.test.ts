/**
 * Attacks on Message Persistence, Message Actions and signals over real HTTP: answers that could
 * grow without bound (many full channels at once, a message loaded with actions), values a store
 * could not keep as given, malformed input in every slot, races between clients, credentials used
 * where they were not granted, and acknowledged writes across `kill -9`. Runs on SQLite and, with
 * `TEST_ROSTER_TARGET=cluster`, on two PostgreSQL + NATS nodes.
 */
import { randomBytes } from 'node:crypto';
import PubNub from 'pubnub';
import { startServer, useServer, type RunningServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, objectsClient, type Reply } from './http.ts';
import { signedQuery, signV2, type Keys } from './signing.ts';

const MIB = 1024 * 1024;
/** service.ts MAX_HISTORY_ANSWER_BYTES and MAX_ACTION_BYTES_PER_MESSAGE: what this suite holds the server to. */
const ANSWER_BUDGET = 4 * MIB;
const ACTION_BYTES_PER_MESSAGE = 2 * MIB;

const server = useServer({ args: ['--subscribe-hold', '5'] });
const api = objectsClient(server);

type Query = Record<string, string | number | boolean>;

interface HistoryItem {
  message: any;
  timetoken: string;
  actions?: Record<string, Record<string, { uuid: string; actionTimetoken: string }[]>>;
}
interface HistoryBody {
  status: number;
  error: boolean;
  error_message: string;
  channels: Record<string, HistoryItem[]>;
  more?: { url: string; start: string; max: number };
}

let unique = 0;
const fresh = (what: string) => `${what}-${++unique}-${Date.now()}`;

/** Publishes `message` on `channel` (POST, so it may be large); its timetoken. */
async function publish(channel: string, message: unknown, on = server.url): Promise<string> {
  const response = await fetch(`${on}/publish/demo/demo/0/${encode(channel)}/0?uuid=alice`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
  });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return (JSON.parse(text) as [number, string, string])[2];
}

/** A history read as its raw text too: what an answer weighs is the point of some tests. */
async function history(channels: readonly string[], query: Query = {}, path = '/v3/history'): Promise<Reply<HistoryBody> & { bytes: number }> {
  const search = new URLSearchParams(Object.entries({ string_message_token: true, ...query }).map(([k, v]) => [k, String(v)]));
  return read(`${path}/sub-key/demo/channel/${channels.map(encode).join(',')}?${search.toString()}`);
}

async function read(pathAndQuery: string): Promise<Reply<HistoryBody> & { bytes: number }> {
  const response = await fetch(`${server.url}${pathAndQuery}`);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as HistoryBody, bytes: Buffer.byteLength(text) };
}

const actionsPath = (channel: string) => `/v1/message-actions/demo/channel/${encode(channel)}`;
const addAction = (channel: string, messageTt: string, body: unknown, uuid = 'bob', on = server) =>
  objectsClient(on).send('POST', `${actionsPath(channel)}/message/${messageTt}`, { query: { uuid }, body });

/** A value no compressor shrinks: a b-tree keeps a compressible one in a small entry anyway. */
const incompressible = (characters: number) =>
  randomBytes(Math.ceil((characters * 3) / 4))
    .toString('base64')
    .slice(0, characters);

describe('a history read of many full channels', () => {
  const CHANNELS = 8;
  const PER_CHANNEL = 25;
  const payload = (n: number) => ({ n, text: 'x'.repeat(30_000) });
  let channels: string[];
  /** Each channel's timetokens, oldest first. */
  let published: string[][];

  beforeAll(async () => {
    channels = Array.from({ length: CHANNELS }, (_, c) => fresh(`full${c}`));
    published = channels.map(() => []);
    // Round by round, so the channels' timetokens interleave as a busy app's would.
    for (let n = 0; n < PER_CHANNEL; n++) {
      const tts = await Promise.all(channels.map((channel) => publish(channel, payload(n))));
      tts.forEach((tt, c) => published[c]!.push(tt));
    }
  });

  it(`answers at most ${ANSWER_BUDGET / MIB} MiB of messages: each channel's newest, older ones left to a next page`, async () => {
    const first = await history(channels, { max: 25 });
    expect(first.status).toBe(200);
    expect(first.bytes).toBeLessThanOrEqual(ANSWER_BUDGET + 64 * 1024);
    const answered = channels.map((channel) => (first.body.channels[channel] ?? []).map((item) => item.timetoken));
    expect(answered.flat().length).toBeLessThan(CHANNELS * PER_CHANNEL);
    // Every channel's page is still its newest messages; older ones are behind `more.start` on every channel.
    for (const [c, tts] of answered.entries()) expect(tts).toEqual(published[c]!.slice(published[c]!.length - tts.length));
    const oldest = answered.flat().reduce((a, b) => (BigInt(a) < BigInt(b) ? a : b));
    expect(first.body.more?.start).toBe(oldest);
    for (const [c, tts] of published.entries()) {
      for (const tt of tts) expect(answered[c]!.includes(tt) || BigInt(tt) < BigInt(oldest), `${channels[c]} ${tt}`).toBe(true);
    }

    // Reading on from `more` gets the rest, every message once.
    const next = await read(first.body.more!.url);
    expect(next.status).toBe(200);
    expect(next.body.more).toBeUndefined();
    for (const [c, channel] of channels.entries()) {
      const all = [...(next.body.channels[channel] ?? []), ...(first.body.channels[channel] ?? [])].map((item) => item.timetoken);
      expect(all).toEqual(published[c]);
    }
  });

  it('pages one channel on from its own oldest message answered, nothing missed or repeated', async () => {
    const first = await history(channels, { max: 25 });
    const page = first.body.channels[channels[0]!]!;
    const rest = await history([channels[0]!], { start: page[0]!.timetoken, max: 100 });
    expect([...rest.body.channels[channels[0]!]!, ...page].map((item) => item.message.n)).toEqual([...Array(PER_CHANNEL).keys()]);
  });

  it('walks every channel once by following `more`, a small busy channel beside the full ones included', async () => {
    const small = fresh('small');
    const smallPublished: string[] = [];
    for (let n = 0; n < 30; n++) smallPublished.push(await publish(small, { n }));
    const all = [...channels, small];
    const seen = new Map<string, string[]>(all.map((channel) => [channel, []]));
    let reply = await history(all, { max: 25 });
    for (let pages = 0; ; pages++) {
      expect(reply.status).toBe(200);
      for (const channel of all) seen.get(channel)!.unshift(...(reply.body.channels[channel] ?? []).map((item) => item.timetoken));
      if (!reply.body.more || pages === 20) break;
      reply = await read(reply.body.more.url);
    }
    expect(seen.get(small)).toEqual(smallPublished);
    for (const [c, channel] of channels.entries()) expect(seen.get(channel)).toEqual(published[c]);
  });

  it('answers 500 channels at once with one message each (markAllMessagesAsRead)', async () => {
    const many = Array.from({ length: 500 }, (_, n) => (n < CHANNELS ? channels[n]! : `empty-${n}`));
    const reply = await history(many, { max: 1 });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body.channels).sort()).toEqual([...channels].sort());
    for (const [c, channel] of channels.entries()) expect(reply.body.channels[channel]!.map((item) => item.timetoken)).toEqual(published[c]!.slice(-1));
  });
});

describe('history with actions of a message loaded with actions', () => {
  const VALUE_CHARACTERS = 30_000;
  /** Actions on each message: about 1.8 MB each, under the per-message cap. */
  const ACTIONS = 60;

  it('answers whole messages within the budget, the rest behind `more`; a message takes no more actions past its cap', async () => {
    const channel = fresh('loaded');
    const messages = [await publish(channel, 'm0'), await publish(channel, 'm1'), await publish(channel, 'm2')];
    const values = new Map<string, string[]>();
    for (const tt of messages) {
      values.set(tt, []);
      for (let n = 0; n < ACTIONS; n += 10) {
        const batch = Array.from({ length: 10 }, () => incompressible(VALUE_CHARACTERS));
        const replies = await Promise.all(batch.map((value) => addAction(channel, tt, { type: 'edited', value }, 'u')));
        for (const reply of replies) expect(reply.status, JSON.stringify(reply.body).slice(0, 200)).toBe(200);
        values.get(tt)!.push(...batch);
      }
    }

    const first = await history([channel], {}, '/v3/history-with-actions');
    expect(first.status).toBe(200);
    expect(first.bytes).toBeLessThanOrEqual(ANSWER_BUDGET + 64 * 1024);
    const page = first.body.channels[channel]!;
    expect(page.map((item) => item.message)).toEqual(['m1', 'm2']);
    expect(first.body.more?.start).toBe(messages[1]);
    const next = await read(first.body.more!.url);
    expect(next.body.channels[channel]!.map((item) => item.message)).toEqual(['m0']);
    expect(next.body.more).toBeUndefined();
    // Each message comes with every one of its actions.
    for (const item of [...next.body.channels[channel]!, ...page]) {
      expect(Object.keys(item.actions!.edited!).sort()).toEqual([...values.get(item.timetoken)!].sort());
    }

    // m0 holds about 1.8 MB of actions: it takes more only up to the per-message cap.
    let refused: Reply | undefined;
    for (let n = 0; n < 20 && refused === undefined; n++) {
      const reply = await addAction(channel, messages[0]!, { type: 'edited', value: incompressible(VALUE_CHARACTERS) }, 'u');
      if (reply.status !== 200) refused = reply;
    }
    expect(refused?.status).toBe(400);
    expect(refused?.body.error.details[0].location).toBe('messageTimetoken');
    const m0 = (await history([channel], { end: messages[0]!, start: messages[1]! }, '/v3/history-with-actions')).body.channels[channel]![0]!;
    const held = Object.keys(m0.actions!.edited!).reduce((sum, value) => sum + value.length + 'edited'.length + 'u'.length, 0);
    expect(held).toBeLessThanOrEqual(ACTION_BYTES_PER_MESSAGE);
    // Other messages are not held back by it.
    expect((await addAction(channel, messages[2]!, { type: 'reactions', value: '👍' })).status).toBe(200);
  });
});

describe('action values', () => {
  it('keeps a 30 KB value byte for byte, and the same one again is a 409', async () => {
    const channel = fresh('big-value');
    const tt = await publish(channel, 'hello');
    const value = incompressible(30_000);
    const added = await addAction(channel, tt, { type: 'edited', value });
    expect(added.status, JSON.stringify(added.body).slice(0, 200)).toBe(200);
    expect(added.body.data.value).toBe(value);
    expect((await addAction(channel, tt, { type: 'edited', value })).status).toBe(409);
    expect((await addAction(channel, tt, { type: 'edited', value }, 'carol')).status).toBe(200);
    const listed = await api.get(actionsPath(channel));
    expect(listed.body.data.map((action: { value: string; uuid: string }) => [action.uuid, action.value === value])).toEqual([
      ['bob', true],
      ['carol', true],
    ]);
  });

  it('refuses a type or value holding an unpaired surrogate, which could not be kept as sent', async () => {
    const channel = fresh('surrogate');
    const tt = await publish(channel, 'hello');
    for (const [body, field] of [
      ['{"type":"reactions","value":"\\ud83d"}', 'value'],
      ['{"type":"r\\udc4d","value":"x"}', 'type'],
    ] as const) {
      const reply = await api.send('POST', `${actionsPath(channel)}/message/${tt}`, {
        query: { uuid: 'bob' },
        rawBody: body,
        headers: { 'content-type': 'application/json' },
      });
      expect(reply.status, body).toBe(400);
      expect(reply.body.error.details[0].location, body).toBe(field);
    }
    // A paired one (an emoji) is text.
    expect((await addAction(channel, tt, { type: 'reactions', value: '\ud83d\udc4d' })).body.data.value).toBe('👍');
    expect((await api.get(actionsPath(channel))).body.data.map((action: { value: string }) => action.value)).toEqual(['👍']);
  });

  it('takes an action on a message never stored, as PubNub does (it does not check the message)', async () => {
    const channel = fresh('no-message');
    const added = await addAction(channel, '15000000000000000', { type: 'receipt', value: 'read' });
    expect(added.status).toBe(200);
    expect((await api.get(actionsPath(channel))).body.data).toEqual([added.body.data]);
  });

  it('lets only its author remove an action; a wrong message timetoken removes nothing', async () => {
    const channel = fresh('remove');
    const [m1, m2] = [await publish(channel, 1), await publish(channel, 2)];
    const added = (await addAction(channel, m1, { type: 'reactions', value: '👍' })).body.data.actionTimetoken as string;
    const remove = (messageTt: string, uuid: string) => api.delete(`${actionsPath(channel)}/message/${messageTt}/action/${added}`, { query: { uuid } });
    const mallory = await remove(m1, 'mallory');
    expect(mallory.status).toBe(400);
    expect(mallory.body.error.details[0].location).toBe('uuid');
    expect((await remove(m2, 'bob')).status).toBe(200);
    expect((await api.get(actionsPath(channel))).body.data).toHaveLength(1);
    expect((await remove(m1, 'bob')).status).toBe(200);
    expect((await api.get(actionsPath(channel))).body.data).toEqual([]);
  });
});

describe('malformed requests', () => {
  const BAD_TIMETOKENS = ['abc', '-1', '1.5', '1e5', '99999999999999999999', '9223372036854775808', '00000000000000000001', ' 1', '0x10'];

  it('refuses a bad timetoken in every slot with a 4xx naming it', async () => {
    const channel = fresh('tt');
    const tt = await publish(channel, 'x');
    for (const bad of BAD_TIMETOKENS) {
      const e = encode(bad);
      const historyCases: [string, string][] = [
        [`/v3/history/sub-key/demo/channel/${channel}?start=${e}`, 'start'],
        [`/v3/history/sub-key/demo/channel/${channel}?end=${e}`, 'end'],
        [`/v3/history-with-actions/sub-key/demo/channel/${channel}?start=${e}`, 'start'],
        [`/v3/history/sub-key/demo/message-counts/${channel}?timetoken=${e}`, 'timetoken'],
        [`/v3/history/sub-key/demo/message-counts/${channel},b?channelsTimetoken=1,${e}`, 'channelsTimetoken'],
      ];
      for (const [path, field] of historyCases) {
        const reply = await api.get(path);
        expect(reply.status, path).toBe(400);
        expect(reply.body.error_message, path).toContain(field);
      }
      const deleted = await api.delete(`/v3/history/sub-key/demo/channel/${channel}?end=${e}`);
      expect(deleted.body.error_message, bad).toContain('end');
      const actionCases: [string, string, string][] = [
        ['POST', `${actionsPath(channel)}/message/${e}?uuid=bob`, 'messageTimetoken'],
        ['DELETE', `${actionsPath(channel)}/message/${tt}/action/${e}?uuid=bob`, 'actionTimetoken'],
        ['DELETE', `${actionsPath(channel)}/message/${e}/action/1?uuid=bob`, 'messageTimetoken'],
        ['GET', `${actionsPath(channel)}?end=${e}`, 'end'],
      ];
      for (const [method, path, field] of actionCases) {
        const reply = await api.send(method, path, method === 'POST' ? { body: { type: 'a', value: 'b' } } : {});
        expect(reply.status, `${method} ${path}`).toBe(400);
        expect(reply.body.error.details[0].location, `${method} ${path}`).toBe(field);
      }
    }
    // Nothing was deleted by any of them.
    expect((await history([channel])).body.channels[channel]).toHaveLength(1);
  });

  it('refuses bad page sizes and channel lists, naming the field', async () => {
    const cases: [string, string][] = [
      ['/v3/history/sub-key/demo/channel/a?max=0', 'max'],
      ['/v3/history/sub-key/demo/channel/a?max=-1', 'max'],
      ['/v3/history/sub-key/demo/channel/a?max=1e9', 'max'],
      ['/v3/history/sub-key/demo/channel/a?max=abc', 'max'],
      ['/v3/history/sub-key/demo/channel/,', 'channels'],
      ['/v3/history/sub-key/demo/channel/a,', 'channels'],
      ['/v3/history/sub-key/demo/channel/a,,b', 'channels'],
      [`/v3/history/sub-key/demo/channel/${'x'.repeat(93)}`, 'channels'],
      ['/v3/history/sub-key/demo/channel/a%0Ab', 'channels'],
      ['/v3/history-with-actions/sub-key/demo/channel/a,b', 'channels'],
      ['/v3/history/sub-key/demo/message-counts/a,?timetoken=1', 'channels'],
    ];
    for (const [path, field] of cases) {
      const reply = await api.get(path);
      expect(reply.status, path).toBe(400);
      expect(reply.body.error_message, path).toContain(field);
    }
    const tooMany = await api.get(`/v3/history/sub-key/demo/channel/${Array.from({ length: 501 }, (_, n) => `c${n}`).join(',')}`);
    expect(tooMany.status).toBe(400);
    for (const limit of ['0', '-1', '1e9', 'abc']) {
      const reply = await api.get(`${actionsPath('a')}?limit=${limit}`);
      expect(reply.body.error.details[0].location, limit).toBe('limit');
    }
    // A huge page size is capped, as PubNub caps it.
    expect((await api.get('/v3/history/sub-key/demo/channel/a?max=1000000000')).status).toBe(200);
    // Named twice, a channel is read once.
    const channel = fresh('twice');
    await publish(channel, 'once');
    expect((await history([channel, channel])).body.channels[channel]).toHaveLength(1);
  });

  it('refuses malformed action bodies and content types with a 4xx', async () => {
    const channel = fresh('bodies');
    const tt = await publish(channel, 'x');
    const raw = (rawBody: string, contentType = 'application/json') =>
      api.send('POST', `${actionsPath(channel)}/message/${tt}`, { query: { uuid: 'bob' }, rawBody, headers: { 'content-type': contentType } });
    for (const body of ['{"type":"a","value":"b"', '[]', 'null', '"text"', '5', '', '{"type":"a","value":{"x":1}}', '{"type":"a","value":null}']) {
      const reply = await raw(body);
      expect(reply.status, body).toBe(400);
      expect(reply.body.error.source, body).toBe('actions');
    }
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) expect((await raw('{"type":"a","value":"b"}', type)).status, type).toBe(415);
    expect((await api.get(actionsPath(channel))).body.data).toEqual([]);
  });

  it('refuses a bad ttl or store with a 400 and publishes nothing', async () => {
    const channel = fresh('ttl');
    for (const query of ['ttl=-1', 'ttl=1000000000000', 'ttl=x', 'ttl=1.5', 'store=garbage', 'store=2']) {
      const reply = await api.get(`/publish/demo/demo/0/${channel}/0/1?${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.body[1], query).toContain(query.split('=')[0]);
    }
    expect((await history([channel])).body.channels).toEqual({});
  });
});

describe('races', () => {
  it('answers one of many identical concurrent adds with 200 and the others with 409', async () => {
    const channel = fresh('dup');
    const tt = await publish(channel, 'hello');
    const replies = await Promise.all(Array.from({ length: 30 }, () => addAction(channel, tt, { type: 'reactions', value: '🔥' })));
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, ...Array<number>(29).fill(409)]);
    expect((await api.get(actionsPath(channel))).body.data).toHaveLength(1);
  });

  it('keeps every acknowledged timetoken of concurrent publishes on one channel exactly once', async () => {
    const channel = fresh('concurrent');
    const acknowledged: string[] = [];
    let next = 0;
    const worker = async (w: number) => {
      // On a cluster, the workers publish through both nodes.
      const node = server.nodes[w % server.nodes.length]!;
      while (next < 300) acknowledged.push(await publish(channel, { n: next++ }, node));
    };
    await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
    const stored: string[] = [];
    let reply = await history([channel], { max: 100 });
    for (;;) {
      stored.unshift(...reply.body.channels[channel]!.map((item) => item.timetoken));
      if (reply.body.more === undefined) break;
      reply = await read(reply.body.more.url);
    }
    expect(new Set(stored).size).toBe(stored.length);
    expect([...stored].sort()).toEqual([...acknowledged].sort());
  });

  it('reads its own writes at once, on another node too', async () => {
    const channel = fresh('ryw');
    const [writer, reader] = [server.nodes[0]!, server.nodes.at(-1)!];
    for (let n = 0; n < 10; n++) {
      const tt = await publish(channel, { n }, writer);
      const reply = await fetch(`${reader}/v3/history/sub-key/demo/channel/${channel}?end=${tt}&string_message_token=true`);
      expect(((await reply.json()) as HistoryBody).channels[channel]!.map((item) => item.timetoken)).toEqual([tt]);
      const added = await fetch(`${writer}${actionsPath(channel)}/message/${tt}?uuid=bob`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"type":"receipt","value":"read"}',
      });
      const { actionTimetoken } = ((await added.json()) as { data: { actionTimetoken: string } }).data;
      const withActions = await fetch(`${reader}/v3/history-with-actions/sub-key/demo/channel/${channel}?end=${tt}&string_message_token=true`);
      expect(((await withActions.json()) as HistoryBody).channels[channel]![0]!.actions).toEqual({ receipt: { read: [{ uuid: 'bob', actionTimetoken }] } });
    }
  });
});

describe('credentials', () => {
  const A: Keys = { publishKey: 'pub-c-atk-a', subscribeKey: 'sub-c-atk-a', secretKey: 'sec-c-atk-a' };
  const B: Keys = { publishKey: 'pub-c-atk-b', subscribeKey: 'sub-c-atk-b', secretKey: 'sec-c-atk-b' };
  let guarded: RunningServer;
  let admin: PubNub;
  let messageTt: string;

  beforeAll(async () => {
    guarded = await startServer({ keysets: [A, B].map((keys) => ({ ...keys, accessManager: true })) });
    admin = new PubNub({ ...A, userId: 'admin', origin: guarded.origin, ssl: false, logVerbosity: false });
    messageTt = (await admin.publish({ channel: 'room', message: 'hello' })).timetoken;
  });
  afterAll(async () => {
    admin?.destroy();
    await guarded?.close();
  });

  const call = async (method: string, path: string, query: Record<string, string>, body?: string) => {
    const response = await fetch(`${guarded.url}${path}?${new URLSearchParams(query).toString()}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body ?? null,
    });
    return { status: response.status, json: (await response.json()) as any };
  };

  it('refuses a token on another keyset, another channel, or for more than it grants', async () => {
    const token = await admin.grantToken({
      ttl: 5,
      authorized_uuid: 'alice',
      resources: { channels: { room: { read: true } } },
      patterns: { channels: { '^pub-.*': { read: true } } },
    });
    const credentials = { uuid: 'alice', auth: token };
    expect((await call('GET', `/v3/history/sub-key/${A.subscribeKey}/channel/room`, credentials)).status).toBe(200);
    expect((await call('GET', `/v3/history/sub-key/${A.subscribeKey}/channel/pub-news`, credentials)).status).toBe(200);
    const elsewhere: [string, string, Record<string, string>?][] = [
      ['GET', `/v3/history/sub-key/${B.subscribeKey}/channel/room`],
      ['GET', `/v3/history/sub-key/${A.subscribeKey}/channel/hall`],
      ['GET', `/v3/history/sub-key/${A.subscribeKey}/channel/room,hall`],
      ['GET', `/v3/history/sub-key/${A.subscribeKey}/message-counts/room,hall`, { channelsTimetoken: '0,0' }],
      ['DELETE', `/v3/history/sub-key/${A.subscribeKey}/channel/room`],
      ['DELETE', `/v3/history/sub-key/${A.subscribeKey}/channel/pub-news`],
      ['DELETE', `/v1/message-actions/${A.subscribeKey}/channel/room/message/${messageTt}/action/1`],
    ];
    for (const [method, path, query] of elsewhere) expect((await call(method, path, { ...credentials, ...query })).status, `${method} ${path}`).toBe(403);
    const add = await call('POST', `/v1/message-actions/${A.subscribeKey}/channel/room/message/${messageTt}`, credentials, '{"type":"a","value":"b"}');
    expect(add.status).toBe(403);
    // The history is still there.
    expect((await admin.fetchMessages({ channels: ['room'] })).channels['room']).toHaveLength(1);
  });

  it('refuses a signature made for another body, channel, keyset or with another secret', async () => {
    const add = `/v1/message-actions/${A.subscribeKey}/channel/room/message/${messageTt}`;
    const body = '{"type":"reactions","value":"ok"}';
    const signed = (keys: Keys, method: string, path: string, signedBody = '') =>
      signedQuery({ uuid: 'admin' }, (query) => signV2(keys, method, path, query, signedBody));
    expect((await call('POST', add, signed(A, 'POST', add, '{"type":"reactions","value":"no"}'), body)).status).toBe(403);
    expect((await call('POST', add, signed({ ...A, secretKey: 'guess' }, 'POST', add, body), body)).status).toBe(403);
    expect((await call('POST', add, signed(B, 'POST', add, body), body)).status).toBe(403);
    const remove = (channel: string) => `/v3/history/sub-key/${A.subscribeKey}/channel/${channel}`;
    expect((await call('DELETE', remove('room'), signed(A, 'DELETE', remove('hall')))).status).toBe(403);
    expect((await call('DELETE', remove('room'), signed(A, 'GET', remove('room')))).status).toBe(403);
    expect((await admin.fetchMessages({ channels: ['room'] })).channels['room']).toHaveLength(1);
    // Signed as sent, both pass.
    expect((await call('POST', add, signed(A, 'POST', add, body), body)).status).toBe(200);
    expect((await call('DELETE', remove('hall'), signed(A, 'DELETE', remove('hall')))).status).toBe(200);
  });
});

describe('durability', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const started of servers) await started.close();
  });

  it('keeps the actions added and removed before kill -9 as they were acknowledged', async () => {
    const first = await startServer();
    servers.push(first);
    const channel = 'durable';
    const tt = await publish(channel, 'hello', first.url);
    const added: string[] = [];
    for (let n = 0; n < 20; n++) {
      const reply = await addAction(channel, tt, { type: 'reactions', value: `v${n}` }, 'bob', first);
      expect(reply.status).toBe(200);
      added.push(reply.body.data.actionTimetoken as string);
    }
    for (const actionTt of added.slice(0, 5)) {
      expect((await objectsClient(first).delete(`${actionsPath(channel)}/message/${tt}/action/${actionTt}`, { query: { uuid: 'bob' } })).status).toBe(200);
    }
    await first.kill();
    const second = await startServer({ dir: first.dir });
    servers.push(second);
    const listed = await objectsClient(second).get(actionsPath(channel));
    expect(listed.body.data.map((action: { actionTimetoken: string }) => action.actionTimetoken)).toEqual(added.slice(5));
    const withActions = await objectsClient(second).get<HistoryBody>(`/v3/history-with-actions/sub-key/demo/channel/${channel}`, {
      query: { string_message_token: true },
    });
    expect(Object.keys(withActions.body.channels[channel]![0]!.actions!.reactions!)).toEqual(added.slice(5).map((_, n) => `v${n + 5}`));
  });
});
