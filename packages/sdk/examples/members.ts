/**
 * Channel members: the users in a channel. Get, set, remove and manage.
 * ROSTER_ORIGIN=http://127.0.0.1:8080 node --import tsx examples/members.ts
 */
import { MemberIncludes, PNUUID, Roster, UUIDIncludeEndpoint } from '@roster/sdk';

const client = new Roster({
  subscribeKey: process.env['SUBSCRIBE_KEY'] ?? 'demo',
  publishKey: process.env['PUBLISH_KEY'] ?? 'demo',
  userId: process.env['USER_ID'] ?? 'my_custom_user_id',
  origin: process.env['ROSTER_ORIGIN'] ?? 'http://127.0.0.1:8080',
});

const someUuid = 'some_uuid';
const someUuidWithCustom = 'some_uuid_with_custom';

await client.setUUIDMetadata().uuid(someUuid).setName('some name').sync();
await client.setUUIDMetadata({ uuid: someUuidWithCustom, name: 'some name with custom', custom: { key3: 'val1', key4: 'val2' } }).sync();

// Set channel members.
const uuidsToSet = [PNUUID.uuid(someUuid), PNUUID.uuidWithCustom(someUuidWithCustom, { role: 'admin' }, { status: 'active', type: 'moderator' })];
const { result: set } = await client
  .setChannelMembers()
  .channel('channel id')
  .uuids(uuidsToSet)
  .include(new MemberIncludes({ custom: true, user: true, userCustom: true }))
  .sync();
for (const member of set.data) console.log(`${member.uuid.id} (${member.uuid.name}) ${JSON.stringify(member.custom)}`);

// Get channel members: fluent, and named with .pnAsync().
const { result: members } = await client
  .getChannelMembers()
  .channel('channel id')
  .include(new MemberIncludes({ custom: true, user: true, userCustom: true, totalCount: true }))
  .sync();
console.log(`${members.totalCount} members`);
await new Promise<void>((done) =>
  client.getChannelMembers({ channel: 'channel id', include: new MemberIncludes({ custom: true, user: true, userCustom: true }) }).pnAsync((result, status) => {
    console.log(status.isError() ? `Error: ${status.errorData?.information}` : `members: ${result?.data.map((member) => member.uuid.id).join(', ')}`);
    done();
  }),
);

// Remove channel members, with the flat include flags.
await client
  .removeChannelMembers()
  .channel('channel id')
  .uuids([PNUUID.uuid(someUuid)])
  .includeCustom(true)
  .includeUUID(UUIDIncludeEndpoint.UUID_WITH_CUSTOM)
  .sync();

// Manage channel members: add and remove in one request.
const { result: managed } = await client
  .manageChannelMembers()
  .channel('channel id')
  .set([PNUUID.uuid(someUuid)])
  .remove([PNUUID.uuid(someUuidWithCustom)])
  .include(new MemberIncludes({ custom: true, user: true, userCustom: true }))
  .sync();
console.log(`after manage: ${managed.data.map((member) => member.uuid.id).join(', ')}`);
await client.manageChannelMembers({ channel: 'channel id', remove: [PNUUID.uuid(someUuid)] }).sync();
console.log('members: done');
