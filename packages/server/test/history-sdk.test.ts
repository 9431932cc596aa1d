/**
 * The official PubNub JavaScript SDK (npm `pubnub` v11) against a Roster node's Message
 * Persistence and Message Actions: fetchMessages (with and without message actions),
 * deleteMessages, messageCounts, addMessageAction, removeMessageAction, getMessageActions, and
 * the `messageAction` listener.
 */
import PubNub from 'pubnub';
import { useServer } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { statusOf } from './http.ts';

const server = useServer({ args: ['--subscribe-hold', '5'] });
const clients: PubNub[] = [];

function client(userId: string): PubNub {
  const pubnub = new PubNub({ publishKey: 'demo', subscribeKey: 'demo', userId, origin: server.origin, ssl: false, logVerbosity: false });
  clients.push(pubnub);
  return pubnub;
}

afterAll(() => {
  for (const pubnub of clients) pubnub.destroy();
});

async function until<T>(read: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

let unique = 0;
const fresh = (what: string) => `${what}-${++unique}-${Date.now()}`;

/** Publishes `{n}` for each n; the timetokens. */
async function publishMany(pubnub: PubNub, channel: string, count: number): Promise<string[]> {
  const timetokens: string[] = [];
  for (let n = 0; n < count; n++) timetokens.push((await pubnub.publish({ channel, message: { n } })).timetoken);
  return timetokens;
}

describe('official SDK: fetchMessages', () => {
  it('reads one channel oldest first with meta, uuid and custom message type, and a page by start/end/count', async () => {
    const alice = client('alice');
    const channel = fresh('sdk-history');
    const tts = await publishMany(alice, channel, 5);
    const typed = await alice.publish({ channel, message: { text: 'typed' }, meta: { lang: 'en' }, customMessageType: 'chat-msg' });
    const all = await alice.fetchMessages({ channels: [channel], includeMeta: true, includeCustomMessageType: true, stringifiedTimeToken: true });
    const messages = all.channels[channel]!;
    expect(messages.map((m) => m.timetoken)).toEqual([...tts, typed.timetoken]);
    expect(messages[0]).toMatchObject({ channel, message: { n: 0 }, uuid: 'alice', messageType: -1 });
    expect(messages[0]).not.toHaveProperty('meta');
    expect(messages[5]).toMatchObject({ message: { text: 'typed' }, meta: { lang: 'en' }, customMessageType: 'chat-msg', uuid: 'alice' });

    const page = await alice.fetchMessages({ channels: [channel], start: tts[4]!, end: tts[1]!, count: 2, stringifiedTimeToken: true });
    expect(page.channels[channel]!.map((m) => m.message)).toEqual([{ n: 2 }, { n: 3 }]);
    // getMessage(tt) as the Chat SDK asks for it.
    const one = await alice.fetchMessages({
      channels: [channel],
      start: (BigInt(tts[2]!) + 1n).toString(),
      end: tts[2]!,
      count: 1,
      stringifiedTimeToken: true,
    });
    expect(one.channels[channel]).toEqual([expect.objectContaining({ timetoken: tts[2], message: { n: 2 } })]);
    // Without stringifiedTimeToken the timetokens are JSON numbers, as PubNub sends them.
    const numeric = await alice.fetchMessages({ channels: [channel], count: 1 });
    expect(typeof numeric.channels[channel]![0]!.timetoken).toBe('number');
  });

  it('reads several channels at 25 messages each', async () => {
    const bob = client('bob');
    const [a, b] = [fresh('sdk-multi-a'), fresh('sdk-multi-b')];
    await publishMany(bob, a, 27);
    await publishMany(bob, b, 2);
    const both = await bob.fetchMessages({ channels: [a, b], count: 100 });
    expect(both.channels[a]).toHaveLength(25);
    expect(both.channels[a]![0]!.message).toEqual({ n: 2 });
    expect(both.channels[b]!.map((m) => m.message)).toEqual([{ n: 0 }, { n: 1 }]);
  });

  it('reads a channel with its message actions, and the more link when older messages remain', async () => {
    const carol = client('carol');
    const channel = fresh('sdk-actions');
    const tts = await publishMany(carol, channel, 27);
    const { data } = await carol.addMessageAction({ channel, messageTimetoken: tts[26]!, action: { type: 'reactions', value: '🎉' } });
    const withActions = await carol.fetchMessages({ channels: [channel], includeMessageActions: true, stringifiedTimeToken: true });
    const messages = withActions.channels[channel]!;
    expect(messages).toHaveLength(25);
    expect(messages[24]).toMatchObject({ timetoken: tts[26], actions: { reactions: { '🎉': [{ uuid: 'carol', actionTimetoken: data.actionTimetoken }] } } });
    expect('more' in withActions && withActions.more).toMatchObject({ start: tts[2], max: 25 });
  });
});

describe('official SDK: deleteMessages and messageCounts', () => {
  it('deletes one message as the Chat SDK does (start = tt - 1, end = tt), then everything', async () => {
    const dave = client('dave');
    const channel = fresh('sdk-delete');
    const tts = await publishMany(dave, channel, 3);
    await dave.deleteMessages({ channel, start: (BigInt(tts[1]!) - 1n).toString(), end: tts[1]! });
    const left = await dave.fetchMessages({ channels: [channel], stringifiedTimeToken: true });
    expect(left.channels[channel]!.map((m) => m.timetoken)).toEqual([tts[0], tts[2]]);
    await dave.deleteMessages({ channel });
    expect((await dave.fetchMessages({ channels: [channel] })).channels[channel]).toBeUndefined();
  });

  it('counts messages after one timetoken, or one per channel', async () => {
    const erin = client('erin');
    const [a, b] = [fresh('sdk-count-a'), fresh('sdk-count-b')];
    const aTts = await publishMany(erin, a, 3);
    await publishMany(erin, b, 1);
    expect((await erin.messageCounts({ channels: [a, b], timetoken: aTts[0]! })).channels).toEqual({ [a]: 2, [b]: 1 });
    expect((await erin.messageCounts({ channels: [a, b], channelTimetokens: [aTts[2]!, '0'] })).channels).toEqual({ [a]: 0, [b]: 1 });
    // One timetoken per channel of another length is refused, by the SDK itself or the server.
    expect(await statusOf(erin.messageCounts({ channels: [a, b, 'c'], channelTimetokens: ['0', '0'] }))).not.toBe(200);
  });
});

describe('official SDK: message actions', () => {
  it('adds, lists, removes; listeners hear both; a duplicate is a 409', async () => {
    const channel = fresh('sdk-react');
    const listener = client('listener');
    const heard: { event: string; data: { type: string; value: string; uuid: string; actionTimetoken: string; messageTimetoken: string } }[] = [];
    const statuses: string[] = [];
    listener.addListener({
      messageAction: (event) => heard.push(event as unknown as (typeof heard)[number]),
      status: (status) => statuses.push(String(status.category)),
    });
    listener.subscribe({ channels: [channel] });
    await until(() => (statuses.includes('PNConnectedCategory') ? true : undefined), 'the subscription to connect');

    const frank = client('frank');
    const { timetoken } = await frank.publish({ channel, message: 'react to me' });
    const added = await frank.addMessageAction({ channel, messageTimetoken: timetoken, action: { type: 'reactions', value: '👍' } });
    expect(added.data).toEqual({
      type: 'reactions',
      value: '👍',
      uuid: 'frank',
      messageTimetoken: timetoken,
      actionTimetoken: expect.stringMatching(/^\d{17}$/),
    });
    const second = await frank.addMessageAction({ channel, messageTimetoken: timetoken, action: { type: 'edited', value: 'new text' } });
    expect(await statusOf(frank.addMessageAction({ channel, messageTimetoken: timetoken, action: { type: 'reactions', value: '👍' } }))).toBe(409);

    const listed = await frank.getMessageActions({ channel });
    expect(listed.data.map((a) => a.actionTimetoken)).toEqual([added.data.actionTimetoken, second.data.actionTimetoken]);
    expect(listed).toMatchObject({ start: added.data.actionTimetoken, end: second.data.actionTimetoken });
    const limited = await frank.getMessageActions({ channel, limit: 1 });
    expect(limited.data.map((a) => a.type)).toEqual(['edited']);
    expect(limited.more).toMatchObject({ start: second.data.actionTimetoken, limit: 1 });

    await frank.removeMessageAction({ channel, messageTimetoken: timetoken, actionTimetoken: added.data.actionTimetoken });
    expect((await frank.getMessageActions({ channel })).data.map((a) => a.type)).toEqual(['edited']);

    await until(() => (heard.length >= 3 ? true : undefined), 'three action events');
    expect(heard.map((e) => [e.event, e.data.type, e.data.uuid])).toEqual([
      ['added', 'reactions', 'frank'],
      ['added', 'edited', 'frank'],
      ['removed', 'reactions', 'frank'],
    ]);
    expect(heard[0]!.data).toMatchObject({ value: '👍', messageTimetoken: timetoken, actionTimetoken: added.data.actionTimetoken });
  });

  it('refuses to let another user remove an action', async () => {
    const channel = fresh('sdk-owner');
    const grace = client('grace');
    const { timetoken } = await grace.publish({ channel, message: 'mine' });
    const { data } = await grace.addMessageAction({ channel, messageTimetoken: timetoken, action: { type: 'reactions', value: 'ok' } });
    const heidi = client('heidi');
    expect(await statusOf(heidi.removeMessageAction({ channel, messageTimetoken: timetoken, actionTimetoken: data.actionTimetoken }))).toBe(400);
    expect((await grace.getMessageActions({ channel })).data).toHaveLength(1);
  });
});
