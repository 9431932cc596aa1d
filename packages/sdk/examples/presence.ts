/**
 * Presence and channel groups, as a chat app uses them: a group of rooms, who is online in them
 * (hereNow, live join/leave/state-change events), a user's status as presence state, and where a
 * user is (whereNow).
 * ROSTER_ORIGIN=http://127.0.0.1:8080 node --import tsx examples/presence.ts
 */
import { PNStatusCategory, Roster, type PNPresenceEvent } from '@roster/sdk';

const origin = process.env['ROSTER_ORIGIN'] ?? 'http://127.0.0.1:8080';
const keys = { subscribeKey: process.env['SUBSCRIBE_KEY'] ?? 'demo', publishKey: process.env['PUBLISH_KEY'] ?? 'demo', origin };
const admin = new Roster({ ...keys, userId: 'admin' });
const bob = new Roster({ ...keys, userId: 'bob' });
const ann = new Roster({ ...keys, userId: 'ann', presenceTimeout: 60 });
const suffix = Date.now();
const [rooms, kitchen, garden] = [`rooms-${suffix}`, `kitchen-${suffix}`, `garden-${suffix}`];

/** Subscribes a client and resolves once it is connected. */
function connected(client: Roster): Promise<void> {
  return new Promise((resolve, reject) => {
    client.addListener({
      status: (status) => {
        if (status.category === PNStatusCategory.PNConnectedCategory) resolve();
        else if (status.isError()) reject(new Error(`subscribe: ${status.category} ${status.errorData?.information ?? ''}`));
      },
    });
  });
}

// A channel group of two rooms.
await admin.addChannelToChannelGroup().channelGroup(rooms).channels([kitchen, garden]).sync();
const { result: members } = await admin.listChannelsInChannelGroup({ channelGroup: rooms }).sync();
console.log(`${rooms}: ${members.channels.join(', ')}`);

// Bob watches who comes and goes in every room of the group.
const events: PNPresenceEvent[] = [];
bob.addListener({
  presence: (event) => {
    console.log(`${event.channel}: ${event.action} ${event.uuid ?? ''} (occupancy ${event.occupancy}) ${JSON.stringify(event.state ?? {})}`);
    events.push(event);
  },
});
const bobReady = connected(bob);
bob.subscribe().channelGroups([rooms]).withPresence().execute();
await bobReady;

// Ann enters the kitchen and says she is busy.
const annReady = connected(ann);
ann.subscribe().channels([kitchen]).execute();
await annReady;
await ann.setState().channels([kitchen]).state({ status: 'busy' }).sync();

const { result: online } = await admin.hereNow().channelGroups([rooms]).includeState(true).sync();
for (const [channel, data] of Object.entries(online.channels)) {
  console.log(`${channel}: ${data.occupancy} online: ${data.occupants.map((occupant) => `${occupant.uuid} ${JSON.stringify(occupant.state)}`).join(', ')}`);
}
const { result: where } = await admin.whereNow({ uuid: 'ann' }).sync();
console.log(`ann is in ${where.channels.join(', ')}`);
const { result: state } = await admin.getState({ uuid: 'ann', channels: [kitchen] }).sync();
console.log(`ann's state in the kitchen: ${JSON.stringify(state.channels[kitchen])}`);

// Ann leaves; Bob hears it.
ann.unsubscribe().channels([kitchen]).execute();
const deadline = Date.now() + 5000;
const left = () => events.some((event) => event.action === 'leave' && event.uuid === 'ann');
while (!left() && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));

bob.destroy();
ann.destroy();
await admin.removeChannelGroup({ channelGroup: rooms }).sync();
if (online.channels[kitchen]?.occupants.find((occupant) => occupant.uuid === 'ann')?.state?.['status'] !== 'busy')
  throw new Error('expected ann busy in the kitchen');
const actions: string[] = events.filter((event) => event.uuid === 'ann').map((event) => event.action);
if (!['join', 'state-change', 'leave'].every((action) => actions.includes(action)))
  throw new Error(`expected ann's join, state-change and leave, got ${actions.join(', ')}`);
console.log('presence: done');
