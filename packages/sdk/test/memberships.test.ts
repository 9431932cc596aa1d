import { useServer } from '@roster/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChannelIncludeEndpoint, MembershipIncludes, PNChannelMembership, PNSortKey, PNSortKeyValue, type Roster } from '../src/index.ts';
import { clientFor, unique, viaCallback } from './helpers/roster.ts';

const server = useServer();
let client: Roster;

beforeAll(() => {
  client = clientFor(server);
});

/** A user with two channels that have metadata, one with custom. */
async function fixture(): Promise<{ user: string; plain: string; rich: string }> {
  const user = unique('member');
  const plain = unique('ch-a');
  const rich = unique('ch-b');
  await client.setChannelMetadata({ channel: plain, name: 'some name' }).sync();
  await client.setChannelMetadata({ channel: rich, name: 'some name with custom', custom: { key3: 'val1', key4: 'val2' }, status: 'open' }).sync();
  return { user, plain, rich };
}

describe('memberships against a real Roster server', () => {
  it('setMemberships (fluent, .sync()) returns the memberships with the asked includes', async () => {
    const { user, plain, rich } = await fixture();
    const { result } = await client
      .setMemberships()
      .uuid(user)
      .channelMemberships([
        PNChannelMembership.channel(plain),
        PNChannelMembership.channelWithCustom(rich, { key5: 'val1' }, { status: 'active', type: 'guest' }),
      ])
      .include(new MembershipIncludes({ custom: true, channel: true, channelCustom: true, totalCount: true }))
      .sort(PNSortKey.asc(PNSortKeyValue.CHANNEL_ID))
      .sync();
    expect(result.totalCount).toBe(2);
    expect(result.data).toHaveLength(2);
    const byId = new Map(result.data.map((membership) => [membership.channel.id, membership]));
    expect(byId.get(rich)).toMatchObject({
      custom: { key5: 'val1' },
      status: 'active',
      channel: { id: rich, name: 'some name with custom', custom: { key3: 'val1', key4: 'val2' }, status: 'open' },
    });
    expect(byId.get(plain)).toMatchObject({ custom: null, channel: { id: plain, name: 'some name' } });
  });

  it('setMemberships (named, .pnAsync()) defaults to the configured user', async () => {
    const own = clientFor(server, unique('self'));
    const { plain } = await fixture();
    const { result, status } = await viaCallback(own.setMemberships({ channelMemberships: [PNChannelMembership.channel(plain)], includeCustom: true }));
    expect(status.isError()).toBe(false);
    // Writes always ask for channel.status/channel.type (as the official SDK does), which brings the channel object.
    expect(result?.data.map((membership) => membership.channel)).toEqual([expect.objectContaining({ id: plain, name: 'some name', status: null })]);
    const listed = await own.getMemberships().sync();
    expect(listed.result.data.map((membership) => membership.channel.id)).toEqual([plain]);
  });

  it('getMemberships in both styles, with includes and the flat flags', async () => {
    const { user, plain, rich } = await fixture();
    await client
      .setMemberships({ uuid: user, channelMemberships: [PNChannelMembership.channelWithCustom(plain, { n: 1 }), PNChannelMembership.channel(rich)] })
      .sync();
    const fluent = await client
      .getMemberships()
      .include(new MembershipIncludes({ custom: true, channel: true, channelCustom: true }))
      .uuid(user)
      .sync();
    expect(fluent.result.data).toHaveLength(2);
    expect(fluent.result.totalCount).toBeNull();
    expect(fluent.result.data.find((m) => m.channel.id === rich)?.channel).toMatchObject({ name: 'some name with custom', custom: { key3: 'val1' } });
    const named = await viaCallback(
      client.getMemberships({
        uuid: user,
        includeCustom: true,
        includeChannel: ChannelIncludeEndpoint.CHANNEL,
        includeTotalCount: true,
        filter: `channel.id == '${plain}'`,
      }),
    );
    expect(named.result?.totalCount).toBe(1);
    expect(named.result?.data[0]).toMatchObject({ custom: { n: 1 }, channel: { id: plain, name: 'some name' } });
    expect(named.result?.data[0]?.channel).not.toHaveProperty('custom');
  });

  it('removeMemberships in both styles returns what remains', async () => {
    const { user, plain, rich } = await fixture();
    const third = unique('ch-c');
    await client.setMemberships({ uuid: user, channelMemberships: [plain, rich, third] }).sync();
    const fluent = await client
      .removeMemberships()
      .uuid(user)
      .channelMemberships([PNChannelMembership.channel(plain)])
      .includeCustom(true)
      .includeChannel(ChannelIncludeEndpoint.CHANNEL_WITH_CUSTOM)
      .sync();
    expect(fluent.result.data.map((membership) => membership.channel.id).sort()).toEqual([rich, third].sort());
    const named = await viaCallback(client.removeMemberships({ uuid: user, channelMemberships: [PNChannelMembership.channel(rich)] }));
    expect(named.result?.data.map((membership) => membership.channel.id)).toEqual([third]);
  });

  it('manageMemberships in both styles adds and removes in one request', async () => {
    const { user, plain, rich } = await fixture();
    await client.setMemberships({ uuid: user, channelMemberships: [plain] }).sync();
    const fluent = await client
      .manageMemberships()
      .uuid(user)
      .set([PNChannelMembership.channel(rich)])
      .remove([PNChannelMembership.channel(plain)])
      .include(new MembershipIncludes({ custom: true, channel: true, channelCustom: true }))
      .sync();
    expect(fluent.result.data.map((membership) => membership.channel.id)).toEqual([rich]);
    const named = await viaCallback(
      client.manageMemberships({
        uuid: user,
        set: [PNChannelMembership.channel(plain)],
        remove: [PNChannelMembership.channel(rich)],
        include: new MembershipIncludes({ totalCount: true }),
      }),
    );
    expect(named.result?.totalCount).toBe(1);
    expect(named.result?.data.map((membership) => membership.channel.id)).toEqual([plain]);
  });

  it('a membership update changes only the fields given', async () => {
    const { user, plain } = await fixture();
    await client
      .setMemberships({ uuid: user, channelMemberships: [PNChannelMembership.channelWithCustom(plain, { seat: 1 }, { status: 'on', type: 't' })] })
      .sync();
    const { result } = await client
      .setMemberships({ uuid: user, channelMemberships: [PNChannelMembership.channel(plain, { type: 'u' })] })
      .include(new MembershipIncludes({ custom: true, status: true, type: true }));
    expect(result.data[0]).toMatchObject({ custom: { seat: 1 }, status: 'on', type: 'u' });
  });
});
