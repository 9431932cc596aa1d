/**
 * The official PubNub JavaScript SDK (npm `pubnub` v11) against a Roster server's Presence and
 * Channel Groups: join, leave, timeout, state-change and interval events reaching the `presence`
 * listener of a client subscribed `withPresence`; hereNow, whereNow, setState and getState; the
 * `channelGroups` calls; and subscribing to a channel group, for messages and for presence.
 *
 * The keyset is set up so that timeouts and interval mode show within a test: a presence timeout
 * may be as short as 2 s, a channel goes into interval mode past 3 occupants, and its interval
 * events (with join/leave/timeout deltas) come every second. On a cluster, events reach the
 * client through either node a moment later: every wait is a poll with a deadline.
 */
import { randomUUID } from 'node:crypto';
import PubNub from 'pubnub';
import { useServer } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';

/** A presence event as the SDK's `presence` listener hands it over (PubNub's "Presence events"). */
interface PresenceSeen {
  channel: string;
  subscription: string | null;
  action: 'join' | 'leave' | 'timeout' | 'state-change' | 'interval';
  uuid?: string;
  occupancy: number;
  timestamp: number;
  timetoken: string;
  state?: Record<string, unknown>;
  join?: string[];
  leave?: string[];
  timeout?: string[];
  hereNowRefresh?: boolean;
}

/** A message as the SDK's `message` listener hands it over. */
interface MessageSeen {
  channel: string;
  subscription: string | null;
  publisher?: string;
  message: unknown;
  timetoken: string;
}

/** A client and what its listeners saw, in arrival order. */
interface Watcher {
  pubnub: PubNub;
  presence: PresenceSeen[];
  messages: MessageSeen[];
  statuses: string[];
}

const TIMEOUT_SECONDS = 3;
const ANNOUNCE_MAX = 3;

const server = useServer({
  args: ['--subscribe-hold', '5'],
  keysets: [
    {
      publishKey: 'demo',
      subscribeKey: 'demo',
      presenceIntervalSeconds: 1,
      presenceAnnounceMax: ANNOUNCE_MAX,
      presenceDeltas: true,
      limits: { minPresenceTimeoutSeconds: 2 },
    },
  ],
});
const clients: PubNub[] = [];

afterAll(() => {
  for (const pubnub of clients) pubnub.destroy();
});

/**
 * Polls `read` until it yields something other than undefined, null or false, and returns that.
 * An error thrown by `read` ends the wait at once.
 */
async function eventually<T>(read: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A channel, group or user id no other test uses. */
const unique = (label: string): string => `${label}-${randomUUID().slice(0, 8)}`;

function client(userId: string, options: Partial<PubNub.PubNubConfiguration> = {}): Watcher {
  const pubnub = new PubNub({ publishKey: 'demo', subscribeKey: 'demo', userId, origin: server.origin, ssl: false, logVerbosity: false, ...options });
  clients.push(pubnub);
  const watcher: Watcher = { pubnub, presence: [], messages: [], statuses: [] };
  pubnub.addListener({
    presence: (event) => watcher.presence.push(event as unknown as PresenceSeen),
    message: (event) => watcher.messages.push(event as MessageSeen),
    status: (status) => watcher.statuses.push(String(status.category)),
  });
  return watcher;
}

/** A client subscribed to `target`, once the SDK reports it connected (the handshake made it present). */
async function subscribed(
  userId: string,
  target: { channels?: string[]; channelGroups?: string[]; withPresence?: boolean },
  options: Partial<PubNub.PubNubConfiguration> = {},
): Promise<Watcher> {
  const watcher = client(userId, options);
  watcher.pubnub.subscribe(target);
  await eventually(() => watcher.statuses.includes('PNConnectedCategory'), `${userId}'s subscription to connect`);
  return watcher;
}

/** The first presence event on `channel` matching `match`, once it came; a timeout names the events that did come. */
async function presenceEvent(watcher: Watcher, channel: string, match: Partial<PresenceSeen>, what: string, timeoutMs?: number): Promise<PresenceSeen> {
  const onChannel = () => watcher.presence.filter((event) => event.channel === channel);
  const matches = (event: PresenceSeen) => Object.entries(match).every(([key, value]) => event[key as keyof PresenceSeen] === value);
  try {
    return await eventually(() => onChannel().find(matches), what, timeoutMs);
  } catch (error) {
    const seen = onChannel().map(({ action, uuid, occupancy, join, leave, timeout }) => ({ action, uuid, occupancy, join, leave, timeout }));
    throw new Error(`${(error as Error).message}; the presence events of ${channel} were ${JSON.stringify(seen)}`);
  }
}

/** The uuids here-now lists on `channel`, sorted. */
async function occupants(pubnub: PubNub, channel: string): Promise<string[]> {
  const answer = await pubnub.hereNow({ channels: [channel] });
  return (answer.channels[channel]?.occupants ?? []).map((occupant) => occupant.uuid).sort();
}

/** Waits until here-now on `channel` lists exactly `uuids`. */
function occupiedBy(pubnub: PubNub, channel: string, uuids: string[]): Promise<true> {
  const wanted = JSON.stringify([...uuids].sort());
  return eventually(async () => JSON.stringify(await occupants(pubnub, channel)) === wanted, `${channel} to hold exactly ${wanted}`);
}

describe('official SDK: presence events', { timeout: 30_000 }, () => {
  it('a listener subscribed withPresence sees another client join, with the occupancy, and leave when it unsubscribes', async () => {
    const channel = unique('lobby');
    const listener = await subscribed(unique('listener'), { channels: [channel], withPresence: true });
    const visitorId = unique('visitor');
    const visitor = await subscribed(visitorId, { channels: [channel] });

    const join = await presenceEvent(listener, channel, { action: 'join', uuid: visitorId }, 'the join');
    expect(join).toMatchObject({ channel, subscription: `${channel}-pnpres`, occupancy: 2 });
    expect(join.timetoken).toMatch(/^\d{17}$/);
    expect(Math.abs(join.timestamp - Date.now() / 1000)).toBeLessThan(60);

    visitor.pubnub.unsubscribe({ channels: [channel] });
    const leave = await presenceEvent(listener, channel, { action: 'leave', uuid: visitorId }, 'the leave');
    expect(leave).toMatchObject({ channel, occupancy: 1 });
    expect(listener.presence.filter((event) => event.uuid === visitorId).map((event) => event.action)).toEqual(['join', 'leave']);
    await occupiedBy(listener.pubnub, channel, [listener.pubnub.getUUID()]);
  });

  it('a client subscribed withPresence sees its own join, once, then the others’', async () => {
    // The classic subscribe loop with smart heartbeats: its handshake alone makes it present. (The
    // event engine sends a heartbeat along with its handshake: one that lands first announces the
    // join before the handshake's timetoken, and the client misses it.)
    const channel = unique('entrance');
    const selfId = unique('self');
    const self = await subscribed(selfId, { channels: [channel], withPresence: true }, { enableEventEngine: false, useSmartHeartbeat: true });
    const join = await presenceEvent(self, channel, { action: 'join', uuid: selfId }, 'its own join');
    expect(join).toMatchObject({ channel, subscription: `${channel}-pnpres`, occupancy: 1 });
    expect(join.timetoken).toMatch(/^\d{17}$/);

    const otherId = unique('other');
    await subscribed(otherId, { channels: [channel] });
    expect(await presenceEvent(self, channel, { action: 'join', uuid: otherId }, 'the other join')).toMatchObject({ occupancy: 2 });
    expect(self.presence.filter((event) => event.action === 'join').map((event) => event.uuid)).toEqual([selfId, otherId]);
  });

  it('a client that goes away without leaving times out after its presence timeout', async () => {
    const channel = unique('flaky');
    const listener = await subscribed(unique('listener'), { channels: [channel], withPresence: true });
    const ghostId = unique('ghost');
    // The classic subscribe loop sends `heartbeat` with every poll; destroy(true) (offline) sends no leave.
    const ghost = await subscribed(ghostId, { channels: [channel] }, { presenceTimeout: TIMEOUT_SECONDS, enableEventEngine: false });
    await presenceEvent(listener, channel, { action: 'join', uuid: ghostId }, 'the join');
    await sleep(TIMEOUT_SECONDS * 1000 + 500); // still there while it polls and heartbeats
    expect(await occupants(listener.pubnub, channel)).toContain(ghostId);

    const gone = Date.now();
    ghost.pubnub.destroy(true);
    const timeout = await presenceEvent(listener, channel, { action: 'timeout', uuid: ghostId }, 'the timeout', 15_000);
    expect(timeout.occupancy).toBe(1);
    expect(Date.now() - gone).toBeGreaterThanOrEqual(TIMEOUT_SECONDS * 1000 - 2_000);
    expect(listener.presence.some((event) => event.uuid === ghostId && event.action === 'leave')).toBe(false);
    expect(await occupants(listener.pubnub, channel)).not.toContain(ghostId);
  });

  it('an event-engine client with a short presenceTimeout that goes offline times out after that timeout', async () => {
    const channel = unique('flaky-ee');
    const listener = await subscribed(unique('listener'), { channels: [channel], withPresence: true });
    const ghostId = unique('ghost');
    // The event engine (the v11 default) heartbeats on /heartbeat every second with heartbeat=4;
    // its subscribe polls carry `ee` and no `heartbeat`.
    const ghost = await subscribed(ghostId, { channels: [channel] }, { presenceTimeout: 4 });
    await presenceEvent(listener, channel, { action: 'join', uuid: ghostId }, 'the join');
    // A message ends the ghost's poll and the SDK opens the next one at once: that poll, not a heartbeat, is the last request.
    const sent = await listener.pubnub.publish({ channel, message: 'wake up' });
    await eventually(() => ghost.messages.some((seen) => seen.timetoken === sent.timetoken), 'the ghost to receive the message');
    await sleep(100);
    ghost.pubnub.destroy(true);
    const timeout = await presenceEvent(listener, channel, { action: 'timeout', uuid: ghostId }, 'the timeout', 15_000);
    expect(timeout.occupancy).toBe(1);
  });

  it('setState reaches a presence listener as a state-change, and getState reads it back', async () => {
    const [channel, other] = [unique('moods'), unique('moods-other')];
    const listener = await subscribed(unique('listener'), { channels: [channel], withPresence: true });
    const userId = unique('moody');
    const user = await subscribed(userId, { channels: [channel, other] });
    await presenceEvent(listener, channel, { action: 'join', uuid: userId }, 'the join');

    const set = await user.pubnub.setState({ channels: [channel], state: { mood: 'happy', level: 3 } });
    expect(set.state).toEqual({ mood: 'happy', level: 3 });
    const change = await presenceEvent(listener, channel, { action: 'state-change', uuid: userId }, 'the state-change');
    expect(change).toMatchObject({ channel, occupancy: 2, state: { mood: 'happy', level: 3 } });

    const mine = await user.pubnub.getState({ channels: [channel] });
    expect(mine.channels).toEqual({ [channel]: { mood: 'happy', level: 3 } });
    const asOthersSee = await listener.pubnub.getState({ uuid: userId, channels: [channel] });
    expect(asOthersSee.channels).toEqual({ [channel]: { mood: 'happy', level: 3 } });
    const none = await listener.pubnub.getState({ uuid: userId, channels: [other] });
    expect(none.channels).toEqual({ [other]: {} });
    // With several channels the SDK hands over the answer's `payload` as it is: PubNub's `{channels: {…}}`.
    await user.pubnub.setState({ channels: [other], state: { mood: 'busy' } });
    const both = await listener.pubnub.getState({ uuid: userId, channels: [channel, other] });
    expect(both.channels).toEqual({ channels: { [channel]: { mood: 'happy', level: 3 }, [other]: { mood: 'busy' } } });

    // Setting the same state again changes nothing: no second event.
    await user.pubnub.setState({ channels: [channel], state: { mood: 'happy', level: 3 } });
    await user.pubnub.setState({ channels: [channel], state: { mood: 'sad' } });
    await presenceEvent(listener, channel, { action: 'state-change', uuid: userId }, 'the second state-change');
    await eventually(
      () => listener.presence.filter((event) => event.action === 'state-change' && event.uuid === userId).length === 2,
      'the second state-change',
    );
    const changes = listener.presence.filter((event) => event.action === 'state-change' && event.uuid === userId);
    expect(changes.map((event) => event.state)).toEqual([{ mood: 'happy', level: 3 }, { mood: 'sad' }]);
  });

  it('past the announce max, joins and leaves come as interval events with the occupancy and deltas', async () => {
    const channel = unique('crowd');
    const listener = await subscribed(unique('listener'), { channels: [channel], withPresence: true });
    const ids = [1, 2, 3, 4].map((n) => unique(`fan${n}`));
    const fans: Watcher[] = [];
    for (const id of ids) fans.push(await subscribed(id, { channels: [channel] }));
    await occupiedBy(listener.pubnub, channel, [listener.pubnub.getUUID(), ...ids]);

    const intervals = () => listener.presence.filter((event) => event.channel === channel && event.action === 'interval');
    const joinedInIntervals = () => new Set(intervals().flatMap((event) => event.join ?? []));
    // Occupancy 1 (the listener) + 4: the joins that took it past 3 come in the deltas of interval events.
    await eventually(
      () => joinedInIntervals().has(ids[3]!) && intervals().some((event) => event.occupancy === 5),
      'an interval event with occupancy 5 listing the last join',
    );
    const joins = listener.presence.filter((event) => event.channel === channel && event.action === 'join');
    expect(joins.every((event) => event.occupancy <= ANNOUNCE_MAX)).toBe(true);
    for (const id of ids) expect(joins.some((event) => event.uuid === id) || joinedInIntervals().has(id)).toBe(true);
    expect(intervals().every((event) => event.hereNowRefresh === false && event.uuid === undefined)).toBe(true);

    // Leaving while busy: the leaves are deltas too.
    fans[3]!.pubnub.unsubscribe({ channels: [channel] });
    await eventually(() => intervals().some((event) => event.leave?.includes(ids[3]!) && event.occupancy === 4), 'an interval event listing the leave');
    for (const fan of fans.slice(0, 3)) fan.pubnub.unsubscribe({ channels: [channel] });
    await occupiedBy(listener.pubnub, channel, [listener.pubnub.getUUID()]);
    // Each departure is told, in an interval's deltas while the channel was busy, as a leave once it was not.
    const departed = (id: string) =>
      intervals().some((event) => event.leave?.includes(id)) || listener.presence.some((event) => event.action === 'leave' && event.uuid === id);
    await eventually(() => ids.every(departed), 'every departure to be told');
    const leaves = listener.presence.filter((event) => event.channel === channel && event.action === 'leave');
    expect(leaves.every((event) => event.occupancy <= ANNOUNCE_MAX)).toBe(true);

    // Back under the announce max, a join is announced on its own again (once every node's
    // interval pass, every presenceIntervalSeconds, has seen the channel leave interval mode).
    await sleep(2_500);
    const lateId = unique('late');
    await subscribed(lateId, { channels: [channel] });
    const late = await presenceEvent(listener, channel, { action: 'join', uuid: lateId }, 'the join of a quiet channel');
    expect(late.occupancy).toBe(2);
  });
});

describe('official SDK: hereNow, whereNow', { timeout: 30_000 }, () => {
  it('hereNow lists a channel’s uuids and occupancy; several channels; occupancy only; with state', async () => {
    const [red, blue, empty] = [unique('red'), unique('blue'), unique('empty')];
    const [a, b] = [unique('a'), unique('b')];
    const first = await subscribed(a, { channels: [red, blue] });
    await subscribed(b, { channels: [red] });
    await first.pubnub.setState({ channels: [red], state: { seat: 12 } });
    await occupiedBy(first.pubnub, red, [a, b]);

    const one = await first.pubnub.hereNow({ channels: [red] });
    expect(one.totalChannels).toBe(1);
    expect(one.totalOccupancy).toBe(2);
    expect(one.channels[red]).toEqual({
      name: red,
      occupancy: 2,
      occupants: [
        { uuid: a, state: null },
        { uuid: b, state: null },
      ].sort((x, y) => (x.uuid < y.uuid ? -1 : 1)),
    });

    const several = await eventually(async () => {
      const answer = await first.pubnub.hereNow({ channels: [red, blue, empty] });
      return answer.totalOccupancy === 3 && answer;
    }, 'three present over red, blue and empty');
    expect(several.totalChannels).toBe(3);
    expect(several.channels[red]?.occupancy).toBe(2);
    expect(several.channels[blue]).toEqual({ name: blue, occupancy: 1, occupants: [{ uuid: a, state: null }] });
    expect(several.channels[empty]).toEqual({ name: empty, occupancy: 0, occupants: [] });

    const counted = await first.pubnub.hereNow({ channels: [red], includeUUIDs: false });
    expect(counted.channels[red]).toEqual({ name: red, occupancy: 2, occupants: [] });

    const withState = await first.pubnub.hereNow({ channels: [red], includeState: true });
    const byUuid = Object.fromEntries(withState.channels[red]!.occupants.map((occupant) => [occupant.uuid, occupant]));
    expect(byUuid[a]).toEqual({ uuid: a, state: { seat: 12 } });
    expect(byUuid[b]).toEqual({ uuid: b });

    const nobody = await first.pubnub.hereNow({ channels: [empty] });
    expect(nobody).toMatchObject({ totalChannels: 1, totalOccupancy: 0, channels: { [empty]: { occupancy: 0, occupants: [] } } });
  });

  it('whereNow lists the channels a uuid is present on, and follows its unsubscribes', async () => {
    const [north, south] = [unique('north'), unique('south')].sort();
    const walkerId = unique('walker');
    const walker = await subscribed(walkerId, { channels: [north!, south!] });
    const observer = client(unique('observer'));

    expect((await walker.pubnub.whereNow({})).channels).toEqual([north, south]);
    expect((await observer.pubnub.whereNow({ uuid: walkerId })).channels).toEqual([north, south]);

    walker.pubnub.unsubscribe({ channels: [north!] });
    await eventually(async () => {
      const { channels } = await observer.pubnub.whereNow({ uuid: walkerId });
      return channels.length === 1 && channels[0] === south;
    }, 'whereNow to drop the channel left');
    expect((await observer.pubnub.whereNow({ uuid: unique('nobody') })).channels).toEqual([]);
  });
});

describe('official SDK: channel groups', { timeout: 30_000 }, () => {
  it('adds, lists and removes channels, lists groups and deletes a group', async () => {
    const admin = client(unique('admin')).pubnub;
    const group = unique('group');
    const [a, b, c] = [unique('a'), unique('b'), unique('c')];

    await admin.channelGroups.addChannels({ channelGroup: group, channels: [a, b, c] });
    expect((await admin.channelGroups.listChannels({ channelGroup: group })).channels.sort()).toEqual([a, b, c].sort());
    await admin.channelGroups.addChannels({ channelGroup: group, channels: [a] });
    expect((await admin.channelGroups.listChannels({ channelGroup: group })).channels).toHaveLength(3);

    await admin.channelGroups.removeChannels({ channelGroup: group, channels: [b] });
    expect((await admin.channelGroups.listChannels({ channelGroup: group })).channels.sort()).toEqual([a, c].sort());
    expect((await admin.channelGroups.listGroups()).groups).toContain(group);

    await admin.channelGroups.deleteGroup({ channelGroup: group });
    expect((await admin.channelGroups.listChannels({ channelGroup: group })).channels).toEqual([]);
    expect((await admin.channelGroups.listGroups()).groups).not.toContain(group);
  });

  it('a subscription to a group receives what is published on its channels, the group as the subscription', async () => {
    const admin = client(unique('admin')).pubnub;
    const group = unique('news');
    const [sport, weather] = [unique('sport'), unique('weather')];
    await admin.channelGroups.addChannels({ channelGroup: group, channels: [sport, weather] });

    const reader = await subscribed(unique('reader'), { channelGroups: [group] });
    const sent = await admin.publish({ channel: weather, message: { text: 'rain' } });
    const message = await eventually(() => reader.messages.find((seen) => seen.timetoken === sent.timetoken), 'the message on a channel of the group');
    expect(message).toMatchObject({ channel: weather, subscription: group, message: { text: 'rain' }, publisher: admin.getUUID() });

    // A channel removed from the group is no longer delivered (from the client's next poll on).
    await admin.channelGroups.removeChannels({ channelGroup: group, channels: [sport] });
    const turn = await admin.publish({ channel: weather, message: 'ends the poll under way' });
    await eventually(() => reader.messages.some((seen) => seen.timetoken === turn.timetoken), 'the message that ends the poll');
    const dropped = await admin.publish({ channel: sport, message: 'dropped' });
    const marker = await admin.publish({ channel: weather, message: 'after the drop' });
    await eventually(() => reader.messages.some((seen) => seen.timetoken === marker.timetoken), 'the message after the drop');
    expect(reader.messages.some((seen) => seen.timetoken === dropped.timetoken)).toBe(false);
  });

  it('a channel added to a group while a client is subscribed to the group is delivered to it', async () => {
    const admin = client(unique('admin')).pubnub;
    const group = unique('feeds');
    const [first, added] = [unique('first'), unique('added')];
    await admin.channelGroups.addChannels({ channelGroup: group, channels: [first] });
    const reader = await subscribed(unique('reader'), { channelGroups: [group] });

    await admin.channelGroups.addChannels({ channelGroup: group, channels: [added] });
    // The poll under way waits on `first` only; when it answers, the client is sent back to its
    // timetoken and its next poll, on both channels, gets the message.
    const sent = await admin.publish({ channel: added, message: 'on the new channel' });
    const message = await eventually(() => reader.messages.find((seen) => seen.timetoken === sent.timetoken), 'the message on the channel added', 15_000);
    expect(message).toMatchObject({ channel: added, subscription: group, message: 'on the new channel' });
  });

  it('presence through a group: events on its channels, here-now and where-now of the group, leave on unsubscribe', async () => {
    const admin = client(unique('admin')).pubnub;
    const group = unique('rooms');
    const [kitchen, garden] = [unique('kitchen'), unique('garden')].sort();
    await admin.channelGroups.addChannels({ channelGroup: group, channels: [kitchen!, garden!] });

    const listenerId = unique('listener');
    const listener = await subscribed(listenerId, { channelGroups: [group], withPresence: true });
    await occupiedBy(admin, kitchen!, [listenerId]);
    expect((await admin.whereNow({ uuid: listenerId })).channels).toEqual([garden, kitchen].sort());

    const cookId = unique('cook');
    const cook = await subscribed(cookId, { channels: [kitchen!] });
    const join = await presenceEvent(listener, kitchen!, { action: 'join', uuid: cookId }, 'the join on a channel of the group');
    expect(join).toMatchObject({ subscription: `${group}-pnpres`, occupancy: 2 });

    const gardenerId = unique('gardener');
    const gardener = await subscribed(gardenerId, { channelGroups: [group] });
    await presenceEvent(listener, garden!, { action: 'join', uuid: gardenerId }, 'the join through the group on garden');
    await presenceEvent(listener, kitchen!, { action: 'join', uuid: gardenerId }, 'the join through the group on kitchen');

    const here = await eventually(async () => {
      const answer = await admin.hereNow({ channelGroups: [group] });
      return answer.totalOccupancy === 5 && answer;
    }, 'five present over the group');
    expect(here.totalChannels).toBe(2);
    expect(here.channels[kitchen!]!.occupants.map((occupant) => occupant.uuid).sort()).toEqual([cookId, gardenerId, listenerId].sort());
    expect(here.channels[garden!]!.occupants.map((occupant) => occupant.uuid).sort()).toEqual([gardenerId, listenerId].sort());

    gardener.pubnub.unsubscribe({ channelGroups: [group] });
    await presenceEvent(listener, garden!, { action: 'leave', uuid: gardenerId }, 'the leave through the group on garden');
    await presenceEvent(listener, kitchen!, { action: 'leave', uuid: gardenerId }, 'the leave through the group on kitchen');
    cook.pubnub.unsubscribe({ channels: [kitchen!] });
    const leave = await presenceEvent(listener, kitchen!, { action: 'leave', uuid: cookId }, 'the cook’s leave');
    expect(leave.occupancy).toBe(1);
  });
});
