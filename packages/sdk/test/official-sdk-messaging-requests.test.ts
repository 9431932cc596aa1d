/**
 * Signals, history and message actions: the official `pubnub` SDK (v11) and ours are given the
 * same inputs and send to a local recording server; method, path, decoded query and body must
 * match (`requestid` and `pnsdk` ignored), and signed requests carry valid v2 signatures.
 *
 * Deliberate differences, each pinned by a test in "differences from the JS SDK" below:
 * - fetchMessages always sends `string_message_token=true` (the JS SDK only with
 *   `stringifiedTimeToken: true`, which the comparisons here set), so timetokens arrive exact.
 * - fetchMessages sends `include_uuid=false`, `include_message_type=false` and
 *   `include_meta=false` when they are turned off; the JS SDK leaves them out, which a server
 *   that includes uuid and message type by default reads as "on".
 */
import { signatureV2, sortedQuery } from '@roster/protocol';
import { describe, expect, it } from 'vitest';
import { Roster } from '../src/index.ts';
import { useOfficialComparison } from './helpers/official-sdk.ts';
import { pubnubLikeResponder, type Responder } from './helpers/recording-server.ts';

const TT = '17000000000000001';
const ACTION = { type: 'reaction', value: 'smiley', uuid: 'u1', actionTimetoken: '17000000000000002', messageTimetoken: TT };

/** PubNub's answers to the messaging endpoints; everything else as the shared responder answers. */
const responder: Responder = (request) => {
  const { path, method } = request;
  if (path.startsWith('/signal/')) return { body: [1, 'Sent', TT], contentType: 'text/javascript; charset="UTF-8"' };
  if (path.includes('/message-counts/')) return { body: { status: 200, error: false, error_message: '', channels: { c1: 1 } } };
  if (path.startsWith('/v3/')) {
    if (method === 'DELETE') return { body: { status: 200, error: false, error_message: '' } };
    return { body: { status: 200, error: false, error_message: '', channels: { c1: [{ message: 'hi', timetoken: TT, uuid: 'u1', message_type: null }] } } };
  }
  if (path.startsWith('/v1/message-actions/')) {
    if (method === 'POST') return { body: { status: 200, data: ACTION } };
    if (method === 'DELETE') return { body: { status: 200, data: {} } };
    return { body: { status: 200, data: [ACTION] } };
  }
  return pubnubLikeResponder(request);
};

const sdks = useOfficialComparison({ responder });
const { capture, comparable, expectSameRequest } = sdks;

describe('signal and publish: the same request as the official SDK', () => {
  it('signal, with and without customMessageType, on a channel that needs encoding', async () => {
    const sent = await expectSameRequest(
      () => sdks.official.signal({ channel: 'c 1/ü', message: { type: 'typing', value: true } }),
      () => sdks.ours.signal().channel('c 1/ü').message({ type: 'typing', value: true }),
    );
    expect(sent.path).toBe('/signal/demo/demo/0/c%201%2F%C3%BC/0/%7B%22type%22%3A%22typing%22%2C%22value%22%3Atrue%7D');
    await expectSameRequest(
      () => sdks.official.signal({ channel: 'c1', message: 'ping', customMessageType: 'receipt' }),
      () => sdks.ours.signal({ channel: 'c1', message: 'ping', customMessageType: 'receipt' }),
    );
  });

  it('publish with customMessageType', async () => {
    await expectSameRequest(
      () => sdks.official.publish({ channel: 'c1', message: { hi: 1 }, customMessageType: 'text-message' }),
      () => sdks.ours.publish().channel('c1').message({ hi: 1 }).customMessageType('text-message'),
    );
  });
});

describe('history: the same request as the official SDK', () => {
  it('fetchMessages of one channel, defaults and every flag', async () => {
    const defaults = await expectSameRequest(
      () => sdks.official.fetchMessages({ channels: ['c1'], stringifiedTimeToken: true }),
      () => sdks.ours.fetchMessages().channels(['c1']),
    );
    expect(defaults.query['max']).toEqual(['100']);
    await expectSameRequest(
      () =>
        sdks.official.fetchMessages({
          channels: ['c 1'],
          count: 10,
          start: '17000000000000009',
          end: '17000000000000001',
          includeMeta: true,
          includeCustomMessageType: true,
          stringifiedTimeToken: true,
        }),
      () =>
        sdks.ours
          .fetchMessages()
          .channels('c 1')
          .maximumPerChannel(10)
          .start('17000000000000009')
          .end(17000000000000001n)
          .includeMeta(true)
          .includeCustomMessageType(true),
    );
    await expectSameRequest(
      () => sdks.official.fetchMessages({ channels: ['c1'], includeCustomMessageType: false, stringifiedTimeToken: true }),
      () => sdks.ours.fetchMessages({ channels: ['c1'], includeCustomMessageType: false }),
    );
  });

  it('fetchMessages of several channels, and with actions: 25 per channel at most', async () => {
    const several = await expectSameRequest(
      () => sdks.official.fetchMessages({ channels: ['a', 'b/c'], count: 40, stringifiedTimeToken: true }),
      () => sdks.ours.fetchMessages({ channels: ['a', 'b/c'], maximumPerChannel: 40 }),
    );
    expect(several).toMatchObject({ path: '/v3/history/sub-key/demo/channel/a,b%2Fc', query: { max: ['25'] } });
    const actions = await expectSameRequest(
      () => sdks.official.fetchMessages({ channels: ['c1'], includeMessageActions: true, stringifiedTimeToken: true }),
      () => sdks.ours.fetchMessages().channels(['c1']).includeMessageActions(true),
    );
    expect(actions).toMatchObject({ path: '/v3/history-with-actions/sub-key/demo/channel/c1', query: { max: ['25'] } });
  });

  it('deleteMessages', async () => {
    await expectSameRequest(
      () => sdks.official.deleteMessages({ channel: 'c 1', start: '17000000000000000', end: '17000000000000001' }),
      () => sdks.ours.deleteMessages().channel('c 1').start(17000000000000000n).end('17000000000000001'),
    );
    await expectSameRequest(
      () => sdks.official.deleteMessages({ channel: 'c1' }),
      () => sdks.ours.deleteMessages({ channel: 'c1' }),
    );
  });

  it('messageCounts with one timetoken and with one per channel', async () => {
    const one = await expectSameRequest(
      () => sdks.official.messageCounts({ channels: ['a', 'b c'], channelTimetokens: ['17000000000000001'] }),
      () => sdks.ours.messageCounts().channels(['a', 'b c']).channelTimetokens(['17000000000000001']),
    );
    expect(one.query).toEqual({ timetoken: ['17000000000000001'], uuid: ['u1'] });
    const each = await expectSameRequest(
      () => sdks.official.messageCounts({ channels: ['a', 'b'], channelTimetokens: ['17000000000000001', '17000000000000002'] }),
      () => sdks.ours.messageCounts({ channels: ['a', 'b'], channelTimetokens: [17000000000000001n, '17000000000000002'] }),
    );
    expect(each.query['channelsTimetoken']).toEqual(['17000000000000001,17000000000000002']);
  });
});

describe('message actions: the same request as the official SDK', () => {
  it('addMessageAction', async () => {
    const sent = await expectSameRequest(
      () => sdks.official.addMessageAction({ channel: 'c 1', messageTimetoken: TT, action: { type: 'reaction', value: '👍' } }),
      () => sdks.ours.addMessageAction().channel('c 1').messageTimetoken(TT).action({ type: 'reaction', value: '👍' }),
    );
    expect(sent).toMatchObject({ method: 'POST', path: `/v1/message-actions/demo/channel/c%201/message/${TT}`, body: { type: 'reaction', value: '👍' } });
    expect(sdks.server.requests[0]?.headers['content-type']).toMatch(/^application\/json/);
  });

  it('removeMessageAction', async () => {
    await expectSameRequest(
      () => sdks.official.removeMessageAction({ channel: 'c1', messageTimetoken: TT, actionTimetoken: '17000000000000002' }),
      () => sdks.ours.removeMessageAction({ channel: 'c1', messageTimetoken: TT, actionTimetoken: '17000000000000002' }),
    );
  });

  it('getMessageActions, with and without a range', async () => {
    await expectSameRequest(
      () => sdks.official.getMessageActions({ channel: 'c1' }),
      () => sdks.ours.getMessageActions().channel('c1'),
    );
    await expectSameRequest(
      () => sdks.official.getMessageActions({ channel: 'c1', start: '17000000000000009', end: '17000000000000001', limit: 5 }),
      () => sdks.ours.getMessageActions({ channel: 'c1', start: '17000000000000009', end: '17000000000000001', limit: 5 }),
    );
  });

  it('reads the answers the official SDK reads', async () => {
    expect((await sdks.ours.addMessageAction({ channel: 'c1', messageTimetoken: TT, action: { type: 'reaction', value: 'smiley' } })).result.data).toEqual(
      ACTION,
    );
    expect((await sdks.ours.getMessageActions({ channel: 'c1' })).result).toMatchObject({
      data: [ACTION],
      start: ACTION.actionTimetoken,
      end: ACTION.actionTimetoken,
    });
    expect((await sdks.ours.fetchMessages({ channels: ['c1'] })).result.channels).toEqual({
      c1: [{ channel: 'c1', message: 'hi', timetoken: TT, uuid: 'u1', messageType: null }],
    });
    expect((await sdks.ours.messageCounts({ channels: ['c1'], channelTimetokens: [0] })).result.channels).toEqual({ c1: 1 });
    expect((await sdks.ours.signal({ channel: 'c1', message: 1 })).result.timetoken).toBe(TT);
  });
});

describe('signing the messaging calls', () => {
  it('sends v2 signatures that cover the method, path, query and body', async () => {
    const signed = new Roster({ publishKey: 'pub', subscribeKey: 'demo', secretKey: 'sec-key', userId: 'u1', origin: sdks.server.url, retry: false });
    for (const call of [
      () => signed.signal({ channel: 'c 1', message: { type: 'typing' } }),
      () => signed.fetchMessages({ channels: ['a', 'b'], includeMeta: true }),
      () => signed.deleteMessages({ channel: 'c1', start: TT, end: TT }),
      () => signed.addMessageAction({ channel: 'c1', messageTimetoken: TT, action: { type: 'reaction', value: 'ü' } }),
      () => signed.removeMessageAction({ channel: 'c1', messageTimetoken: TT, actionTimetoken: TT }),
    ]) {
      const request = await capture(call);
      const pairs = request.rawQuery.split('&').map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), decodeURIComponent(pair.slice(at + 1))] as const;
      });
      const query = pairs.filter(([key]) => key !== 'signature');
      const expected = await signatureV2('sec-key', {
        method: request.method,
        publishKey: 'pub',
        path: request.path,
        query: sortedQuery(query),
        body: request.body,
      });
      expect(pairs.find(([key]) => key === 'signature')?.[1]).toBe(expected);
    }
  });
});

describe('differences from the JS SDK', () => {
  it('fetchMessages always asks for string timetokens', async () => {
    const theirs = comparable(await capture(() => sdks.official.fetchMessages({ channels: ['c1'] })));
    const mine = comparable(await capture(() => sdks.ours.fetchMessages({ channels: ['c1'] })));
    expect(theirs.query['string_message_token']).toBeUndefined();
    expect(mine.query['string_message_token']).toEqual(['true']);
  });

  it('fetchMessages sends the flags it turns off', async () => {
    const theirs = comparable(
      await capture(() => sdks.official.fetchMessages({ channels: ['c1'], includeUUID: false, includeMessageType: false, includeMeta: false })),
    );
    const mine = comparable(
      await capture(() => sdks.ours.fetchMessages({ channels: ['c1'], includeUUID: false, includeMessageType: false, includeMeta: false })),
    );
    for (const flag of ['include_uuid', 'include_message_type', 'include_meta']) {
      expect(theirs.query[flag]).toBeUndefined();
      expect(mine.query[flag]).toEqual(['false']);
    }
  });
});
