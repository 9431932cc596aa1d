/**
 * Change events: subscribe to the channels named after a user and a channel, then watch
 * App Context events arrive as another client writes. Also publish and time.
 * ROSTER_ORIGIN=http://127.0.0.1:8080 node --import tsx examples/events.ts
 */
import { PNChannelMembership, PNStatusCategory, Roster, type PNObjectsEvent } from '@roster/sdk';

const origin = process.env['ROSTER_ORIGIN'] ?? 'http://127.0.0.1:8080';
const keys = { subscribeKey: process.env['SUBSCRIBE_KEY'] ?? 'demo', publishKey: process.env['PUBLISH_KEY'] ?? 'demo', origin };
const watcher = new Roster({ ...keys, userId: 'watcher' });
const writer = new Roster({ ...keys, userId: 'writer' });

const { result: now } = await writer.time().sync();
console.log(`server time: ${now.toDate().toISOString()} (${now.timetoken})`);

const received: PNObjectsEvent[] = [];
const connected = new Promise<void>((resolve, reject) => {
  watcher.addListener({
    status: (status) => {
      if (status.category === PNStatusCategory.PNConnectedCategory) resolve();
      else if (status.isError()) reject(new Error(`subscribe: ${status.category} ${status.errorData?.information ?? ''}`));
    },
    objects: (event) => {
      const { type, event: what, data } = event.message;
      console.log(`${type} ${what} on ${event.channel}: ${JSON.stringify(data)}`);
      received.push(event);
    },
    message: (event) => console.log(`message on ${event.channel} from ${event.publisher}: ${JSON.stringify(event.message)}`),
  });
});

// User events arrive on the channel named after the user; channel and membership events on the channel's.
watcher.subscribe().channels(['lobby', 'ann']).execute();
await connected;

await writer.setChannelMetadata({ channel: 'lobby', name: 'Lobby' }).sync();
await writer.setUUIDMetadata({ uuid: 'ann', name: 'Ann' }).sync();
await writer.setMemberships({ uuid: 'ann', channelMemberships: [PNChannelMembership.channelWithCustom('lobby', { role: 'host' })] }).sync();
await writer.publish().channel('lobby').message({ text: 'welcome, Ann' }).sync();
await writer.removeMemberships({ uuid: 'ann', channelMemberships: [PNChannelMembership.channel('lobby')] }).sync();

const deadline = Date.now() + 5000;
while (received.length < 4 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
watcher.destroy();
if (received.length < 4) throw new Error(`expected 4 App Context events, got ${received.length}`);
console.log('events: done');
