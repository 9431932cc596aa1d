/**
 * Message Persistence and Message Actions over real HTTP: publishes kept and read back with
 * PubNub's range, cap and `more` rules, deletes with its boundary rule, message counts, actions
 * announced to subscribers as `e:3` envelopes, refusals naming the field, and a publish
 * acknowledged before `kill -9` still in history after the restart.
 */
import { startServer, useServer, type RunningServer } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { encode, objectsClient, type Reply } from './http.ts';
import type { SubscribeAnswer } from './subscriber.ts';

const server = useServer({ args: ['--subscribe-hold', '5'] });
const api = objectsClient(server);

type Query = Record<string, string | number | boolean>;

/** Publishes `message` (JSON text, sent as is) on `channel`; its timetoken. */
async function publishText(channel: string, text: string, query: Query = {}, on: RunningServer = server): Promise<string> {
  const reply = await objectsClient(on).get(`/publish/demo/demo/0/${encode(channel)}/0/${encode(text)}`, { query: { uuid: 'alice', ...query } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return (reply.body as [number, string, string])[2];
}

const publish = (channel: string, message: unknown, query: Query = {}) => publishText(channel, JSON.stringify(message), query);

/** Publishes `count` messages `{n}` one after another; their timetokens in order. */
async function publishMany(channel: string, count: number, from = 0): Promise<string[]> {
  const timetokens: string[] = [];
  for (let n = from; n < from + count; n++) timetokens.push(await publish(channel, { n }));
  return timetokens;
}

interface HistoryItem {
  message: any;
  timetoken: string;
  uuid?: string;
  meta?: unknown;
  message_type?: number | null;
  custom_message_type?: string;
  actions?: Record<string, Record<string, { uuid: string; actionTimetoken: string }[]>>;
}
interface HistoryBody {
  status: number;
  error: boolean;
  error_message: string;
  channels: Record<string, HistoryItem[]>;
  more?: { url: string; start: string; max: number };
}

const channelPath = (channels: readonly string[]) => channels.map(encode).join(',');

async function history(channels: readonly string[], query: Query = {}, path = '/v3/history'): Promise<Reply<HistoryBody>> {
  return api.get<HistoryBody>(`${path}/sub-key/demo/channel/${channelPath(channels)}`, { query: { string_message_token: true, ...query } });
}

/** The `n` of each message of `channel` in a history answer. */
const numbers = (body: HistoryBody, channel: string): number[] => (body.channels[channel] ?? []).map((item) => (item.message as { n: number }).n);

let unique = 0;
/** A channel name no other test uses. */
const fresh = (what: string) => `${what}-${++unique}-${Date.now()}`;

describe('fetch history', () => {
  it('answers the newest `max` messages oldest first: start exclusive, end inclusive, and the getMessage case', async () => {
    const channel = fresh('order');
    const tts = await publishMany(channel, 6);
    const all = await history([channel]);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toContain('text/javascript');
    expect(all.body).toMatchObject({ status: 200, error: false, error_message: '' });
    expect(numbers(all.body, channel)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(all.body.channels[channel]!.map((item) => item.timetoken)).toEqual(tts);
    expect(all.body.more).toBeUndefined();

    expect(numbers((await history([channel], { max: 2 })).body, channel)).toEqual([4, 5]);
    expect(numbers((await history([channel], { start: tts[3]! })).body, channel)).toEqual([0, 1, 2]);
    expect(numbers((await history([channel], { end: tts[3]! })).body, channel)).toEqual([3, 4, 5]);
    expect(numbers((await history([channel], { start: tts[4]!, end: tts[1]! })).body, channel)).toEqual([1, 2, 3]);
    expect(numbers((await history([channel], { start: tts[4]!, end: tts[1]!, max: 2 })).body, channel)).toEqual([2, 3]);
    // channel.getMessage(tt): start=tt+1&end=tt&max=1 is exactly that message.
    for (const [n, tt] of tts.entries()) {
      const one = await history([channel], { start: (BigInt(tt) + 1n).toString(), end: tt, max: 1 });
      expect(numbers(one.body, channel)).toEqual([n]);
    }
    // Nothing in range: the channel is left out.
    expect((await history([channel], { start: tts[0]! })).body.channels).toEqual({});
  });

  it('writes the payload and meta as published, timetokens as exact numbers unless string_message_token', async () => {
    const channel = fresh('verbatim');
    const text = '{"b": 1,  "a":12345678901234567890, "s":"é\\u00e9"}';
    const tt = await publishText(channel, text, { meta: '{"lang":  "en"}' });
    const reply = await fetch(`${server.url}/v3/history/sub-key/demo/channel/${channel}?include_meta=true`);
    const raw = await reply.text();
    expect(raw).toContain(`"message":${text},"timetoken":${tt},"meta":{"lang":  "en"}`);
    const stringy = await (await fetch(`${server.url}/v3/history/sub-key/demo/channel/${channel}?string_message_token=true`)).text();
    expect(stringy).toContain(`"timetoken":"${tt}"`);
  });

  it('adds uuid, meta, message_type and custom_message_type only when asked', async () => {
    const channel = fresh('fields');
    await publish(channel, 'plain');
    await publish(channel, 'typed', { meta: '{"p":1}', custom_message_type: 'chat-msg' });
    const bare = (await history([channel])).body.channels[channel]!;
    expect(bare.map((item) => Object.keys(item).sort())).toEqual([
      ['message', 'timetoken'],
      ['message', 'timetoken'],
    ]);
    const full = await history([channel], { include_uuid: true, include_meta: true, include_message_type: true, include_custom_message_type: true });
    expect(full.body.channels[channel]).toEqual([
      { message: 'plain', timetoken: expect.any(String), uuid: 'alice', meta: '', message_type: null },
      { message: 'typed', timetoken: expect.any(String), uuid: 'alice', meta: { p: 1 }, message_type: null, custom_message_type: 'chat-msg' },
    ]);
    const off = await history([channel], { include_uuid: 'false', include_meta: '0' });
    expect(off.body.channels[channel]![1]).not.toHaveProperty('uuid');
    expect(off.body.channels[channel]![1]).not.toHaveProperty('meta');
  });

  it('caps max silently: 100 for one channel, 25 per channel for several and with actions', async () => {
    const [one, two] = [fresh('cap-a'), fresh('cap-b')];
    await publishMany(one, 105);
    await publishMany(two, 30);
    const single = await history([one], { max: 500 });
    expect(single.status).toBe(200);
    expect(numbers(single.body, one)).toEqual([...Array(100).keys()].map((n) => n + 5));
    expect((await history([one])).body.channels[one]).toHaveLength(100);
    const several = await history([one, two], { max: 100 });
    expect(numbers(several.body, one)).toEqual([...Array(25).keys()].map((n) => n + 80));
    expect(numbers(several.body, two)).toEqual([...Array(25).keys()].map((n) => n + 5));
    expect(several.body.more).toBeUndefined();
    expect(numbers((await history([one, two], { max: 3 })).body, two)).toEqual([27, 28, 29]);
    expect((await history([one], { max: 100 }, '/v3/history-with-actions')).body.channels[one]).toHaveLength(25);
  });

  it('follows `more` through a range, every message once, on both endpoints', async () => {
    const channel = fresh('more');
    const tts = await publishMany(channel, 12);
    for (const path of ['/v3/history', '/v3/history-with-actions']) {
      const seen: number[] = [];
      let reply = await history([channel], { max: 5, end: tts[1]!, include_uuid: true }, path);
      for (let pages = 1; ; pages++) {
        expect(reply.status).toBe(200);
        seen.unshift(...numbers(reply.body, channel));
        if (reply.body.more === undefined) break;
        const { url, start, max } = reply.body.more;
        expect(max).toBe(5);
        expect(start).toBe(reply.body.channels[channel]![0]!.timetoken);
        expect(url).toContain(`${path}/sub-key/demo/channel/${channel}?start=${start}&end=${tts[1]}&max=5`);
        expect(pages).toBeLessThan(5);
        reply = await api.get<HistoryBody>(url);
        expect(reply.body.channels[channel]![0]).toHaveProperty('uuid', 'alice');
      }
      expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    }
  });

  it('keeps nothing published with store=0 (or false); ttl=null and a ttl in hours are accepted', async () => {
    const channel = fresh('store');
    await publish(channel, 'not kept', { store: 0 });
    await publish(channel, 'not kept either', { store: 'false' });
    await publish(channel, 'kept', { store: 1, ttl: 'null' });
    await publish(channel, 'kept for a day', { ttl: 24 });
    await publish(channel, 'kept forever', { ttl: 0 });
    const body = (await history([channel])).body;
    expect(body.channels[channel]!.map((item) => item.message)).toEqual(['kept', 'kept for a day', 'kept forever']);
  });

  it('refuses malformed reads with a 400 in its envelope naming the parameter', async () => {
    const channel = fresh('bad');
    const cases: [Query, string][] = [
      [{ max: 0 }, 'max'],
      [{ max: 'abc' }, 'max'],
      [{ max: -3 }, 'max'],
      [{ start: 'abc' }, 'start'],
      [{ end: '-1' }, 'end'],
      [{ start: '99999999999999999999' }, 'start'],
      [{ include_meta: 'yes' }, 'include_meta'],
      [{ string_message_token: 'maybe' }, 'string_message_token'],
    ];
    for (const [query, field] of cases) {
      const reply = await history([channel], query);
      expect(reply.status, field).toBe(400);
      expect(reply.body, field).toMatchObject({ status: 400, error: true, channels: {} });
      expect(reply.body.error_message, field).toContain(field);
    }
    const tooMany = await history(Array.from({ length: 501 }, (_, n) => `c${n}`));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error_message).toContain('500');
    const two = await history(['a', 'b'], {}, '/v3/history-with-actions');
    expect(two.status).toBe(400);
    expect(two.body.error_message).toContain('one channel');
    const unknownKey = await api.get('/v3/history/sub-key/nokey/channel/a');
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body).toMatchObject({ status: 400, error: true, error_message: 'Invalid subscribe key', channels: {} });
  });
});

describe('delete from history', () => {
  const remove = (channel: string, query: Query = {}) => api.delete(`/v3/history/sub-key/demo/channel/${encode(channel)}`, { query });

  it('deletes the message at end, keeps the one at start, in either order; equal deletes nothing, none everything', async () => {
    const channel = fresh('delete');
    const tts = await publishMany(channel, 6);
    const ok = await remove(channel, { start: tts[2]!, end: tts[2]! });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: 200, error: false, error_message: '' });
    expect(numbers((await history([channel])).body, channel)).toEqual([0, 1, 2, 3, 4, 5]);
    // The Chat SDK's hard delete of message tt: start=tt-1&end=tt.
    expect((await remove(channel, { start: (BigInt(tts[1]!) - 1n).toString(), end: tts[1]! })).status).toBe(200);
    expect(numbers((await history([channel])).body, channel)).toEqual([0, 2, 3, 4, 5]);
    await remove(channel, { start: tts[4]!, end: tts[2]! });
    expect(numbers((await history([channel])).body, channel)).toEqual([0, 4, 5]);
    await remove(channel, { start: tts[0]!, end: tts[4]! });
    expect(numbers((await history([channel])).body, channel)).toEqual([0, 5]);
    await remove(channel);
    expect((await history([channel])).body.channels).toEqual({});
  });

  it('refuses a bad bound or a channel list', async () => {
    expect((await remove('x', { start: 'soon' })).body).toMatchObject({ status: 400, error: true, error_message: expect.stringContaining('start') });
    const list = await api.delete('/v3/history/sub-key/demo/channel/a,b');
    expect(list.status).toBe(400);
  });
});

describe('message counts', () => {
  const counts = (channels: readonly string[], query: Query) => api.get(`/v3/history/sub-key/demo/message-counts/${channelPath(channels)}`, { query });

  it('counts messages strictly after the timetoken, per channel or one timetoken for all', async () => {
    const [a, b, c] = [fresh('count-a'), fresh('count-b'), fresh('count-c')];
    const aTts = await publishMany(a, 4);
    const bTts = await publishMany(b, 2);
    const one = await counts([a, b, c], { timetoken: aTts[1]! });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ status: 200, error: false, error_message: '', channels: { [a]: 2, [b]: 2, [c]: 0 }, more: {} });
    const each = await counts([a, b, c], { channelsTimetoken: [aTts[0], bTts[1], '0'].join(',') });
    expect(each.body.channels).toEqual({ [a]: 3, [b]: 0, [c]: 0 });
    expect((await counts([a], { timetoken: 0 })).body.channels).toEqual({ [a]: 4 });
  });

  it('refuses a timetoken list of another length, both or neither parameter, and over 100 channels', async () => {
    const mismatch = await counts(['a', 'b'], { channelsTimetoken: '1' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toMatchObject({ status: 400, error: true, error_message: expect.stringContaining('channelsTimetoken'), channels: {} });
    expect((await counts(['a'], { timetoken: 1, channelsTimetoken: 1 })).status).toBe(400);
    expect((await counts(['a'], {})).body.error_message).toContain('timetoken');
    expect((await counts(['a'], { timetoken: 'x' })).status).toBe(400);
    expect(
      (
        await counts(
          Array.from({ length: 101 }, (_, n) => `c${n}`),
          { timetoken: 1 },
        )
      ).status,
    ).toBe(400);
  });
});

/** A raw subscriber on `channel`: its handshake timetoken, then `poll` for what comes after. */
async function subscribe(channel: string) {
  const base = `${server.url}/v2/subscribe/demo/${encode(channel)}/0?uuid=watcher`;
  const handshake = (await (await fetch(base)).json()) as SubscribeAnswer;
  let cursor = handshake.t.t;
  const received: SubscribeAnswer['m'] = [];
  return {
    received,
    async until(count: number) {
      for (let polls = 0; received.length < count && polls < 20; polls++) {
        const answer = (await (await fetch(`${base}&tt=${cursor}&tr=1`)).json()) as SubscribeAnswer;
        received.push(...answer.m);
        cursor = answer.t.t;
      }
      return received;
    },
  };
}

describe('message actions', () => {
  const actionsPath = (channel: string) => `/v1/message-actions/demo/channel/${encode(channel)}`;
  const add = (channel: string, tt: string, body: unknown, uuid = 'bob') =>
    api.send('POST', `${actionsPath(channel)}/message/${tt}`, { query: { uuid }, body });
  const removeAction = (channel: string, tt: string, actionTt: string, uuid = 'bob') =>
    api.delete(`${actionsPath(channel)}/message/${tt}/action/${actionTt}`, { query: { uuid } });

  it('adds an action, announced to subscribers with e:3; a duplicate is PubNub’s 409', async () => {
    const channel = fresh('react');
    const tt = await publish(channel, 'hello');
    const watcher = await subscribe(channel);
    const added = await add(channel, tt, { type: 'reactions', value: '👍' });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({
      status: 200,
      data: { type: 'reactions', value: '👍', uuid: 'bob', actionTimetoken: expect.stringMatching(/^\d{17}$/), messageTimetoken: tt },
    });
    const [envelope] = await watcher.until(1);
    expect(envelope).toMatchObject({
      e: 3,
      c: channel,
      i: 'bob',
      d: {
        source: 'actions',
        version: '1.0',
        event: 'added',
        data: { type: 'reactions', value: '👍', messageTimetoken: tt, actionTimetoken: added.body.data.actionTimetoken },
      },
    });
    const again = await add(channel, tt, { type: 'reactions', value: '👍' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ status: 409, error: { source: 'actions', message: 'Action Already Added' } });

    expect((await removeAction(channel, tt, added.body.data.actionTimetoken, 'mallory')).status).toBe(400);
    const removed = await removeAction(channel, tt, added.body.data.actionTimetoken);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ status: 200, data: {} });
    const [, removal] = await watcher.until(2);
    expect(removal).toMatchObject({ e: 3, i: 'bob', d: { event: 'removed', data: { value: '👍', actionTimetoken: added.body.data.actionTimetoken } } });
    expect((await removeAction(channel, tt, added.body.data.actionTimetoken)).status).toBe(200);
    expect((await api.get(actionsPath(channel))).body).toEqual({ status: 200, data: [] });
  });

  it('lists actions oldest first, the newest `limit`, with `more` reading further back', async () => {
    const channel = fresh('list');
    const [m1, m2] = await publishMany(channel, 2);
    const added: string[] = [];
    for (let n = 0; n < 7; n++) added.push((await add(channel, n % 2 === 0 ? m1! : m2!, { type: 'receipt', value: `v${n}` })).body.data.actionTimetoken);
    const all = await api.get(actionsPath(channel));
    expect(all.body.data.map((a: { value: string }) => a.value)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
    expect(all.body.more).toBeUndefined();
    const page = await api.get(actionsPath(channel), { query: { limit: 3 } });
    expect(page.body.data.map((a: { value: string }) => a.value)).toEqual(['v4', 'v5', 'v6']);
    expect(page.body.more).toEqual({ url: expect.stringContaining(`start=${added[4]}`), start: added[4], limit: 3 });
    const next = await api.get(page.body.more.url);
    expect(next.body.data.map((a: { value: string }) => a.value)).toEqual(['v1', 'v2', 'v3']);
    const ranged = await api.get(actionsPath(channel), { query: { start: added[5]!, end: added[2]! } });
    expect(ranged.body.data.map((a: { value: string }) => a.value)).toEqual(['v2', 'v3', 'v4']);
    expect((await api.get(actionsPath(channel), { query: { limit: 1000 } })).body.data).toHaveLength(7);
  });

  it('shows every action of each message in history with actions, grouped by type and value', async () => {
    const channel = fresh('with-actions');
    const [first, second] = await publishMany(channel, 2);
    const a = (await add(channel, first!, { type: 'reactions', value: '👍' }, 'bob')).body.data.actionTimetoken as string;
    const b = (await add(channel, first!, { type: 'reactions', value: '👍' }, 'carol')).body.data.actionTimetoken as string;
    const c = (await add(channel, first!, { type: 'edited', value: 'new text' }, 'alice')).body.data.actionTimetoken as string;
    const reply = await history([channel], {}, '/v3/history-with-actions');
    expect(reply.body.channels[channel]).toEqual([
      {
        message: { n: 0 },
        timetoken: first,
        actions: {
          reactions: {
            '👍': [
              { uuid: 'bob', actionTimetoken: a },
              { uuid: 'carol', actionTimetoken: b },
            ],
          },
          edited: { 'new text': [{ uuid: 'alice', actionTimetoken: c }] },
        },
      },
      { message: { n: 1 }, timetoken: second },
    ]);
    // Deleting a message from history deletes its actions.
    await api.delete(`/v3/history/sub-key/demo/channel/${channel}`, { query: { start: second!, end: first! } });
    expect((await api.get(actionsPath(channel))).body.data).toEqual([]);
  });

  it('refuses malformed actions, naming the field', async () => {
    const channel = fresh('bad-action');
    const tt = await publish(channel, 'x');
    const cases: [unknown, string][] = [
      [{ type: 'reactions-too-long', value: 'x' }, 'type'],
      [{ type: '', value: 'x' }, 'type'],
      [{ type: 'reactions', value: '' }, 'value'],
      [{ type: 'reactions', value: 7 }, 'value'],
      [{ value: 'x' }, 'type'],
    ];
    for (const [body, field] of cases) {
      const reply = await add(channel, tt, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.source).toBe('actions');
      expect(reply.body.error.details[0].location, JSON.stringify(body)).toBe(field);
    }
    const noUuid = await api.send('POST', `${actionsPath(channel)}/message/${tt}`, { body: { type: 'a', value: 'b' } });
    expect(noUuid.body.error.details[0].location).toBe('uuid');
    expect((await add(channel, 'yesterday', { type: 'a', value: 'b' })).body.error.details[0].location).toBe('messageTimetoken');
    expect((await api.get(actionsPath(channel), { query: { limit: 0 } })).status).toBe(400);
    expect((await api.get(actionsPath(channel), { query: { start: 'x' } })).status).toBe(400);
  });
});

describe('durability', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const started of servers) await started.close();
  });

  it('keeps a publish acknowledged before kill -9 in history after the restart', async () => {
    const first = await startServer();
    servers.push(first);
    const tts: string[] = [];
    for (let n = 0; n < 20; n++) tts.push(await publishText('durable', JSON.stringify({ n }), {}, first));
    await first.kill();
    const second = await startServer({ dir: first.dir });
    servers.push(second);
    const reply = await objectsClient(second).get<HistoryBody>('/v3/history/sub-key/demo/channel/durable', { query: { string_message_token: true } });
    expect(reply.body.channels['durable']!.map((item) => item.timetoken)).toEqual(tts);
  });
});
