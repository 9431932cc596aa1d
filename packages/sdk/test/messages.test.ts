import { useServer } from '@roster/testing';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { PNOperationType, PNStatusCategory, type PNFetchMessageItem, type Roster } from '../src/index.ts';
import { clientFor, rejection, unique, viaCallback } from './helpers/roster.ts';

const server = useServer();
let client: Roster;

beforeAll(() => {
  client = clientFor(server, 'author');
});

/** Publishes each message in turn and returns their timetokens, oldest first. */
async function publishAll(
  channel: string,
  messages: readonly unknown[],
  extra: { meta?: Record<string, unknown>; customMessageType?: string } = {},
): Promise<string[]> {
  const timetokens: string[] = [];
  for (const message of messages) timetokens.push((await client.publish({ channel, message, ...extra }).sync()).result.timetoken);
  return timetokens;
}

const texts = (items: readonly PNFetchMessageItem[] | undefined): unknown[] => (items ?? []).map((item) => item.message);

describe('fetchMessages against a real Roster server', () => {
  it('fluent .sync(): the stored messages oldest first, with timetoken, publisher, meta and message type', async () => {
    const channel = unique('room');
    const timetokens = await publishAll(channel, [{ text: 'one' }, { text: 'two' }, { text: 'three' }], { meta: { lang: 'en' } });
    const { result, status } = await client.fetchMessages().channels([channel]).maximumPerChannel(25).includeMeta(true).sync();
    expect(status.isError()).toBe(false);
    expect(status.statusCode).toBe(200);
    expect(status.operation).toBe(PNOperationType.PNFetchMessagesOperation);
    expect(result.status).toBe(status);
    expect(Object.keys(result.channels)).toEqual([channel]);
    expect(result.channels[channel]).toEqual([
      { channel, message: { text: 'one' }, timetoken: timetokens[0], uuid: 'author', meta: { lang: 'en' }, messageType: null },
      { channel, message: { text: 'two' }, timetoken: timetokens[1], uuid: 'author', meta: { lang: 'en' }, messageType: null },
      { channel, message: { text: 'three' }, timetoken: timetokens[2], uuid: 'author', meta: { lang: 'en' }, messageType: null },
    ]);
    expect(result.more).toBeUndefined();
  });

  it('named arguments with .pnAsync(): several channels, the newest maximumPerChannel of each', async () => {
    const [a, b] = [unique('a'), unique('b')];
    await publishAll(a, ['a1', 'a2', 'a3']);
    await publishAll(b, ['b1', 'b2']);
    const { result, status } = await viaCallback(client.fetchMessages({ channels: [a, b], maximumPerChannel: 2 }));
    expect(status.isError()).toBe(false);
    expect(texts(result?.channels[a])).toEqual(['a2', 'a3']);
    expect(texts(result?.channels[b])).toEqual(['b1', 'b2']);
  });

  it('start is exclusive and end inclusive; start = tt + 1, end = tt reads exactly one message', async () => {
    const channel = unique('range');
    const tt = await publishAll(channel, ['m0', 'm1', 'm2', 'm3', 'm4']);
    const older = await client.fetchMessages({ channels: channel, start: tt[2]! }).sync();
    expect(texts(older.result.channels[channel])).toEqual(['m0', 'm1']);
    const from = await client.fetchMessages({ channels: channel, end: tt[3]! }).sync();
    expect(texts(from.result.channels[channel])).toEqual(['m3', 'm4']);
    const between = await client.fetchMessages().channels(channel).start(tt[4]!).end(tt[1]!).sync();
    expect(texts(between.result.channels[channel])).toEqual(['m1', 'm2', 'm3']);
    const one = await client
      .fetchMessages()
      .channels([channel])
      .start(BigInt(tt[2]!) + 1n)
      .end(tt[2]!)
      .maximumPerChannel(1)
      .sync();
    expect(one.result.channels[channel]).toEqual([expect.objectContaining({ message: 'm2', timetoken: tt[2] })]);
    // Paging backwards: the oldest timetoken of a page is the start of the next.
    const newest = await client.fetchMessages({ channels: [channel], maximumPerChannel: 2 }).sync();
    expect(texts(newest.result.channels[channel])).toEqual(['m3', 'm4']);
    const next = await client.fetchMessages({ channels: [channel], maximumPerChannel: 2, start: newest.result.channels[channel]![0]!.timetoken }).sync();
    expect(texts(next.result.channels[channel])).toEqual(['m1', 'm2']);
  });

  it('the include flags: uuid and message type can be turned off, custom message type and meta turned on', async () => {
    const channel = unique('flags');
    const [tt] = await publishAll(channel, [{ n: 1 }], { customMessageType: 'text-message' });
    const plain = await client.fetchMessages({ channels: [channel], includeUUID: false, includeMessageType: false }).sync();
    expect(plain.result.channels[channel]).toEqual([{ channel, message: { n: 1 }, timetoken: tt }]);
    const typed = await client.fetchMessages().channels([channel]).includeCustomMessageType(true).sync();
    expect(typed.result.channels[channel]).toEqual([
      { channel, message: { n: 1 }, timetoken: tt, uuid: 'author', messageType: null, customMessageType: 'text-message' },
    ]);
    // Meta was not published, so asking for it adds nothing.
    const meta = await client.fetchMessages({ channels: [channel], includeMeta: true }).sync();
    expect(meta.result.channels[channel]?.[0]).not.toHaveProperty('meta');
  });

  it('stores neither messages published with shouldStore(false) nor signals', async () => {
    const channel = unique('unstored');
    await client.publish().channel(channel).message('kept').sync();
    await client.publish().channel(channel).message('not kept').shouldStore(false).sync();
    await client.signal().channel(channel).message('a signal').sync();
    const { result } = await client.fetchMessages({ channels: [channel] }).sync();
    expect(texts(result.channels[channel])).toEqual(['kept']);
  });

  it('types the message with a generic', async () => {
    const channel = unique('typed');
    await publishAll(channel, [{ text: 'hi', n: 1 }]);
    const { result } = await client.fetchMessages<{ text: string; n: number }>({ channels: [channel] }).sync();
    expectTypeOf(result.channels[channel]![0]!.message).toEqualTypeOf<{ text: string; n: number }>();
    expect(result.channels[channel]![0]!.message.n).toBe(1);
  });

  it('parameters missing or out of range fail before sending, with PNValidationErrorCategory', async () => {
    const cases = [
      client.fetchMessages(),
      client.fetchMessages({ channels: [] }),
      client.fetchMessages({ channels: ['a', 'b'], includeMessageActions: true }),
      client.fetchMessages({ channels: ['a'], maximumPerChannel: 0 }),
      client.fetchMessages({ channels: ['a'], start: 'yesterday' }),
      client.fetchMessages({ channels: ['a'], end: 2 ** 60 }),
    ];
    for (const builder of cases) {
      expect(await rejection(builder)).toMatchObject({ status: { category: PNStatusCategory.PNValidationErrorCategory, statusCode: 0 } });
    }
    const { result, status } = await viaCallback(client.fetchMessages({ channels: ['a', 'b'], includeMessageActions: true }));
    expect(result).toBeNull();
    expect(status.errorData?.information).toMatch(/one channel/);
  });

  it('a keyset the server does not know is a 4xx status', async () => {
    const stranger = clientFor(server, 'me', { subscribeKey: unique('no-such-key') });
    const error = await rejection(stranger.fetchMessages({ channels: ['a'] }));
    expect(error).toMatchObject({ status: { operation: PNOperationType.PNFetchMessagesOperation } });
    const { status } = await viaCallback(stranger.fetchMessages({ channels: ['a'] }));
    expect(status.statusCode).toBeGreaterThanOrEqual(400);
    expect(status.statusCode).toBeLessThan(500);
  });
});

describe('deleteMessages against a real Roster server', () => {
  it('fluent: start = tt - 1, end = tt deletes exactly that message', async () => {
    const channel = unique('delete-one');
    const tt = await publishAll(channel, ['keep-1', 'gone', 'keep-2']);
    const { result, status } = await client
      .deleteMessages()
      .channel(channel)
      .start(BigInt(tt[1]!) - 1n)
      .end(tt[1]!)
      .sync();
    expect(status.isError()).toBe(false);
    expect(status.operation).toBe(PNOperationType.PNHistoryDeleteOperation);
    expect(result).toEqual({ status });
    const { result: after } = await client.fetchMessages({ channels: [channel] }).sync();
    expect(texts(after.channels[channel])).toEqual(['keep-1', 'keep-2']);
  });

  it('named with .pnAsync(): without bounds every message of the channel goes, other channels stay', async () => {
    const [channel, other] = [unique('delete-all'), unique('untouched')];
    await publishAll(channel, ['x', 'y']);
    await publishAll(other, ['z']);
    const { result, status } = await viaCallback(client.deleteMessages({ channel }));
    expect(status.isError()).toBe(false);
    expect(result?.status).toBe(status);
    const { result: after } = await client.fetchMessages({ channels: [channel, other] }).sync();
    expect(texts(after.channels[channel])).toEqual([]);
    expect(texts(after.channels[other])).toEqual(['z']);
  });

  it('a missing channel or a bad timetoken fails before sending', async () => {
    for (const builder of [client.deleteMessages(), client.deleteMessages({ channel: 'c', start: '12ab' })]) {
      expect(await rejection(builder)).toMatchObject({
        status: { category: PNStatusCategory.PNValidationErrorCategory, operation: PNOperationType.PNHistoryDeleteOperation },
      });
    }
  });
});

describe('messageCounts against a real Roster server', () => {
  it('fluent: one timetoken for every channel counts the messages strictly after it', async () => {
    const [a, b] = [unique('count-a'), unique('count-b')];
    const ta = await publishAll(a, [1, 2, 3]);
    await publishAll(b, [1]);
    const { result, status } = await client.messageCounts().channels([a, b]).channelTimetokens([ta[0]!]).sync();
    expect(status.isError()).toBe(false);
    expect(status.operation).toBe(PNOperationType.PNMessageCountOperation);
    expect(result.channels).toEqual({ [a]: 2, [b]: 1 });
    expect(result.status).toBe(status);
  });

  it('named with .pnAsync(): one timetoken per channel (0 counts everything)', async () => {
    const [a, b] = [unique('count-a'), unique('count-b')];
    await publishAll(a, [1, 2]);
    const tb = await publishAll(b, [1, 2, 3, 4]);
    const { result, status } = await viaCallback(client.messageCounts({ channels: [a, b], channelTimetokens: [0, tb[1]!] }));
    expect(status.isError()).toBe(false);
    expect(result?.channels).toEqual({ [a]: 2, [b]: 2 });
  });

  it('mismatched or missing timetokens, and missing channels, fail before sending', async () => {
    const cases = [
      client.messageCounts({ channels: ['a', 'b', 'c'], channelTimetokens: ['1', '2'] }),
      client.messageCounts({ channels: ['a'] }),
      client.messageCounts({ channelTimetokens: ['1'] }),
      client.messageCounts({ channels: ['a'], channelTimetokens: [-1] }),
    ];
    for (const builder of cases) {
      expect(await rejection(builder)).toMatchObject({
        status: { category: PNStatusCategory.PNValidationErrorCategory, operation: PNOperationType.PNMessageCountOperation },
      });
    }
  });
});
