/**
 * Channel groups through @roster/sdk against a real Roster server: the registry calls in both
 * styles, subscribing to a group (its channels' messages, with `subscription` naming the group),
 * a group's presence, and hereNow, setState and getState by group.
 */
import { useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';
import { PNOperationType, PNStatusCategory } from '../src/index.ts';
import { rejection, unique, viaCallback } from './helpers/roster.ts';
import { connect, presenceEvent, presenceKeyset, useClients, watch } from './helpers/presence.ts';
import { waitFor } from './helpers/wait.ts';

const server = useServer({ keysets: [presenceKeyset('demo')] });
const client = useClients(server);

describe('the channel registry', () => {
  it('fluent .sync(): add channels, list them, take one out, list the groups, delete the group', async () => {
    const admin = client('admin');
    const group = unique('rooms');
    const [a, b] = [unique('a'), unique('b c/ü')];
    const added = await admin.addChannelToChannelGroup().channelGroup(group).channels([a, b]).sync();
    expect(added.status).toMatchObject({ statusCode: 200, operation: PNOperationType.PNAddChannelsToGroupOperation });
    expect(added.result).toEqual({ status: added.status });
    const listed = await admin.listChannelsInChannelGroup().channelGroup(group).sync();
    expect([...listed.result.channels].sort()).toEqual([a, b].sort());
    expect(listed.status.operation).toBe(PNOperationType.PNChannelsForGroupOperation);

    await admin.removeChannelFromChannelGroup().channelGroup(group).channels(a).sync();
    expect((await admin.listChannelsInChannelGroup().channelGroup(group).sync()).result.channels).toEqual([b]);
    expect((await admin.listChannelGroups().sync()).result.groups).toContain(group);

    const removed = await admin.removeChannelGroup().channelGroup(group).sync();
    expect(removed.status.operation).toBe(PNOperationType.PNRemoveGroupOperation);
    expect((await admin.listChannelsInChannelGroup().channelGroup(group).sync()).result.channels).toEqual([]);
    expect((await admin.listChannelGroups().sync()).result.groups).not.toContain(group);
  });

  it('named arguments with .pnAsync()', async () => {
    const admin = client('admin');
    const group = unique('named');
    const channel = unique('x');
    const added = await viaCallback(admin.addChannelToChannelGroup({ channelGroup: group, channels: [channel] }));
    expect(added.status.isError()).toBe(false);
    const listed = await viaCallback(admin.listChannelsInChannelGroup({ channelGroup: group }));
    expect(listed.result?.channels).toEqual([channel]);
    expect((await viaCallback(admin.removeChannelFromChannelGroup({ channelGroup: group, channels: [channel] }))).status.isError()).toBe(false);
    expect((await viaCallback(admin.removeChannelGroup({ channelGroup: group }))).status.statusCode).toBe(200);
  });

  it('missing parameters fail before sending, with PNValidationErrorCategory', async () => {
    const admin = client('admin');
    for (const [builder, operation] of [
      [admin.addChannelToChannelGroup().channels(['a']), PNOperationType.PNAddChannelsToGroupOperation],
      [admin.addChannelToChannelGroup().channelGroup('g'), PNOperationType.PNAddChannelsToGroupOperation],
      [admin.removeChannelFromChannelGroup({ channelGroup: 'g', channels: [''] }), PNOperationType.PNRemoveChannelsFromGroupOperation],
      [admin.listChannelsInChannelGroup(), PNOperationType.PNChannelsForGroupOperation],
      [admin.removeChannelGroup({ channelGroup: '' }), PNOperationType.PNRemoveGroupOperation],
    ] as const) {
      expect(await rejection(builder)).toMatchObject({ status: { category: PNStatusCategory.PNValidationErrorCategory, statusCode: 0, operation } });
    }
  });
});

describe('subscribing to a channel group', () => {
  it('delivers its channels’ messages, also of a channel added later, with subscription = the group; unsubscribing stops them', async () => {
    const admin = client('admin');
    const group = unique('feed');
    const [first, later] = [unique('first'), unique('later')];
    await admin.addChannelToChannelGroup({ channelGroup: group, channels: [first] }).sync();
    const reader = client('reader');
    const seen = await watch(reader, (s) => s.channelGroups([group]));
    expect(reader.getSubscribedChannelGroups()).toEqual([group]);
    expect(reader.getSubscribedChannels()).toEqual([]);

    await admin.publish({ channel: first, message: 'one' }).sync();
    await waitFor('the message on the first channel', () => seen.messages.length === 1);
    expect(seen.messages[0]).toMatchObject({ channel: first, subscription: group, message: 'one', publisher: 'admin' });

    // The server reads the group on each poll: the new channel counts from the reader's next poll on,
    // so publish on it until one arrives.
    await admin.addChannelToChannelGroup({ channelGroup: group, channels: [later] }).sync();
    const fromLater = () => seen.messages.filter((event) => event.channel === later);
    for (let attempt = 0; attempt < 40 && fromLater().length === 0; attempt++) {
      await admin.publish({ channel: later, message: 'two' }).sync();
      await new Promise((done) => setTimeout(done, 250));
    }
    expect(fromLater()[0]).toMatchObject({ channel: later, subscription: group, message: 'two' });

    reader.unsubscribe().channelGroups([group]).execute();
    expect(reader.getSubscribedChannelGroups()).toEqual([]);
    await admin.publish({ channel: first, message: 'after' }).sync();
    const received = seen.messages.length;
    await new Promise((done) => setTimeout(done, 300));
    expect(seen.messages).toHaveLength(received);
  });

  it('withPresence: the presence of the group’s channels, subscription = {group}-pnpres; hereNow, setState and getState by group', async () => {
    const admin = client('admin');
    const group = unique('lobbies');
    const [east, west] = [unique('east'), unique('west')];
    await admin.addChannelToChannelGroup({ channelGroup: group, channels: [east, west] }).sync();
    const seen = await watch(client('watcher'), (s) => s.channelGroups([group]).withPresence());

    const ann = client('ann-groups');
    await connect(ann, (s) => s.channels([west]));
    const join = await presenceEvent(seen, "ann's join on west", (event) => event.action === 'join' && event.uuid === 'ann-groups');
    expect(join).toMatchObject({ channel: west, subscription: `${group}-pnpres`, occupancy: 2 });

    const { result } = await admin.hereNow().channelGroups([group]).sync();
    expect(result.totalOccupancy).toBe(3);
    expect(result.channels[east]?.occupants.map((occupant) => occupant.uuid)).toEqual(['watcher']);
    expect(result.channels[west]?.occupants.map((occupant) => occupant.uuid)).toEqual(['ann-groups', 'watcher']);

    const set = await ann.setState().channelGroups([group]).state({ seat: 4 }).sync();
    expect(set.result.state).toEqual({ seat: 4 });
    await presenceEvent(seen, "ann's state-change", (event) => event.action === 'state-change' && event.uuid === 'ann-groups' && event.channel === west);
    const { result: state } = await admin.getState({ uuid: 'ann-groups', channelGroups: [group] }).sync();
    expect(state.channels[west]).toEqual({ seat: 4 });

    ann.unsubscribeAll();
    await presenceEvent(seen, "ann's leave", (event) => event.action === 'leave' && event.uuid === 'ann-groups');
  });
});
