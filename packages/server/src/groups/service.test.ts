import { afterAll, describe, expect, it } from 'vitest';
import { RosterError } from '../errors.ts';
import { keysetFrom } from '../model/keyset.ts';
import { createStore } from '../store/create.ts';
import { checkGroupName, checkRegistryGroup, parseGroupList, parseRegistryChannels } from './names.ts';
import { ChannelGroupsService, subscriptionSet } from './service.ts';

const store = await createStore({ db: ':memory:', synchronous: 'normal' });
afterAll(() => store.close());
const groups = new ChannelGroupsService(store.channelGroups);
const keyset = keysetFrom({ publishKey: 'p', subscribeKey: 's', limits: { maxChannelsPerGroup: 4, maxGroupsPerKeyset: 3 } });

/** The 400 `run` throws: its field and message. */
async function refusal(run: () => unknown): Promise<{ location: string | undefined; message: string }> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof RosterError)) throw error;
    expect(error.status).toBe(400);
    return { location: error.details[0]?.location, message: error.message };
  }
  throw new Error('expected a 400');
}

describe('ChannelGroupsService', () => {
  it('resolves groups to their channels, {group}-pnpres to their presence channels, and unknown groups to none', async () => {
    await groups.add(keyset, 'family', ['kitchen', 'garden']);
    const resolved = await groups.resolve(keyset, ['family', 'family-pnpres', 'nobody']);
    expect(resolved).toEqual(
      new Map([
        ['family', ['garden', 'kitchen']],
        ['family-pnpres', ['garden-pnpres', 'kitchen-pnpres']],
        ['nobody', []],
      ]),
    );
  });

  it('refuses an add past the keyset’s limits, naming the limit, and writes none of it', async () => {
    await groups.add(keyset, 'full', ['a', 'b', 'c']);
    expect(await refusal(() => groups.add(keyset, 'full', ['d', 'e']))).toMatchObject({
      location: 'add',
      message: expect.stringContaining('maxChannelsPerGroup'),
    });
    expect(await groups.channels(keyset, 'full')).toEqual(['a', 'b', 'c']);
    await groups.add(keyset, 'third', ['x']);
    expect(await refusal(() => groups.add(keyset, 'fourth', ['y']))).toMatchObject({
      location: 'group',
      message: expect.stringContaining('maxGroupsPerKeyset'),
    });
    expect(await groups.groups(keyset)).toEqual(['family', 'full', 'third']);
  });
});

describe('subscriptionSet', () => {
  it('adds the groups’ channels once, each via the first group that holds it; a channel named directly has no via', () => {
    const resolved = new Map([
      ['g1', ['a', 'b']],
      ['g2', ['b', 'c']],
    ]);
    const set = subscriptionSet(['a'], resolved);
    expect(set.channels).toEqual(['a', 'b', 'c']);
    expect(set.via).toEqual(
      new Map([
        ['b', 'g1'],
        ['c', 'g2'],
      ]),
    );
  });
});

describe('group and channel names', () => {
  it('takes channel-group lists, refusing empty names, commas in registry names and more groups than allowed', async () => {
    expect(parseGroupList(undefined, 92, 2)).toEqual([]);
    expect(parseGroupList('a,b,a', 92, 2)).toEqual(['a', 'b']);
    expect((await refusal(() => parseGroupList('a,,b', 92, 5))).location).toBe('channel-group');
    expect((await refusal(() => parseGroupList('a,b,c', 92, 2))).message).toContain('maxGroupsPerSubscribe');
    expect((await refusal(() => checkGroupName('x'.repeat(93), 'group', 'path', 92))).location).toBe('group');
    expect((await refusal(() => checkRegistryGroup('team-pnpres', 92))).message).toContain("'team'");
  });

  it('takes the channels of a registry write, up to the per-request maximum, without wildcards', async () => {
    expect(parseRegistryChannels('a,b,a', 'add', 92, 200)).toEqual(['a', 'b']);
    expect((await refusal(() => parseRegistryChannels('a,news.*', 'add', 92, 200))).location).toBe('add');
    expect((await refusal(() => parseRegistryChannels('a,b,c', 'remove', 92, 2))).location).toBe('remove');
    expect((await refusal(() => parseRegistryChannels('a\u0000', 'add', 92, 2))).message).toContain('control characters');
  });
});
