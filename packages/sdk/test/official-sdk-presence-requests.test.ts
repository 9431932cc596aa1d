/**
 * Presence and channel groups: the official `pubnub` SDK (v11) and ours are given the same
 * inputs and send to a local recording server; method, path, decoded query and body must match
 * (`requestid` and `pnsdk` ignored). Then ours reads PubNub-shaped answers into the results the
 * official SDK gives (with Python's names where they differ: `channelName`).
 *
 * Our names follow PubNub's Python SDK, whose API this SDK implements: `addChannelToChannelGroup`
 * is the JS SDK's `channelGroups.addChannels`, `listChannelsInChannelGroup` its `listChannels`,
 * `removeChannelFromChannelGroup` its `removeChannels`, `removeChannelGroup` its `deleteGroup`
 * and `listChannelGroups` its `listGroups`.
 */
import PubNub from 'pubnub';
import { describe, expect, it } from 'vitest';
import { Roster } from '../src/index.ts';
import { useOfficialComparison } from './helpers/official-sdk.ts';
import { pubnubLikeResponder, type Responder } from './helpers/recording-server.ts';

const OK = { status: 200, message: 'OK', service: 'Presence' };
const REGISTRY_OK = { status: 200, message: 'OK', service: 'channel-registry', error: false };

/** PubNub's answers to the presence and channel registry calls; everything else as the shared responder answers. */
const responder: Responder = (request) => {
  const { path, rawQuery } = request;
  if (path.startsWith('/v1/channel-registration/')) {
    if (path.endsWith('/channel-group')) return { body: { ...REGISTRY_OK, payload: { groups: ['cg1', 'cg2'] } } };
    if (/[?&](add|remove)=/.test(`?${rawQuery}`) || path.endsWith('/remove')) return { body: REGISTRY_OK };
    return { body: { status: 200, payload: { channels: ['a', 'b'], group: 'cg1' }, service: 'channel-registry', error: false } };
  }
  if (path.startsWith('/v2/presence/')) {
    if (path.endsWith('/heartbeat') || path.endsWith('/leave')) return pubnubLikeResponder(request);
    if (path.endsWith('/data')) return { body: { ...OK, payload: { mood: 'busy' } } };
    if (path.includes('/uuid/')) {
      if (path.includes('/channel/')) {
        const several = path.includes(',') || rawQuery.includes('channel-group=');
        return { body: { ...OK, uuid: 'u1', payload: several ? { channels: { a: { mood: 'busy' }, b: {} } } : { mood: 'busy' } } };
      }
      return { body: { ...OK, payload: { channels: ['a', 'b'] } } };
    }
    const withState = /(^|&)state=1/.test(rawQuery);
    const uuids = withState ? [{ uuid: 'u1', state: { mood: 'busy' } }, { uuid: 'u2' }] : ['u1', 'u2'];
    if (!path.includes(',') && !rawQuery.includes('channel-group=')) return { body: { ...OK, uuids, occupancy: 2 } };
    return { body: { ...OK, payload: { channels: { a: { uuids, occupancy: 2 }, b: { uuids: [], occupancy: 0 } }, total_channels: 2, total_occupancy: 2 } } };
  }
  return pubnubLikeResponder(request);
};

const sdks = useOfficialComparison({ responder });
const { expectSameRequest, subscribeRequests } = sdks;

describe('presence: the same request as the official SDK', () => {
  it('hereNow of one channel, several, groups only, and with every option', async () => {
    const one = await expectSameRequest(
      () => sdks.official.hereNow({ channels: ['room 1'] }),
      () => sdks.ours.hereNow().channels('room 1'),
    );
    expect(one).toMatchObject({ path: '/v2/presence/sub-key/demo/channel/room%201', query: { limit: ['1000'] } });
    await expectSameRequest(
      () => sdks.official.hereNow({ channels: ['a', 'b/c'], includeState: true, includeUUIDs: true, limit: 50, offset: 100 }),
      () => sdks.ours.hereNow({ channels: ['a', 'b/c'], includeState: true, limit: 50, offset: 100 }),
    );
    const groups = await expectSameRequest(
      () => sdks.official.hereNow({ channelGroups: ['cg1', 'cg 2'], includeUUIDs: false }),
      () => sdks.ours.hereNow().channelGroups(['cg1', 'cg 2']).includeUUIDs(false),
    );
    expect(groups).toMatchObject({ path: '/v2/presence/sub-key/demo/channel/,', query: { 'channel-group': ['cg1,cg 2'], disable_uuids: ['1'] } });
    await expectSameRequest(
      () => sdks.official.hereNow({ channels: ['a'], channelGroups: ['cg1'] }),
      () => sdks.ours.hereNow({ channels: ['a'], channelGroups: ['cg1'] }),
    );
  });

  it('whereNow, of the configured user and of another', async () => {
    await expectSameRequest(
      () => sdks.official.whereNow({}),
      () => sdks.ours.whereNow(),
    );
    const other = await expectSameRequest(
      () => sdks.official.whereNow({ uuid: 'ann/ü' }),
      () => sdks.ours.whereNow().uuid('ann/ü'),
    );
    expect(other.path).toBe('/v2/presence/sub-key/demo/uuid/ann%2F%C3%BC');
  });

  it('setState on channels and on groups', async () => {
    const sent = await expectSameRequest(
      () => sdks.official.setState({ channels: ['a', 'b'], state: { mood: 'busy', n: 1 } }),
      () => sdks.ours.setState().channels(['a', 'b']).state({ mood: 'busy', n: 1 }),
    );
    expect(sent).toMatchObject({ path: '/v2/presence/sub-key/demo/channel/a,b/uuid/u1/data', query: { state: ['{"mood":"busy","n":1}'] } });
    await expectSameRequest(
      () => sdks.official.setState({ channelGroups: ['cg1'], state: {} }),
      () => sdks.ours.setState({ channelGroups: ['cg1'], state: {} }),
    );
  });

  it('getState of the configured user and of another, on channels and groups', async () => {
    await expectSameRequest(
      () => sdks.official.getState({ channels: ['a'] }),
      () => sdks.ours.getState().channels(['a']),
    );
    const other = await expectSameRequest(
      () => sdks.official.getState({ uuid: 'ann', channels: ['a', 'b'], channelGroups: ['cg1'] }),
      () => sdks.ours.getState({ uuid: 'ann', channels: ['a', 'b'], channelGroups: ['cg1'] }),
    );
    expect(other).toMatchObject({ path: '/v2/presence/sub-key/demo/channel/a,b/uuid/ann', query: { 'channel-group': ['cg1'] } });
  });
});

describe('channel groups: the same request as the official SDK', () => {
  it('add and remove channels', async () => {
    const added = await expectSameRequest(
      () => sdks.official.channelGroups.addChannels({ channelGroup: 'cg 1', channels: ['a', 'b c'] }),
      () => sdks.ours.addChannelToChannelGroup().channelGroup('cg 1').channels(['a', 'b c']),
    );
    expect(added).toMatchObject({ path: '/v1/channel-registration/sub-key/demo/channel-group/cg%201', query: { add: ['a,b c'] } });
    await expectSameRequest(
      () => sdks.official.channelGroups.removeChannels({ channelGroup: 'cg1', channels: ['a'] }),
      () => sdks.ours.removeChannelFromChannelGroup({ channelGroup: 'cg1', channels: 'a' }),
    );
  });

  it('list channels, delete the group, list groups', async () => {
    await expectSameRequest(
      () => sdks.official.channelGroups.listChannels({ channelGroup: 'cg1' }),
      () => sdks.ours.listChannelsInChannelGroup().channelGroup('cg1'),
    );
    const deleted = await expectSameRequest(
      () => sdks.official.channelGroups.deleteGroup({ channelGroup: 'cg1' }),
      () => sdks.ours.removeChannelGroup({ channelGroup: 'cg1' }),
    );
    expect(deleted.path).toBe('/v1/channel-registration/sub-key/demo/channel-group/cg1/remove');
    const groups = await expectSameRequest(
      () => sdks.official.channelGroups.listGroups(),
      () => sdks.ours.listChannelGroups(),
    );
    expect(groups.path).toBe('/v1/channel-registration/sub-key/demo/channel-group');
  });
});

describe('reads the answers the official SDK reads', () => {
  it('hereNow: one channel, several channels, state and counts only', async () => {
    const theirs = await sdks.official.hereNow({ channels: ['a'] });
    const { result: one } = await sdks.ours.hereNow().channels('a');
    expect(one).toMatchObject({ totalChannels: theirs.totalChannels, totalOccupancy: theirs.totalOccupancy });
    expect(one.channels['a']).toEqual({ channelName: 'a', occupancy: 2, occupants: theirs.channels['a']?.occupants });
    expect(one.channels['a']?.occupants).toEqual([
      { uuid: 'u1', state: null },
      { uuid: 'u2', state: null },
    ]);

    const { result: several } = await sdks.ours.hereNow({ channels: ['a', 'b'], includeState: true });
    expect(several).toMatchObject({ totalChannels: 2, totalOccupancy: 2 });
    expect(several.channels).toEqual({
      a: {
        channelName: 'a',
        occupancy: 2,
        occupants: [
          { uuid: 'u1', state: { mood: 'busy' } },
          { uuid: 'u2', state: null },
        ],
      },
      b: { channelName: 'b', occupancy: 0, occupants: [] },
    });
    const { result: counts } = await sdks.ours.hereNow({ channels: ['a'], includeUUIDs: false });
    expect(counts.channels['a']).toEqual({ channelName: 'a', occupancy: 2, occupants: [] });
  });

  it('whereNow, setState, getState', async () => {
    expect((await sdks.ours.whereNow()).result.channels).toEqual((await sdks.official.whereNow({})).channels);
    expect((await sdks.ours.setState({ channels: ['a'], state: { mood: 'busy' } })).result.state).toEqual({ mood: 'busy' });
    expect((await sdks.ours.getState({ channels: ['a'] })).result.channels).toEqual((await sdks.official.getState({ channels: ['a'] })).channels);
    expect((await sdks.ours.getState({ channels: ['a', 'b'] })).result.channels).toEqual({ a: { mood: 'busy' }, b: {} });
  });

  it('channel groups', async () => {
    expect((await sdks.ours.listChannelsInChannelGroup({ channelGroup: 'cg1' })).result.channels).toEqual(
      (await sdks.official.channelGroups.listChannels({ channelGroup: 'cg1' })).channels,
    );
    expect((await sdks.ours.listChannelGroups()).result.groups).toEqual((await sdks.official.channelGroups.listGroups()).groups);
    const { result, status } = await sdks.ours.addChannelToChannelGroup({ channelGroup: 'cg1', channels: ['a'] });
    expect(result.status).toBe(status);
    expect(status.statusCode).toBe(200);
  });
});

describe('subscribe with channel groups and presence: the same requests as the official SDK', () => {
  it('groups only, with presence: the channel path is "," and the -pnpres names ride along', async () => {
    const subscriber = new PubNub({ subscribeKey: 'demo', userId: 'u1', origin: sdks.server.origin, ssl: false });
    const theirs = await subscribeRequests(
      () => subscriber.subscribe({ channelGroups: ['cg b', 'cg1'], withPresence: true }),
      () => subscriber.unsubscribeAll(),
    );
    subscriber.destroy(true);
    const mine = await subscribeRequests(
      () => sdks.ours.subscribe().channelGroups(['cg b', 'cg1']).withPresence().execute(),
      () => sdks.ours.unsubscribeAll(),
    );
    expect(theirs.polls).toHaveLength(2);
    expect(mine.polls).toEqual(theirs.polls);
    expect(mine.polls[0]).toMatchObject({ path: '/v2/subscribe/demo/,/0', query: { 'channel-group': ['cg b,cg b-pnpres,cg1,cg1-pnpres'] } });
    expect(mine.leaves).toEqual(theirs.leaves);
    expect(mine.leaves).toMatchObject([{ path: '/v2/presence/sub-key/demo/channel/,/leave', query: { 'channel-group': ['cg b,cg1'] } }]);
  });

  it('channels and groups, with presence', async () => {
    const subscriber = new PubNub({ subscribeKey: 'demo', userId: 'u1', origin: sdks.server.origin, ssl: false });
    const theirs = await subscribeRequests(
      () => subscriber.subscribe({ channels: ['room'], channelGroups: ['cg1'], withPresence: true }),
      () => subscriber.unsubscribeAll(),
    );
    subscriber.destroy(true);
    const mine = await subscribeRequests(
      () => sdks.ours.subscribe().channels(['room']).channelGroups('cg1').withPresence().execute(),
      () => sdks.ours.unsubscribeAll(),
    );
    expect(mine.polls).toEqual(theirs.polls);
    expect(mine.polls[0]?.path).toBe('/v2/subscribe/demo/room,room-pnpres/0');
    expect(mine.leaves).toEqual(theirs.leaves);
  });

  it('presenceTimeout goes out as heartbeat on every subscribe request', async () => {
    const timed = new Roster({ subscribeKey: 'demo', userId: 'u1', origin: sdks.server.url, presenceTimeout: 120 });
    const mine = await subscribeRequests(
      () => timed.subscribe().channels(['room']).execute(),
      () => timed.unsubscribeAll(),
    );
    expect(mine.polls.map((poll) => poll.query['heartbeat'])).toEqual([['120'], ['120']]);
    timed.destroy();
  });
});
