/**
 * The real-time client over real HTTP long-polls, against a minimal PubNub-style server
 * (helpers/fake-realtime.ts). events.test.ts runs the same scenarios against Roster itself.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PNStatusCategory, Roster, type PNMessageEvent, type PNObjectsEvent, type PNStatus } from '../src/index.ts';
import { startFakeRealtime, type FakeRealtime } from './helpers/fake-realtime.ts';
import { startFaultyProxy } from './helpers/faulty-proxy.ts';
import { nextStatus, waitFor } from './helpers/wait.ts';

let fake: FakeRealtime;
const clients: Roster[] = [];

beforeAll(async () => {
  fake = await startFakeRealtime();
});
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});
afterAll(() => fake.close());

function client(origin = fake.url): Roster {
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

const membershipEvent = (channel: string, uuid: string) => ({
  e: 2,
  d: { source: 'objects', version: '2.0', event: 'set', type: 'membership', data: { channel: { id: channel }, uuid: { id: uuid }, custom: { role: 'admin' }, eTag: 'x', updated: '2026-01-01T00:00:00.123456789Z' } },
});

describe('subscribe loop over HTTP long-polls', () => {
  it('routes messages and App Context events to listeners, with exact timetokens', async () => {
    const subscriberClient = client();
    const { objects, messages } = collect(subscriberClient);
    const connected = nextStatus(subscriberClient, PNStatusCategory.PNConnectedCategory);
    subscriberClient.subscribe().channels(['room', 'ann']).execute();
    await connected;
    const { result } = await client().publish().channel('room').message({ text: 'hi' }).sync();
    const pushed = fake.push('ann', membershipEvent('room', 'ann'));
    await waitFor('a message and an event', () => messages.length === 1 && objects.length === 1);
    expect(messages[0]).toMatchObject({ channel: 'room', subscription: 'room', message: { text: 'hi' }, timetoken: result.timetoken });
    expect(objects[0]).toMatchObject({ channel: 'ann', timetoken: pushed, message: { type: 'membership', event: 'set', data: { uuid: { id: 'ann' } } } });
    expect(fake.subscribes[0]).toMatch(/^\/v2\/subscribe\/demo\/ann,room\/0\?ee=&uuid=watcher/);
  });

  it('resumes from its last timetoken after an outage and reports it', async () => {
    const proxy = await startFaultyProxy(fake.url);
    try {
      const subscriberClient = client(proxy.url);
      const { messages, statuses } = collect(subscriberClient);
      const connected = nextStatus(subscriberClient, PNStatusCategory.PNConnectedCategory);
      subscriberClient.subscribe().channels('flaky').execute();
      await connected;
      fake.push('flaky', { d: 'before' });
      await waitFor('the first message', () => messages.length === 1);
      const trouble = nextStatus(subscriberClient, PNStatusCategory.PNNetworkIssuesCategory);
      proxy.cut();
      await trouble;
      fake.push('flaky', { d: 'during' });
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
    fake.push('history', { d: 'old' });
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
    fake.push('x', { d: 'while paused' });
    subscriberClient.reconnect();
    await waitFor('the message from the pause', () => messages.length === 1);
    expect(messages[0]?.message).toBe('while paused');
    subscriberClient.unsubscribeAll();
    expect(subscriberClient.getSubscribedChannels()).toEqual([]);
    expect(statuses.map((status) => status.category)).toContain(PNStatusCategory.PNDisconnectedCategory);
  });
});
