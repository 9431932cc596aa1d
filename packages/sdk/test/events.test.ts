import { useServer } from '@roster/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PNChannelMembership, PNStatusCategory, type PNMessageEvent, type PNObjectsEvent, type Roster } from '../src/index.ts';
import { startFaultyProxy } from './helpers/faulty-proxy.ts';
import { clientFor, unique } from './helpers/roster.ts';
import { nextStatus, waitFor } from './helpers/wait.ts';

const server = useServer();
let writer: Roster;
const subscribers: Roster[] = [];

beforeAll(() => {
  writer = clientFor(server, 'writer');
});
afterEach(() => {
  for (const client of subscribers.splice(0)) client.destroy();
});

/** A subscribed client collecting every event, connected before it returns. */
async function subscriber(channels: string[], origin = server.url): Promise<{ client: Roster; objects: PNObjectsEvent[]; messages: PNMessageEvent[] }> {
  const client = clientFor(server, unique('watcher'), { origin, reconnect: { baseDelayMs: 50, maxDelayMs: 200 } });
  subscribers.push(client);
  const objects: PNObjectsEvent[] = [];
  const messages: PNMessageEvent[] = [];
  client.addListener({ objects: (event) => objects.push(event), message: (event) => messages.push(event) });
  const connected = nextStatus(client, PNStatusCategory.PNConnectedCategory);
  client.subscribe().channels(channels).execute();
  await connected;
  return { client, objects, messages };
}

describe('real time against a real Roster server', () => {
  it('time() returns the current timetoken', async () => {
    const before = Date.now();
    const { result, status } = await writer.time().sync();
    expect(status.isError()).toBe(false);
    expect(result.timetoken).toMatch(/^\d{17}$/);
    expect(Math.abs(result.toDate().getTime() - before)).toBeLessThan(60_000);
  });

  it('publish() reaches message listeners', async () => {
    const channel = unique('chat');
    const { messages } = await subscriber([channel]);
    const { result } = await writer.publish().channel(channel).message({ text: 'hello' }).meta({ lang: 'en' }).sync();
    expect(result.timetoken).toMatch(/^\d{17}$/);
    await waitFor('the message', () => messages.length === 1);
    expect(messages[0]).toMatchObject({ channel, subscription: channel, message: { text: 'hello' }, publisher: 'writer', timetoken: result.timetoken });
  });

  it('set and remove of users, channels and memberships reach objects listeners', async () => {
    const channel = unique('room');
    const user = unique('person');
    const { objects } = await subscriber([channel, user]);
    await writer.setChannelMetadata({ channel, name: 'Room', custom: { floor: 2 } }).sync();
    await writer.setUUIDMetadata({ uuid: user, name: 'Person' }).sync();
    await writer.setMemberships({ uuid: user, channelMemberships: [PNChannelMembership.channelWithCustom(channel, { role: 'host' })] }).sync();
    await writer.removeMemberships({ uuid: user, channelMemberships: [channel] }).sync();
    await writer.removeChannelMetadata({ channel }).sync();
    await waitFor('five kinds of event', () => {
      const kinds = new Set(objects.map((event) => `${event.message.type}:${event.message.event}`));
      return ['channel:set', 'uuid:set', 'membership:set', 'membership:delete', 'channel:delete'].every((kind) => kinds.has(kind));
    });
    const channelSet = objects.find((event) => event.message.type === 'channel' && event.message.event === 'set');
    expect(channelSet).toMatchObject({ channel, message: { source: 'objects', data: { id: channel, name: 'Room', custom: { floor: 2 } } } });
    const membershipSet = objects.find((event) => event.message.type === 'membership' && event.message.event === 'set');
    expect(membershipSet?.message.data).toMatchObject({ channel: { id: channel }, uuid: { id: user }, custom: { role: 'host' } });
  });

  it('resumes from its last timetoken after a network outage, missing nothing', async () => {
    const proxy = await startFaultyProxy(server.url);
    try {
      const channel = unique('flaky');
      const { client, objects } = await subscriber([channel], proxy.url);
      await writer.setChannelMetadata({ channel, name: 'before' }).sync();
      await waitFor('the first event', () => objects.length === 1);

      const trouble = nextStatus(client, PNStatusCategory.PNNetworkIssuesCategory);
      proxy.cut();
      await trouble;
      // Written while the subscriber cannot reach the server.
      await writer.setChannelMetadata({ channel, name: 'during' }).sync();
      const reconnected = nextStatus(client, PNStatusCategory.PNReconnectedCategory);
      proxy.heal();
      await reconnected;
      await waitFor('the event written during the outage', () => objects.length === 2);
      expect(objects.map((event) => (event.message.data as { name?: string }).name)).toEqual(['before', 'during']);
    } finally {
      await proxy.close();
    }
  });

  it('unsubscribe stops delivery for that channel only', async () => {
    const kept = unique('kept');
    const dropped = unique('dropped');
    const { client, objects } = await subscriber([kept, dropped]);
    client.unsubscribe().channels([dropped]).execute();
    expect(client.getSubscribedChannels()).toEqual([kept]);
    await writer.setChannelMetadata({ channel: dropped, name: 'x' }).sync();
    await writer.setChannelMetadata({ channel: kept, name: 'y' }).sync();
    await waitFor('the kept channel event', () => objects.length >= 1);
    await new Promise((done) => setTimeout(done, 200));
    expect(objects.map((event) => event.channel)).toEqual([kept]);
  });
});
