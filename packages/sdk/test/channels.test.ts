import { useServer } from '@roster/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { PNSortKey, PNSortKeyValue, PNStatusCategory, type Roster } from '../src/index.ts';
import { clientFor, rejection, unique, viaCallback } from './helpers/roster.ts';

const server = useServer();
let client: Roster;

beforeAll(() => {
  client = clientFor(server);
});

describe('channels against a real Roster server', () => {
  it('setChannelMetadata (fluent, .sync()) writes every documented field', async () => {
    const id = unique('chan');
    const { result } = await client
      .setChannelMetadata()
      .includeCustom(true)
      .channel(id)
      .setName('Channel Name')
      .setStatus('Archived')
      .setType('Archived')
      .description('Description')
      .custom({ key1: 'val1', key2: 'val2' })
      .sync();
    expect(result.data).toMatchObject({
      id,
      name: 'Channel Name',
      description: 'Description',
      status: 'Archived',
      type: 'Archived',
      custom: { key1: 'val1', key2: 'val2' },
    });
  });

  it('setChannelMetadata answers status and type without being asked, as the official SDKs do', async () => {
    const id = unique('chan');
    const { result } = await client.setChannelMetadata({ channel: id, name: 'Lobby', status: 'open', type: 'public' }).sync();
    expect(result.data).toMatchObject({ id, name: 'Lobby', status: 'open', type: 'public' });
    expect(result.data).not.toHaveProperty('custom');
    const quiet = await client.setChannelMetadata().channel(id).description('d').includeStatus(false).includeType(false).sync();
    expect(quiet.result.data).toMatchObject({ id, description: 'd' });
    expect(quiet.result.data).not.toHaveProperty('status');
    expect(quiet.result.data).not.toHaveProperty('type');
  });

  it('setChannelMetadata (named, .pnAsync())', async () => {
    const id = unique('chan');
    const { result, status } = await viaCallback(
      client.setChannelMetadata({
        channel: id,
        name: 'Named',
        status: 'open',
        type: 'public',
        description: 'd',
        custom: { k: true },
        includeCustom: true,
        includeStatus: true,
        includeType: true,
      }),
    );
    expect(status.isError()).toBe(false);
    expect(result?.data).toMatchObject({ id, name: 'Named', status: 'open', type: 'public', description: 'd', custom: { k: true } });
  });

  it('getChannelMetadata in both styles, with the documented include defaults', async () => {
    const id = unique('chan');
    await client.setChannelMetadata({ channel: id, name: 'N', status: 's', custom: { a: 'b' } }).sync();
    const fluent = await client.getChannelMetadata().channel(id).sync();
    expect(fluent.result.data).toMatchObject({ id, name: 'N', status: 's', type: null });
    expect(fluent.result.data).not.toHaveProperty('custom');
    const named = await viaCallback(client.getChannelMetadata({ channel: id, includeCustom: true, includeType: false }));
    expect(named.result?.data).toMatchObject({ custom: { a: 'b' } });
    expect(named.result?.data).not.toHaveProperty('type');
  });

  it('getChannelMetadata needs a channel: a validation error, no request', async () => {
    const error = await rejection(client.getChannelMetadata());
    expect(error).toMatchObject({ statusCode: 0, status: { category: PNStatusCategory.PNValidationErrorCategory } });
    const { result, status } = await viaCallback(client.removeChannelMetadata());
    expect(result).toBeNull();
    expect(status.category).toBe(PNStatusCategory.PNValidationErrorCategory);
  });

  it('getAllChannelMetadata in both styles', async () => {
    const prefix = unique('all');
    for (const name of ['b', 'a', 'c']) await client.setChannelMetadata({ channel: `${prefix}-${name}`, name: name.toUpperCase() }).sync();
    const fluent = await client
      .getAllChannelMetadata()
      .filter(`id LIKE '${prefix}*'`)
      .includeTotalCount(true)
      .sort(PNSortKey.desc(PNSortKeyValue.ID))
      .limit(2)
      .sync();
    expect(fluent.result.totalCount).toBe(3);
    expect(fluent.result.data.map((channel) => channel.name)).toEqual(['C', 'B']);
    const named = await viaCallback(
      client.getAllChannelMetadata({ filter: `id LIKE '${prefix}*'`, page: fluent.result.next, limit: 2, sort: [PNSortKey.desc(PNSortKeyValue.ID)] }),
    );
    expect(named.result?.data.map((channel) => channel.name)).toEqual(['A']);
  });

  it('removeChannelMetadata in both styles', async () => {
    const first = unique('chan');
    const second = unique('chan');
    await client.setChannelMetadata({ channel: first, name: 'x' }).sync();
    await client.setChannelMetadata({ channel: second, name: 'y' }).sync();
    await client.removeChannelMetadata().channel(first).sync();
    expect((await viaCallback(client.removeChannelMetadata({ channel: second }))).status.isError()).toBe(false);
    expect(await rejection(client.getChannelMetadata({ channel: first }))).toMatchObject({ statusCode: 404 });
    expect(await rejection(client.getChannelMetadata({ channel: second }))).toMatchObject({ statusCode: 404 });
  });
});
