/**
 * Channels (channel metadata): list, fetch, set and remove, in each documented style.
 * ROSTER_ORIGIN=http://127.0.0.1:8080 node --import tsx examples/channels.ts
 */
import { PNSortKey, PNSortKeyValue, Roster } from '@roster/sdk';

const client = new Roster({
  subscribeKey: process.env['SUBSCRIBE_KEY'] ?? 'demo',
  publishKey: process.env['PUBLISH_KEY'] ?? 'demo',
  userId: process.env['USER_ID'] ?? 'my_custom_user_id',
  origin: process.env['ROSTER_ORIGIN'] ?? 'http://127.0.0.1:8080',
});

// Set channel metadata: fluent and named.
await client
  .setChannelMetadata()
  .includeCustom(true)
  .channel('channel id')
  .setName('Channel Name')
  .setStatus('Archived')
  .setType('Archived')
  .description('Description')
  .custom({ key1: 'val1', key2: 'val2' })
  .sync();
await client
  .setChannelMetadata({ channel: 'lobby', name: 'Lobby', status: 'open', type: 'public', description: 'Say hi', custom: { floor: 1 }, includeCustom: true })
  .sync();

// Get metadata for all channels: fluent, and named with .pnAsync().
const { result: all } = await client
  .getAllChannelMetadata()
  .includeCustom(true)
  .limit(10)
  .includeTotalCount(true)
  .sort(PNSortKey.asc(PNSortKeyValue.ID), PNSortKey.desc(PNSortKeyValue.UPDATED))
  .page(null)
  .sync();
console.log(`${all.totalCount} channels: ${all.data.map((channel) => channel.name).join(', ')}`);
await new Promise<void>((done) =>
  client.getAllChannelMetadata({ limit: 10, includeCustom: true, filter: "name LIKE 'L*'" }).pnAsync((result, status) => {
    console.log(status.isError() ? `Error: ${status.errorData?.information}` : `Matching: ${result?.data.map((channel) => channel.id).join(', ')}`);
    done();
  }),
);

// Get channel metadata.
const { result: lobby } = await client.getChannelMetadata().includeCustom(true).channel('lobby').sync();
console.log(`${lobby.data.name}: ${lobby.data.description} ${JSON.stringify(lobby.data.custom)}`);

// Iteratively update existing metadata: custom is replaced whole, so merge before setting.
const merged = { ...(lobby.data.custom ?? {}), topic: 'news' };
const { result: updated } = await client.setChannelMetadata({ channel: 'lobby', custom: merged, includeCustom: true, ifMatchesEtag: lobby.data.eTag }).sync();
console.log(`Updated custom: ${JSON.stringify(updated.data.custom)}`);

// Remove channel metadata: fluent and named.
await client.removeChannelMetadata().channel('channel id').sync();
await new Promise<void>((done) => client.removeChannelMetadata({ channel: 'lobby' }).pnAsync(() => done()));
console.log('channels: done');
