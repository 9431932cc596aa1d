/**
 * The official PubNub JavaScript SDK (npm `pubnub` v11) subscribed to a Roster node: plain
 * messages and every kind of App Context event reach its `message` and `objects` listeners.
 */
import PubNub from 'pubnub';
import { useServer } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';

/** What the listeners saw, in arrival order. */
interface Seen {
  messages: {
    channel: string;
    subscription: string | null;
    timetoken: string;
    publisher?: string;
    message: unknown;
    userMetadata?: unknown;
    customMessageType?: string;
  }[];
  objects: {
    channel: string;
    subscription: string | null;
    timetoken: string;
    message: { event: string; type: string; data: Record<string, any>; source: string; version: string };
  }[];
  statuses: string[];
}

async function until<T>(read: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

const server = useServer({ args: ['--subscribe-hold', '5'] });
const clients: PubNub[] = [];

function client(userId: string): PubNub {
  const pubnub = new PubNub({ publishKey: 'demo', subscribeKey: 'demo', userId, origin: server.origin, ssl: false, logVerbosity: false });
  clients.push(pubnub);
  return pubnub;
}

/** A client subscribed to `channels`, once the SDK reports it connected. */
async function subscriber(channels: string[], userId = 'listener'): Promise<{ pubnub: PubNub; seen: Seen }> {
  const pubnub = client(userId);
  const seen: Seen = { messages: [], objects: [], statuses: [] };
  pubnub.addListener({
    message: (event) => seen.messages.push(event as Seen['messages'][number]),
    objects: (event) => seen.objects.push(event as unknown as Seen['objects'][number]),
    status: (status) => seen.statuses.push(String(status.category)),
  });
  pubnub.subscribe({ channels });
  await until(() => (seen.statuses.includes('PNConnectedCategory') ? true : undefined), 'the subscription to connect');
  return { pubnub, seen };
}

/** The objects events seen so far, as `type/event/id` strings. */
function describeEvents(seen: Seen, channel?: string): string[] {
  return seen.objects
    .filter((event) => channel === undefined || event.channel === channel)
    .map(({ message: { type, event, data } }) => {
      const id = type === 'membership' ? `${data['uuid'].id}@${data['channel'].id}` : data['id'];
      return `${type}/${event}/${id}`;
    });
}

afterAll(() => {
  for (const pubnub of clients) pubnub.destroy();
});

describe('official SDK: messages', () => {
  it('receives a published message with its timetoken, publisher, meta and custom message type', async () => {
    const { seen } = await subscriber(['chat']);
    const publisher = client('alice');
    const sent = await publisher.publish({ channel: 'chat', message: { text: 'hello' }, meta: { lang: 'en' }, customMessageType: 'chat-msg' });
    expect(sent.timetoken).toMatch(/^\d{17}$/);
    const message = await until(() => seen.messages[0], 'the message');
    expect(message).toMatchObject({
      channel: 'chat',
      subscription: 'chat',
      timetoken: sent.timetoken,
      publisher: 'alice',
      message: { text: 'hello' },
      userMetadata: { lang: 'en' },
      customMessageType: 'chat-msg',
    });
  });

  it('receives messages in publish order, including ones sent by POST (deflated)', async () => {
    const { seen } = await subscriber(['ordered']);
    const publisher = client('bob');
    const timetokens: string[] = [];
    for (let n = 0; n < 20; n++) {
      const sent = await publisher.publish({ channel: 'ordered', message: { n }, sendByPost: n % 2 === 1 });
      timetokens.push(sent.timetoken);
    }
    await until(() => (seen.messages.length >= 20 ? true : undefined), 'twenty messages');
    expect(seen.messages.map((m) => (m.message as { n: number }).n)).toEqual([...Array(20).keys()]);
    expect(seen.messages.map((m) => m.timetoken)).toEqual(timetokens);
    expect([...timetokens].sort()).toEqual(timetokens);
  });

  it('subscribes to several channels, names with reserved characters included', async () => {
    const names = ['room a', 'b/c', 'd,e', 'ünï'];
    const { seen } = await subscriber(names);
    const publisher = client('carol');
    for (const channel of names) await publisher.publish({ channel: channel === 'd,e' ? 'room a' : channel, message: channel });
    await until(() => (seen.messages.length >= 4 ? true : undefined), 'four messages');
    expect(seen.messages.map((m) => [m.channel, m.message])).toEqual([
      ['room a', 'room a'],
      ['b/c', 'b/c'],
      ['room a', 'd,e'],
      ['ünï', 'ünï'],
    ]);
  });

  it('unsubscribes without errors (leave is accepted)', async () => {
    const { pubnub, seen } = await subscriber(['leaving']);
    pubnub.unsubscribeAll();
    await until(() => (seen.statuses.some((s) => s === 'PNDisconnectedCategory') ? true : undefined), 'the disconnect');
    expect(seen.statuses.filter((s) => /Error|Unknown|BadRequest/.test(s))).toEqual([]);
  });

  it('honours a filter expression on meta', async () => {
    const pubnub = client('filtered');
    pubnub.setFilterExpression('meta.priority == "high" && uuid != "filtered"');
    const seen: Seen = { messages: [], objects: [], statuses: [] };
    pubnub.addListener({ message: (event) => seen.messages.push(event as Seen['messages'][number]), status: (s) => seen.statuses.push(String(s.category)) });
    pubnub.subscribe({ channels: ['alerts'] });
    await until(() => (seen.statuses.includes('PNConnectedCategory') ? true : undefined), 'the subscription to connect');
    const publisher = client('ops');
    await publisher.publish({ channel: 'alerts', message: 'low', meta: { priority: 'low' } });
    await pubnub.publish({ channel: 'alerts', message: 'mine', meta: { priority: 'high' } });
    await publisher.publish({ channel: 'alerts', message: 'high', meta: { priority: 'high' } });
    await until(() => seen.messages[0], 'the high-priority message');
    await new Promise((done) => setTimeout(done, 200));
    expect(seen.messages.map((m) => m.message)).toEqual(['high']);
  });
});

describe('official SDK: App Context events', () => {
  it('uuid set and delete reach the uuid channel with the fields that were set', async () => {
    const { seen } = await subscriber(['user-1']);
    const admin = client('admin');
    await admin.objects.setUUIDMetadata({ uuid: 'user-1', data: { name: 'One', custom: { team: 'red' } } });
    await admin.objects.removeUUIDMetadata({ uuid: 'user-1' });
    await until(() => (seen.objects.length >= 2 ? true : undefined), 'two events');
    const [set, removed] = seen.objects;
    expect(set).toMatchObject({ channel: 'user-1', subscription: 'user-1', message: { source: 'objects', version: '2.0', type: 'uuid', event: 'set' } });
    expect(set!.message.data).toMatchObject({ id: 'user-1', name: 'One', custom: { team: 'red' } });
    expect(set!.message.data['eTag']).toEqual(expect.any(String));
    expect(set!.message.data['updated']).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(set!.timetoken).toMatch(/^\d{17}$/);
    expect(removed!.message).toMatchObject({ type: 'uuid', event: 'delete', data: { id: 'user-1' } });
  });

  it('channel set and delete reach the channel', async () => {
    const { seen } = await subscriber(['general']);
    const admin = client('admin');
    await admin.objects.setChannelMetadata({ channel: 'general', data: { name: 'General', description: 'all of us' } });
    await admin.objects.removeChannelMetadata({ channel: 'general' });
    await until(() => (seen.objects.length >= 2 ? true : undefined), 'two events');
    expect(describeEvents(seen)).toEqual(['channel/set/general', 'channel/delete/general']);
    expect(seen.objects[0]!.message.data).toMatchObject({ name: 'General', description: 'all of us' });
  });

  it('membership set and delete from the memberships PATCH reach the channel and the user', async () => {
    const { seen } = await subscriber(['m-room', 'm-user']);
    const admin = client('admin');
    await admin.objects.setMemberships({ uuid: 'm-user', channels: [{ id: 'm-room', custom: { role: 'admin' } }] });
    await admin.objects.removeMemberships({ uuid: 'm-user', channels: ['m-room'] });
    await until(() => (seen.objects.length >= 4 ? true : undefined), 'four events');
    expect(describeEvents(seen, 'm-room')).toEqual(['membership/set/m-user@m-room', 'membership/delete/m-user@m-room']);
    expect(describeEvents(seen, 'm-user')).toEqual(['membership/set/m-user@m-room', 'membership/delete/m-user@m-room']);
    expect(seen.objects[0]!.message.data).toMatchObject({ custom: { role: 'admin' }, eTag: expect.any(String) });
  });

  it('membership set and delete from the members PATCH reach the channel', async () => {
    const { seen } = await subscriber(['team']);
    const admin = client('admin');
    await admin.objects.setChannelMembers({ channel: 'team', uuids: [{ id: 'ann', status: 'active' }, 'ben'] });
    await admin.objects.removeChannelMembers({ channel: 'team', uuids: ['ann'] });
    await until(() => (seen.objects.length >= 3 ? true : undefined), 'three events');
    expect(describeEvents(seen)).toEqual(['membership/set/ann@team', 'membership/set/ben@team', 'membership/delete/ann@team']);
    expect(seen.objects[0]!.message.data).toMatchObject({ status: 'active' });
  });

  it('setting identical data emits nothing', async () => {
    const { seen } = await subscriber(['same', 'same-room']);
    const admin = client('admin');
    const data = { name: 'Same', custom: { n: 1 } };
    await admin.objects.setUUIDMetadata({ uuid: 'same', data });
    await admin.objects.setUUIDMetadata({ uuid: 'same', data });
    await admin.objects.setChannelMetadata({ channel: 'same-room', data: { name: 'Room' } });
    await admin.objects.setChannelMetadata({ channel: 'same-room', data: { name: 'Room' } });
    await admin.objects.setMemberships({ uuid: 'same', channels: [{ id: 'same-room', custom: { r: 1 } }] });
    await admin.objects.setMemberships({ uuid: 'same', channels: [{ id: 'same-room', custom: { r: 1 } }] });
    await admin.objects.setUUIDMetadata({ uuid: 'same', data: { name: 'Changed' } });
    // The uuid event of the final change also reaches same-room, which the user is a member of by
    // then; on a cluster the two copies may come in separate answers: wait for both.
    const changed = () => seen.objects.filter((e) => e.message.data['name'] === 'Changed').length;
    await until(() => (changed() >= 2 ? true : undefined), 'the final change on both channels');
    expect(describeEvents(seen)).toEqual([
      'uuid/set/same',
      'channel/set/same-room',
      'membership/set/same@same-room',
      'membership/set/same@same-room',
      'uuid/set/same',
      'uuid/set/same',
    ]);
  });

  it('uuid events also reach the channels the user is a member of', async () => {
    const admin = client('admin');
    await admin.objects.setMemberships({ uuid: 'member', channels: ['club-1', 'club-2'] });
    const { seen } = await subscriber(['club-1', 'club-2']);
    await admin.objects.setUUIDMetadata({ uuid: 'member', data: { name: 'Member' } });
    await admin.objects.removeUUIDMetadata({ uuid: 'member' });
    await until(() => (seen.objects.length >= 4 ? true : undefined), 'four events');
    expect(describeEvents(seen, 'club-1')).toEqual(['uuid/set/member', 'uuid/delete/member']);
    expect(describeEvents(seen, 'club-2')).toEqual(['uuid/set/member', 'uuid/delete/member']);
  });
});
