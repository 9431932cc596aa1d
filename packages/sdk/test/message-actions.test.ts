import { useServer } from '@roster/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PNOperationType, PNStatusCategory, type Endpoint, type PNMessageActionEvent, type Roster } from '../src/index.ts';
import { clientFor, rejection, unique, viaCallback } from './helpers/roster.ts';
import { nextStatus, waitFor } from './helpers/wait.ts';

const server = useServer();
let ann: Roster;
let bob: Roster;
const subscribers: Roster[] = [];

beforeAll(() => {
  ann = clientFor(server, 'ann');
  bob = clientFor(server, 'bob');
});
afterEach(() => {
  for (const client of subscribers.splice(0)) client.destroy();
});

/** A connected subscriber collecting message action events. */
async function watch(channel: string): Promise<PNMessageActionEvent[]> {
  const client = clientFor(server, unique('watcher'));
  subscribers.push(client);
  const events: PNMessageActionEvent[] = [];
  client.addListener({ messageAction: (event) => events.push(event) });
  const connected = nextStatus(client, PNStatusCategory.PNConnectedCategory);
  client.subscribe().channels([channel]).execute();
  await connected;
  return events;
}

async function message(channel: string, text = 'hello'): Promise<string> {
  return (await ann.publish({ channel, message: { text } }).sync()).result.timetoken;
}

const TIMETOKEN = /^\d{17}$/;

describe('message actions against a real Roster server', () => {
  it('addMessageAction (fluent, .sync()) answers the stored action, and subscribers get an "added" event', async () => {
    const channel = unique('reactions');
    const events = await watch(channel);
    const messageTimetoken = await message(channel);
    const { result, status } = await bob
      .addMessageAction()
      .channel(channel)
      .messageTimetoken(messageTimetoken)
      .action({ type: 'reaction', value: 'smiley_face' })
      .sync();
    expect(status.isError()).toBe(false);
    expect(status.operation).toBe(PNOperationType.PNAddMessageAction);
    expect(result.status).toBe(status);
    expect(result.data).toEqual({ type: 'reaction', value: 'smiley_face', uuid: 'bob', messageTimetoken, actionTimetoken: expect.stringMatching(TIMETOKEN) });
    expect(BigInt(result.data.actionTimetoken)).toBeGreaterThan(BigInt(messageTimetoken));

    await waitFor('the added event', () => events.length === 1);
    expect(events[0]).toEqual({
      channel,
      subscription: channel,
      timetoken: expect.stringMatching(TIMETOKEN),
      event: 'added',
      publisher: 'bob',
      data: { type: 'reaction', value: 'smiley_face', uuid: 'bob', messageTimetoken, actionTimetoken: result.data.actionTimetoken },
    });
  });

  it("addMessageAction with Python's messageAction (named, .pnAsync())", async () => {
    const channel = unique('receipts');
    const messageTimetoken = await message(channel);
    const { result, status } = await viaCallback(
      ann.addMessageAction({ channel, messageAction: { type: 'receipt', value: 'read', messageTimetoken: BigInt(messageTimetoken) } }),
    );
    expect(status.isError()).toBe(false);
    expect(result?.data).toMatchObject({ type: 'receipt', value: 'read', uuid: 'ann', messageTimetoken });
    const fluent = await ann.addMessageAction().channel(channel).messageAction({ type: 'receipt', value: 'delivered', messageTimetoken }).sync();
    expect(fluent.result.data).toMatchObject({ value: 'delivered', messageTimetoken });
  });

  it("getMessageActions lists a channel's actions oldest first, pages with start/end/limit", async () => {
    const channel = unique('listed');
    const [m1, m2] = [await message(channel, 'one'), await message(channel, 'two')];
    const added = [];
    for (const [who, tt, value] of [
      [ann, m1, 'a'],
      [bob, m1, 'b'],
      [ann, m2, 'c'],
    ] as const) {
      added.push((await who.addMessageAction({ channel, messageTimetoken: tt, action: { type: 'reaction', value } }).sync()).result.data);
    }
    const { result, status } = await ann.getMessageActions().channel(channel).sync();
    expect(status.operation).toBe(PNOperationType.PNGetMessageActions);
    expect(result.data).toEqual(added);
    expect(result.start).toBe(added[0]!.actionTimetoken);
    expect(result.end).toBe(added[2]!.actionTimetoken);
    expect(result.more).toBeUndefined();
    expect(result.status).toBe(status);

    const newest = await viaCallback(ann.getMessageActions({ channel, limit: 2 }));
    expect(newest.result?.data.map((action) => action.value)).toEqual(['b', 'c']);
    const older = await ann.getMessageActions({ channel, start: newest.result!.start! }).sync();
    expect(older.result.data.map((action) => action.value)).toEqual(['a']);
    const fromSecond = await ann.getMessageActions().channel(channel).end(added[1]!.actionTimetoken).sync();
    expect(fromSecond.result.data.map((action) => action.value)).toEqual(['b', 'c']);

    const none = await ann.getMessageActions({ channel: unique('empty') }).sync();
    expect(none.result).toMatchObject({ data: [], start: null, end: null });
  });

  it('fetchMessages with includeMessageActions returns each message with its actions', async () => {
    const channel = unique('history-actions');
    const [m1, m2] = [await message(channel, 'one'), await message(channel, 'two')];
    const first = (await ann.addMessageAction({ channel, messageTimetoken: m1, action: { type: 'reaction', value: '👍' } }).sync()).result.data;
    const second = (await bob.addMessageAction({ channel, messageTimetoken: m1, action: { type: 'reaction', value: '👍' } }).sync()).result.data;
    const edit = (await ann.addMessageAction({ channel, messageTimetoken: m1, action: { type: 'edited', value: 'one!' } }).sync()).result.data;

    const { result } = await ann.fetchMessages().channels([channel]).includeMessageActions(true).sync();
    const items = result.channels[channel] ?? [];
    expect(items.map((item) => item.timetoken)).toEqual([m1, m2]);
    expect(items[0]?.actions).toEqual({
      reaction: {
        '👍': [
          { uuid: 'ann', actionTimetoken: first.actionTimetoken },
          { uuid: 'bob', actionTimetoken: second.actionTimetoken },
        ],
      },
      edited: { 'one!': [{ uuid: 'ann', actionTimetoken: edit.actionTimetoken }] },
    });
    expect(items[1]?.actions ?? {}).toEqual({});
  });

  it('removeMessageAction takes the action off, and subscribers get a "removed" event', async () => {
    const channel = unique('removed');
    const events = await watch(channel);
    const messageTimetoken = await message(channel);
    const { data: action } = (await ann.addMessageAction({ channel, messageTimetoken, action: { type: 'reaction', value: 'x' } }).sync()).result;
    const { result, status } = await ann
      .removeMessageAction()
      .channel(channel)
      .messageTimetoken(messageTimetoken)
      .actionTimetoken(action.actionTimetoken)
      .sync();
    expect(status.isError()).toBe(false);
    expect(status.operation).toBe(PNOperationType.PNDeleteMessageAction);
    expect(result).toEqual({ data: {}, status });

    await waitFor('added and removed events', () => events.length === 2);
    expect(events.map((event) => event.event)).toEqual(['added', 'removed']);
    expect(events[1]).toMatchObject({
      channel,
      publisher: 'ann',
      data: { type: 'reaction', value: 'x', uuid: 'ann', messageTimetoken, actionTimetoken: action.actionTimetoken },
    });
    expect((await ann.getMessageActions({ channel }).sync()).result.data).toEqual([]);
    const { result: history } = await ann.fetchMessages({ channels: [channel], includeMessageActions: true }).sync();
    expect(history.channels[channel]?.[0]?.actions ?? {}).toEqual({});

    const named = await viaCallback(ann.removeMessageAction({ channel, messageTimetoken, actionTimetoken: action.actionTimetoken }));
    expect(named.status.isError()).toBe(false);
  });

  it('missing or invalid parameters fail before sending, with PNValidationErrorCategory', async () => {
    const tt = '17000000000000000';
    const cases: Array<Endpoint<unknown>> = [
      ann.addMessageAction({ messageTimetoken: tt, action: { type: 'reaction', value: 'x' } }),
      ann.addMessageAction({ channel: 'c', action: { type: 'reaction', value: 'x' } }),
      ann.addMessageAction({ channel: 'c', messageTimetoken: tt }),
      ann.addMessageAction({ channel: 'c', messageTimetoken: tt, action: { type: 'a-type-over-15-chars', value: 'x' } }),
      ann.addMessageAction({ channel: 'c', messageTimetoken: tt, action: { type: 'reaction', value: '' } }),
      ann.addMessageAction({ channel: 'c', messageTimetoken: 'not-a-timetoken', action: { type: 'reaction', value: 'x' } }),
      ann.removeMessageAction({ channel: 'c', messageTimetoken: tt }),
      ann.removeMessageAction({ channel: 'c', actionTimetoken: tt }),
      ann.getMessageActions(),
      ann.getMessageActions({ channel: 'c', limit: 0 }),
    ];
    for (const builder of cases) {
      expect(await rejection(builder)).toMatchObject({ status: { category: PNStatusCategory.PNValidationErrorCategory, statusCode: 0 } });
    }
    const { result, status } = await viaCallback(
      ann.addMessageAction({ channel: 'c', messageTimetoken: tt, action: { type: 'a-type-over-15-chars', value: 'x' } }),
    );
    expect(result).toBeNull();
    expect(status.operation).toBe(PNOperationType.PNAddMessageAction);
    expect(status.errorData?.information).toMatch(/15/);
  });

  it('a keyset the server does not know is a 4xx status', async () => {
    const stranger = clientFor(server, 'me', { subscribeKey: unique('no-such-key') });
    const { status } = await viaCallback(stranger.getMessageActions({ channel: 'c' }));
    expect(status.isError()).toBe(true);
    expect(status.statusCode).toBeGreaterThanOrEqual(400);
    expect(status.statusCode).toBeLessThan(500);
  });
});
