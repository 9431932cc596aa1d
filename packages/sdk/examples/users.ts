/**
 * Users (UUID metadata): list, fetch, set and remove, in each documented style.
 * Run against a Roster server: ROSTER_ORIGIN=http://127.0.0.1:8080 node --import tsx examples/users.ts
 */
import { PNSortKey, PNSortKeyValue, PubNubException, Roster, type PNGetAllUUIDMetadataResult, type PNStatus } from '@roster/sdk';

const client = new Roster({
  subscribeKey: process.env['SUBSCRIBE_KEY'] ?? 'demo',
  publishKey: process.env['PUBLISH_KEY'] ?? 'demo',
  userId: process.env['USER_ID'] ?? 'my_custom_user_id',
  origin: process.env['ROSTER_ORIGIN'] ?? 'http://127.0.0.1:8080',
});

// Set user metadata: fluent, with .sync().
await client
  .setUUIDMetadata()
  .includeCustom(true)
  .uuid('Some UUID')
  .setName('Some Name')
  .setStatus('Active')
  .setType('User')
  .email('test@example.com')
  .profileUrl('http://example.com')
  .externalId('1234567890')
  .custom({ key1: 'val1', key2: 'val2' })
  .sync();

// Set user metadata: named arguments, with .pnAsync().
await new Promise<void>((done) =>
  client.setUUIDMetadata({ uuid: 'my_custom_user_id', name: 'Me', status: 'Active', type: 'User', custom: { team: 'red' } }).pnAsync((result, status) => {
    if (status.isError()) console.log(`Error: ${status.errorData?.information}`);
    else console.log(`Set ${result?.data.id}, eTag ${result?.data.eTag}`);
    done();
  }),
);

// Get metadata for all users: fluent, with .sync() and error handling.
try {
  const { result } = await client
    .getAllUUIDMetadata()
    .includeCustom(true)
    .limit(10)
    .includeTotalCount(true)
    .sort(PNSortKey.asc(PNSortKeyValue.ID), PNSortKey.desc(PNSortKeyValue.UPDATED))
    .page(null)
    .sync();
  for (const user of result.data) {
    console.log(`UUID: ${user.id}`);
    console.log(`Name: ${user.name}`);
    console.log(`Custom: ${JSON.stringify(user.custom)}`);
  }
  console.log(`Total: ${result.totalCount}`);
} catch (error) {
  if (error instanceof PubNubException) console.log(`Error: ${error.message}`);
  else throw error;
}

// Get metadata for all users: named arguments, with .pnAsync().
function callback(result: PNGetAllUUIDMetadataResult | null, status: PNStatus): void {
  if (status.isError()) {
    console.log(`Error: ${status.errorData?.information}`);
    return;
  }
  for (const user of result?.data ?? []) console.log(`UUID: ${user.id}, name: ${user.name}`);
}
await new Promise<void>((done) =>
  client
    .getAllUUIDMetadata({
      limit: 10,
      includeCustom: true,
      includeTotalCount: true,
      sort: [PNSortKey.asc(PNSortKeyValue.ID), PNSortKey.desc(PNSortKeyValue.UPDATED)],
    })
    .pnAsync((result, status) => {
      callback(result, status);
      done();
    }),
);

// Get user metadata: the configured user by default; a builder can also simply be awaited.
const { result: me } = await client.getUUIDMetadata().includeCustom(true);
console.log(`Me: ${me.data.name} (${me.data.status}), custom ${JSON.stringify(me.data.custom)}`);
const { result: someone } = await client.getUUIDMetadata({ uuid: 'Some UUID', includeCustom: true }).sync();
console.log(`Some UUID: ${someone.data.name}`);

// Optimistic update with ifMatchesEtag: a stale eTag fails with 412.
await client.setUUIDMetadata().uuid('Some UUID').setName('Renamed').ifMatchesEtag(someone.data.eTag).sync();
try {
  await client.setUUIDMetadata().uuid('Some UUID').setName('Lost update').ifMatchesEtag(someone.data.eTag).sync();
} catch (error) {
  if (error instanceof PubNubException) console.log(`Stale eTag rejected with HTTP ${error.statusCode}`);
}

// Remove user metadata: fluent and named.
await client.removeUUIDMetadata().uuid('Some UUID').sync();
await new Promise<void>((done) => client.removeUUIDMetadata({ uuid: 'my_custom_user_id' }).pnAsync(() => done()));
console.log('users: done');
