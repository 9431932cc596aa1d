import { useServer } from '@roster/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemberIncludes, PNSortKey, PNSortKeyValue, PNStatusCategory, PNUUID, UUIDIncludeEndpoint, type Roster } from '../src/index.ts';
import { clientFor, rejection, unique, viaCallback } from './helpers/roster.ts';

const server = useServer();
let client: Roster;

beforeAll(() => {
  client = clientFor(server);
});

/** A channel and two users with metadata, one with custom. */
async function fixture(): Promise<{ channel: string; plain: string; rich: string }> {
  const channel = unique('room');
  const plain = unique('u-a');
  const rich = unique('u-b');
  await client.setUUIDMetadata({ uuid: plain, name: 'some name' }).sync();
  await client.setUUIDMetadata({ uuid: rich, name: 'some name with custom', custom: { key3: 'val1', key4: 'val2' }, status: 'online' }).sync();
  return { channel, plain, rich };
}

describe('channel members against a real Roster server', () => {
  it('setChannelMembers (fluent, .sync())', async () => {
    const { channel, plain, rich } = await fixture();
    const { result } = await client
      .setChannelMembers()
      .channel(channel)
      .uuids([PNUUID.uuid(plain), PNUUID.uuidWithCustom(rich, { role: 'admin' }, { status: 'active', type: 'mod' })])
      .include(new MemberIncludes({ custom: true, status: true, type: true, user: true, userCustom: true, userStatus: true, totalCount: true }))
      .sort(PNSortKey.asc(PNSortKeyValue.UUID_NAME))
      .sync();
    expect(result.totalCount).toBe(2);
    expect(result.data.map((member) => member.uuid.id)).toEqual([plain, rich]);
    expect(result.data[1]).toMatchObject({
      custom: { role: 'admin' },
      status: 'active',
      type: 'mod',
      uuid: { id: rich, name: 'some name with custom', custom: { key3: 'val1', key4: 'val2' }, status: 'online' },
    });
  });

  it('setChannelMembers (named, .pnAsync())', async () => {
    const { channel, plain } = await fixture();
    const { result, status } = await viaCallback(client.setChannelMembers({ channel, uuids: [PNUUID.uuid(plain)], includeUUID: UUIDIncludeEndpoint.UUID }));
    expect(status.isError()).toBe(false);
    expect(result?.data[0]?.uuid).toMatchObject({ id: plain, name: 'some name' });
  });

  it('getChannelMembers in both styles', async () => {
    const { channel, plain, rich } = await fixture();
    await client.setChannelMembers({ channel, uuids: [PNUUID.uuidWithCustom(plain, { seat: 2 }), rich] }).sync();
    const fluent = await client
      .getChannelMembers()
      .channel(channel)
      .include(new MemberIncludes({ custom: true, user: true, userCustom: true }))
      .sync();
    expect(fluent.result.data).toHaveLength(2);
    expect(fluent.result.data.find((member) => member.uuid.id === rich)?.uuid.custom).toEqual({ key3: 'val1', key4: 'val2' });
    const named = await viaCallback(client.getChannelMembers({ channel, includeCustom: true, includeTotalCount: true, filter: `uuid.id == '${plain}'` }));
    expect(named.result?.totalCount).toBe(1);
    expect(named.result?.data[0]).toMatchObject({ uuid: { id: plain }, custom: { seat: 2 } });
  });

  it('removeChannelMembers in both styles', async () => {
    const { channel, plain, rich } = await fixture();
    await client.setChannelMembers({ channel, uuids: [plain, rich] }).sync();
    const fluent = await client
      .removeChannelMembers()
      .channel(channel)
      .uuids([PNUUID.uuid(plain)])
      .includeCustom(true)
      .includeUUID(UUIDIncludeEndpoint.UUID_WITH_CUSTOM)
      .sync();
    expect(fluent.result.data.map((member) => member.uuid.id)).toEqual([rich]);
    const named = await viaCallback(client.removeChannelMembers({ channel, uuids: [PNUUID.uuid(rich)] }));
    expect(named.result?.data).toEqual([]);
  });

  it('manageChannelMembers in both styles', async () => {
    const { channel, plain, rich } = await fixture();
    await client.setChannelMembers({ channel, uuids: [plain] }).sync();
    const fluent = await client
      .manageChannelMembers()
      .channel(channel)
      .set([PNUUID.uuid(rich)])
      .remove([PNUUID.uuid(plain)])
      .include(new MemberIncludes({ user: true }))
      .sync();
    expect(fluent.result.data.map((member) => member.uuid)).toEqual([expect.objectContaining({ id: rich, name: 'some name with custom' })]);
    const named = await viaCallback(client.manageChannelMembers({ channel, set: [PNUUID.uuid(plain)], remove: [PNUUID.uuid(rich)] }));
    expect(named.result?.data.map((member) => member.uuid.id)).toEqual([plain]);
  });

  it('member calls need a channel', async () => {
    expect(await rejection(client.getChannelMembers())).toMatchObject({ status: { category: PNStatusCategory.PNValidationErrorCategory } });
    expect((await viaCallback(client.setChannelMembers({ uuids: ['x'] }))).status.category).toBe(PNStatusCategory.PNValidationErrorCategory);
  });
});
