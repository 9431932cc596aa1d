/**
 * Channel memberships: the channels a user belongs to. Get, set, remove and manage.
 * ROSTER_ORIGIN=http://127.0.0.1:8080 node --import tsx examples/memberships.ts
 */
import { ChannelIncludeEndpoint, MembershipIncludes, PNChannelMembership, type PNPage, Roster, type PNGetMembershipsResult } from '@roster/sdk';

const client = new Roster({
  subscribeKey: process.env['SUBSCRIBE_KEY'] ?? 'demo',
  publishKey: process.env['PUBLISH_KEY'] ?? 'demo',
  userId: process.env['USER_ID'] ?? 'my_custom_user_id',
  origin: process.env['ROSTER_ORIGIN'] ?? 'http://127.0.0.1:8080',
});

const someChannel = 'somechannel';
const someChannelWithCustom = 'somechannel_with_custom';

await client.setChannelMetadata().channel(someChannel).setName('some name').sync();
await client.setChannelMetadata({ channel: someChannelWithCustom, name: 'some name with custom', custom: { key3: 'val1', key4: 'val2' } }).sync();

// Set channel memberships.
const channelMembershipsToSet = [
  PNChannelMembership.channel(someChannel),
  PNChannelMembership.channelWithCustom(someChannelWithCustom, { key5: 'val1', key6: 'val2' }, { status: 'active', type: 'guest' }),
];
const { result: set } = await client
  .setMemberships()
  .uuid('some-uuid')
  .channelMemberships(channelMembershipsToSet)
  .include(new MembershipIncludes({ custom: true, channel: true, channelCustom: true }))
  .sync();
console.log(`some-uuid is in ${set.data.map((membership) => membership.channel.id).join(', ')}`);

// Get channel memberships: fluent, and named with .pnAsync().
const { result: memberships } = await client
  .getMemberships()
  .include(new MembershipIncludes({ custom: true, channel: true, channelCustom: true, totalCount: true }))
  .uuid('some-uuid')
  .sync();
for (const membership of memberships.data) console.log(`${membership.channel.id}: ${membership.channel.name} ${JSON.stringify(membership.custom)}`);
await new Promise<void>((done) =>
  client
    .getMemberships({ uuid: 'some-uuid', include: new MembershipIncludes({ custom: true, channel: true, channelCustom: true }) })
    .pnAsync((result, status) => {
      console.log(status.isError() ? `Error: ${status.errorData?.information}` : `${result?.data.length} memberships`);
      done();
    }),
);

// Memberships of the configured user, page by page (stop on an empty page).
await client.setMemberships({ channelMemberships: ['a', 'b', 'c'].map((id) => PNChannelMembership.channel(id)) }).sync();
let page: PNPage | null = null;
for (;;) {
  const { result }: { result: PNGetMembershipsResult } = await client.getMemberships({ limit: 2, page }).sync();
  if (result.data.length === 0) break;
  console.log(`page: ${result.data.map((membership) => membership.channel.id).join(', ')}`);
  page = result.next;
  if (page === null) break;
}

// Remove channel memberships, with the flat include flags.
await client
  .removeMemberships()
  .uuid('some_uuid')
  .channelMemberships([PNChannelMembership.channel(someChannel)])
  .includeCustom(true)
  .includeChannel(ChannelIncludeEndpoint.CHANNEL_WITH_CUSTOM)
  .sync();
await client.removeMemberships({ channelMemberships: ['a', 'b', 'c'].map((id) => PNChannelMembership.channel(id)) }).sync();

// Manage channel memberships: add and remove in one request.
const { result: managed } = await client
  .manageMemberships()
  .uuid('some-uuid')
  .set([PNChannelMembership.channel(someChannel)])
  .remove([PNChannelMembership.channel(someChannelWithCustom)])
  .include(new MembershipIncludes({ custom: true, channel: true, channelCustom: true }))
  .sync();
console.log(`after manage: ${managed.data.map((membership) => membership.channel.id).join(', ')}`);
await client.manageMemberships({ uuid: 'some-uuid', remove: [PNChannelMembership.channel(someChannel)] }).sync();
console.log('memberships: done');
