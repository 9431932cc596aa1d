/**
 * The subscribe loop's states over real HTTP long-polls against a Roster server: delivery,
 * outage and recovery, catching up from a timetoken, pausing and unsubscribing.
 */
import { useServer } from '@roster/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { PNChannelMembership, PNStatusCategory, Roster, type PNMessageEvent, type PNObjectsEvent, type PNStatus } from '../src/index.ts';
import { startFaultyProxy } from './helpers/faulty-proxy.ts';
import { nextStatus, waitFor } from './helpers/wait.ts';

const server = useServer();
const clients: Roster[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

function client(origin = server.url): Roster {
  const created = new Roster({ subscribeKey: 'demo', publishKey: 'demo', userId: 'watcher', origin, reconnect: { baseDelayMs: 20, maxDelayMs: 100 } });
  clients.push(created);
  return created;
}

function collect(target: Roster) {
  const objects: PNObjectsEvent[] = [];
  const messages: PNMessageEvent[] = [];
  const statuses: PNStatus[] = [];
  target.addListener({ objects: (event) => objects.push(event), message: (event) => messages.push(event), status: (status) => statuses.push(status) });
  return { objects, messages, statuses };
}

/** Publishes over plain HTTP, so only the subscriber under test uses the SDK. */
async function push(channel: string, message: unknown): Promise<string> {
  const path = `/publish/demo/demo/0/${encodeURIComponent(channel)}/0/${encodeURIComponent(JSON.stringify(message))}`;
  const reply = (await (await fetch(`${server.url}${path}`)).json()) as [number, string, string];
  return reply[2];
}

describe('subscribe loop over HTTP long-polls', () => {
  it('routes messages and App Context events to listeners, with exact timetokens', async () => {
    const subscriberClient = client();
    const { objects, messages } = collect(subscriberClient);
    const connected = nextStatus(subscriberClient, PNStatusCategory.PNConnectedCategory);
    subscriberClient.subscribe().channels(['room', 'ann']).execute();
    await connected;
    const { result } = await client().publish().channel('room').message({ text: 'hi' }).sync();
    await client()
      .setMemberships()
      .uuid('ann')
      .channelMemberships([PNChannelMembership.channelWithCustom('room', { role: 'admin' })])
      .sync();
    await waitFor('a message and the membership event on both channels', () => messages.length === 1 && objects.length === 2);
    expect(messages[0]).toMatchObject({ channel: 'room', subscription: 'room', message: { text: 'hi' }, timetoken: result.timetoken });
    expect(objects.map((event) => event.channel).sort()).toEqual(['ann', 'room']);
    expect(objects[0]).toMatchObject({
      message: { type: 'membership', event: 'set', data: { uuid: { id: 'ann' }, channel: { id: 'room' }, custom: { role: 'admin' } } },
    });
    expect(BigInt(objects[0]!.timetoken)).toBeGreaterThan(BigInt(result.timetoken));
  });

  it('resumes from its last timetoken after an outage and reports it', async () => {
    const proxy = await startFaultyProxy(server.url);
    try {
      const subscriberClient = client(proxy.url);
      const { messages, statuses } = collect(subscriberClient);
      const connected = nextStatus(subscriberClient, PNStatusCategory.PNConnectedCategory);
      subscriberClient.subscribe().channels('flaky').execute();
      await connected;
      await push('flaky', 'before');
      await waitFor('the first message', () => messages.length === 1);
      const trouble = nextStatus(subscriberClient, PNStatusCategory.PNNetworkIssuesCategory);
      proxy.cut();
      await trouble;
      await push('flaky', 'during');
      const back = nextStatus(subscriberClient, PNStatusCategory.PNReconnectedCategory);
      proxy.heal();
      await back;
      await waitFor('the message sent during the outage', () => messages.length === 2);
      expect(messages.map((message) => message.message)).toEqual(['before', 'during']);
      expect(statuses.map((status) => status.category)).toEqual([
        PNStatusCategory.PNConnectedCategory,
        PNStatusCategory.PNNetworkIssuesCategory,
        PNStatusCategory.PNReconnectedCategory,
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('withTimetoken catches up on what was published before subscribing', async () => {
    const { result: start } = await client().time().sync();
    await push('history', 'old');
    const late = client();
    const { messages } = collect(late);
    late.subscribe().channels(['history']).withTimetoken(start.timetoken).execute();
    await waitFor('the earlier message', () => messages.length === 1);
    expect(messages[0]?.message).toBe('old');
  });

  it('unsubscribe, disconnect and reconnect', async () => {
    const subscriberClient = client();
    const { messages, statuses } = collect(subscriberClient);
    const connected = nextStatus(subscriberClient, PNStatusCategory.PNConnectedCategory);
    subscriberClient.subscribe().channels(['x', 'y']).execute();
    await connected;
    subscriberClient.unsubscribe().channels('y').execute();
    expect(subscriberClient.getSubscribedChannels()).toEqual(['x']);
    subscriberClient.disconnect();
    await push('x', 'while paused');
    subscriberClient.reconnect();
    await waitFor('the message from the pause', () => messages.length === 1);
    expect(messages[0]?.message).toBe('while paused');
    subscriberClient.unsubscribeAll();
    expect(subscriberClient.getSubscribedChannels()).toEqual([]);
    expect(statuses.map((status) => status.category)).toContain(PNStatusCategory.PNDisconnectedCategory);
  });
});
