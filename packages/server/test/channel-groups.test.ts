/**
 * Channel groups over real HTTP, as PubNub serves them: the registry (`/v1/channel-registration`:
 * add, remove, list, delete, list groups) with its answers, refusals and limits; subscribing with
 * `channel-group` (envelopes' `b` naming the group, `{group}-pnpres` for its presence, PubNub's
 * 400 for an empty set); heartbeat, leave, here-now and state over a group's channels; and Access
 * Manager: manage on the group for the registry, read for subscribing and presence, exact grants
 * and patterns alike. Events are waited for, so the checks hold on a cluster too.
 */
import PubNub from 'pubnub';
import { useServer } from '@roster/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encode } from './http.ts';
import { get, presenceKeyset, until, watch, type Watcher } from './presence-fixtures.ts';

const SUB = 'cg';
/** Three channels a group, two groups. */
const SMALL = 'cg-small';
const LOCKED = { ...presenceKeyset('cg-locked'), secretKey: 'sec-cg-locked', accessManager: true };

const server = useServer({
  keysets: [presenceKeyset(SUB), presenceKeyset(SMALL, { limits: { maxChannelsPerGroup: 3, maxGroupsPerKeyset: 2 } }), LOCKED],
  args: ['--subscribe-hold', '2'],
});

const watchers: Watcher[] = [];
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((watcher) => watcher.stop()));
});

const WRITTEN = { error: false, message: 'OK', service: 'channel-registry', status: 200 };
const groupPath = (group: string, subKey = SUB) => `/v1/channel-registration/sub-key/${subKey}/channel-group/${encode(group)}`;
const add = (group: string, channels: string[], subKey = SUB, query: Record<string, string> = {}) =>
  get(server, groupPath(group, subKey), { add: channels.join(','), ...query });
const remove = (group: string, channels: string[], subKey = SUB) => get(server, groupPath(group, subKey), { remove: channels.join(',') });
const list = (group: string, subKey = SUB, query: Record<string, string> = {}) => get(server, groupPath(group, subKey), query);
const deleteGroup = (group: string, subKey = SUB) => get(server, `${groupPath(group, subKey)}/remove`);
const groups = (subKey = SUB, query: Record<string, string> = {}) => get(server, `/v1/channel-registration/sub-key/${subKey}/channel-group`, query);
const publish = (channel: string, message: unknown, subKey = SUB) =>
  get(server, `/publish/pub-${subKey}/${subKey}/0/${encode(channel)}/0/${encode(JSON.stringify(message))}`, { uuid: 'publisher' });
const presence = (path: string, query: Record<string, string | number> = {}, subKey = SUB) => get(server, `/v2/presence/sub-key/${subKey}${path}`, query);

describe('the channel registry', () => {
  it('adds, lists, removes and deletes, answering as PubNub’s registry does', async () => {
    const added = await add('feeds', ['news', 'sports']);
    expect(added.status).toBe(200);
    expect(added.type).toMatch(/^application\/json/);
    expect(added.body).toEqual(WRITTEN);
    expect((await list('feeds')).body).toEqual({
      status: 200,
      payload: { channels: ['news', 'sports'], group: 'feeds' },
      service: 'channel-registry',
      error: false,
    });
    expect((await groups()).body).toEqual({
      status: 200,
      payload: { groups: expect.arrayContaining(['feeds']), sub_key: SUB },
      service: 'channel-registry',
      error: false,
    });

    expect((await add('feeds', ['weather', 'sports'])).body).toEqual(WRITTEN);
    expect((await list('feeds')).body.payload.channels).toEqual(['news', 'sports', 'weather']);
    expect((await remove('feeds', ['news', 'nowhere'])).body).toEqual(WRITTEN);
    expect((await list('feeds')).body.payload.channels).toEqual(['sports', 'weather']);

    expect((await deleteGroup('feeds')).body).toEqual(WRITTEN);
    expect((await list('feeds')).body.payload).toEqual({ channels: [], group: 'feeds' });
    expect((await groups()).body.payload.groups).not.toContain('feeds');
    // Deleting it again, or a group never made, is no error.
    expect((await deleteGroup('feeds')).body).toEqual(WRITTEN);
  });

  it('a group whose last channel is removed is gone; names may hold any character but a comma', async () => {
    const name = 'tèam/ünö #1';
    await add(name, ['a b', 'c/d']);
    expect((await list(name)).body.payload).toEqual({ channels: ['a b', 'c/d'], group: name });
    expect((await groups()).body.payload.groups).toContain(name);
    await remove(name, ['a b', 'c/d']);
    expect((await groups()).body.payload.groups).not.toContain(name);
  });

  const refusals: [string, () => ReturnType<typeof get>, string][] = [
    ['a comma in the group name', () => add('a,b', ['x']), 'group'],
    ['a group named like a presence group', () => add('team-pnpres', ['x']), 'group'],
    ['a group name over 92 characters', () => add('g'.repeat(93), ['x']), 'group'],
    ['a control character in the group name', () => list('a\u0007'), 'group'],
    ['add with no channel', () => add('g', []), 'add'],
    ['an empty channel name in add', () => add('g', ['a', '']), 'add'],
    [
      'more than 200 channels in one add',
      () =>
        add(
          'g',
          Array.from({ length: 201 }, (_, i) => `c${i}`),
        ),
      'add',
    ],
    ['a wildcard channel', () => add('g', ['news.*']), 'add'],
    ['add and remove at once', () => add('g', ['a'], SUB, { remove: 'b' }), 'remove'],
  ];

  it.each(refusals)('refuses %s in the registry’s envelope, naming the field', async (_name, call, field) => {
    const reply = await call();
    expect(reply.status).toBe(400);
    expect(reply.type).toMatch(/^application\/json/);
    expect(reply.body).toMatchObject({ error: true, service: 'channel-registry', status: 400, message: expect.any(String) });
    expect(reply.body.details).toEqual([expect.objectContaining({ location: field })]);
  });

  it('refuses an unknown subscribe key', async () => {
    expect((await groups('nobody')).body).toMatchObject({ error: true, service: 'channel-registry', status: 400 });
  });

  it('holds the keyset’s limits on channels per group and groups per keyset, writing nothing past them', async () => {
    expect((await add('g1', ['a', 'b', 'c'], SMALL)).body).toEqual(WRITTEN);
    const tooMany = await add('g1', ['c', 'd'], SMALL);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain('limits.maxChannelsPerGroup');
    expect(tooMany.body.details).toEqual([expect.objectContaining({ location: 'add' })]);
    expect((await list('g1', SMALL)).body.payload.channels).toEqual(['a', 'b', 'c']);

    expect((await add('g2', ['x'], SMALL)).status).toBe(200);
    const third = await add('g3', ['y'], SMALL);
    expect(third.status).toBe(400);
    expect(third.body.message).toContain('limits.maxGroupsPerKeyset');
    expect(third.body.details).toEqual([expect.objectContaining({ location: 'group' })]);
    expect((await groups(SMALL)).body.payload.groups).toEqual(['g1', 'g2']);
    // Within the limits a group can still grow once another shrinks.
    await remove('g1', ['a'], SMALL);
    expect((await add('g1', ['d'], SMALL)).status).toBe(200);
  });
});

describe('subscribing with channel-group', () => {
  it('delivers the messages of the group’s channels, b naming the group', async () => {
    await add('mix', ['mix-a', 'mix-b']);
    const watcher = await watch(server, { subKey: SUB, groups: ['mix'], uuid: 'reader' }, watchers);
    await publish('mix-other', 'not in the group');
    await publish('mix-a', 'to a');
    await publish('mix-b', 'to b');
    const [a, b] = [await watcher.find((e) => e.c === 'mix-a'), await watcher.find((e) => e.c === 'mix-b')];
    expect([a.b, a.d, b.b, b.d]).toEqual(['mix', 'to a', 'mix', 'to b']);
    expect(watcher.envelopes.filter((e) => e.c === 'mix-other')).toEqual([]);
    // The subscriber is present on the group's channels.
    expect((await presence('/uuid/reader')).body.payload.channels).toEqual(['mix-a', 'mix-b']);
  });

  it('a channel subscribed to by name as well keeps its own name in b', async () => {
    await add('both', ['both-a', 'both-b']);
    const watcher = await watch(server, { subKey: SUB, channels: ['both-a'], groups: ['both'] }, watchers);
    await publish('both-a', 1);
    await publish('both-b', 2);
    expect((await watcher.find((e) => e.c === 'both-a')).b).toBe('both-a');
    expect((await watcher.find((e) => e.c === 'both-b')).b).toBe('both');
  });

  it('a channel added to a group reaches its subscribers from their next poll', async () => {
    await add('grow', ['grow-1']);
    const watcher = await watch(server, { subKey: SUB, groups: ['grow'] }, watchers);
    await add('grow', ['grow-2']);
    // The poll held now waits on grow-1 only; the next one, sent after it answers, on both.
    const polls = watcher.polls;
    await until(
      async () => watcher.polls,
      (count) => count > polls,
    );
    await publish('grow-2', 'new');
    expect((await watcher.find((e) => e.c === 'grow-2', 15_000)).b).toBe('grow');
  });

  it('loses nothing published on a channel added while a poll is held: its answer sends the client back to its timetoken', async () => {
    await add('late', ['late-1']);
    const watcher = await watch(server, { subKey: SUB, groups: ['late'] }, watchers);
    await add('late', ['late-2']);
    // The held poll waits on late-1 only; the first message wakes it with a cursor past the second.
    await publish('late-2', 'on the channel added');
    await publish('late-1', 'on the old channel');
    const added = await watcher.find((e) => e.c === 'late-2', 15_000);
    await watcher.find((e) => e.c === 'late-1', 15_000);
    expect([added.b, added.d]).toEqual(['late', 'on the channel added']);
    expect(watcher.envelopes.filter((e) => e.c.startsWith('late-')).map((e) => e.d)).toEqual(['on the channel added', 'on the old channel']);
  });

  it('answers PubNub’s 400 when the groups hold no channel, and refuses more than 10 groups', async () => {
    const empty = await get(server, `/v2/subscribe/${SUB}/,/0`, { 'channel-group': 'never-made' });
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ message: 'Channel group or groups result in empty subscription set', error: true, service: 'Subscribe', status: 400 });
    // A channel named beside the empty group is a subscription.
    expect((await get(server, `/v2/subscribe/${SUB}/solo/0`, { 'channel-group': 'never-made' })).status).toBe(200);
    const eleven = await get(server, `/v2/subscribe/${SUB}/,/0`, { 'channel-group': Array.from({ length: 11 }, (_, i) => `g${i}`).join(',') });
    expect(eleven.status).toBe(400);
    expect(eleven.body.message).toContain('channel-group');
  });

  it('{group}-pnpres delivers the presence events of the group’s channels', async () => {
    await add('watched', ['w-1', 'w-2']);
    const watcher = await watch(server, { subKey: SUB, groups: ['watched-pnpres'] }, watchers);
    await presence('/channel/w-2/heartbeat', { uuid: 'alice', heartbeat: 30 });
    const join = await watcher.presence('w-2', 'join', 'alice');
    expect([join.c, join.b]).toEqual(['w-2-pnpres', 'watched-pnpres']);
    expect(join.d).toMatchObject({ action: 'join', uuid: 'alice', occupancy: 1 });
  });
});

describe('presence over a group’s channels', () => {
  it('heartbeat, here-now and leave take the group’s channels', async () => {
    await add('team', ['t-1', 't-2']);
    expect((await presence('/channel/,/heartbeat', { uuid: 'bob', heartbeat: 30, 'channel-group': 'team' })).status).toBe(200);
    expect((await presence('/uuid/bob')).body.payload.channels).toEqual(['t-1', 't-2']);

    const here = await presence('/channel/t-3', { 'channel-group': 'team' });
    expect(here.body).toEqual({
      status: 200,
      message: 'OK',
      service: 'Presence',
      payload: {
        channels: { 't-3': { uuids: [], occupancy: 0 }, 't-1': { uuids: ['bob'], occupancy: 1 }, 't-2': { uuids: ['bob'], occupancy: 1 } },
        total_channels: 3,
        total_occupancy: 2,
      },
    });
    // A group alone answers in the several-channel shape too.
    expect((await presence('/channel/,', { 'channel-group': 'team', disable_uuids: 1 })).body.payload.total_occupancy).toBe(2);

    expect((await presence('/channel/,/leave', { uuid: 'bob', 'channel-group': 'team' })).body).toMatchObject({ action: 'leave' });
    expect((await presence('/uuid/bob')).body.payload.channels).toEqual([]);
  });

  it('state is set and read over a group’s channels, within a bound on what one request stores', async () => {
    const many = Array.from({ length: 200 }, (_, i) => `big-${String(i).padStart(3, '0')}`);
    expect((await add('big', many)).status).toBe(200);
    const set = await presence('/channel/,/uuid/cara/data', { 'channel-group': 'big', state: JSON.stringify({ seat: 7 }) });
    expect(set.body).toMatchObject({ status: 200, payload: { seat: 7 } });
    const read = await presence('/channel/,/uuid/cara', { 'channel-group': 'big' });
    expect(Object.keys(read.body.payload.channels)).toHaveLength(200);
    expect(read.body.payload.channels['big-199']).toEqual({ seat: 7 });

    // 25 KB on 200 channels is 5 MB in one request: refused, nothing stored.
    const large = await presence('/channel/,/uuid/cara/data', { 'channel-group': 'big', state: JSON.stringify({ note: 'x'.repeat(25_000) }) });
    expect(large.status).toBe(400);
    expect(large.body.message).toContain('state');
    expect((await presence('/channel/big-000/uuid/cara')).body.payload).toEqual({ seat: 7 });
  });
});

describe('Access Manager', () => {
  let admin: PubNub;
  let ttl = 5;
  beforeAll(() => {
    admin = new PubNub({ ...LOCKED, userId: 'admin', origin: server.origin, ssl: false, logVerbosity: false });
  });
  afterAll(() => admin?.destroy());

  /** A token for `uuid`; tokens of one grant in one second are equal, so each gets its own ttl. */
  const token = (uuid: string, grant: { resources?: object; patterns?: object }) => admin.grantToken({ ttl: ttl++, authorized_uuid: uuid, ...grant });
  const as = (uuid: string, auth: string | undefined) => ({ uuid, ...(auth === undefined ? {} : { auth }) });
  const sub = LOCKED.subscribeKey;
  const FORBIDDEN = (group: string) => ({ message: 'Forbidden', payload: { 'channel-groups': [group] }, error: true, service: 'Access Manager', status: 403 });

  it('the registry needs manage on the group; a refusal names the group', async () => {
    const anonymous = await add('vault', ['v-1'], sub, as('eve', undefined));
    expect(anonymous.status).toBe(403);
    expect(anonymous.body).toEqual(FORBIDDEN('vault'));

    const reader = await token('rita', { resources: { groups: { vault: { read: true } } } });
    for (const call of [() => add('vault', ['v-1'], sub, as('rita', reader)), () => list('vault', sub, as('rita', reader))]) {
      const reply = await call();
      expect(reply.status).toBe(403);
      expect(reply.body).toEqual(FORBIDDEN('vault'));
    }
    const refusedDelete = await get(server, `${groupPath('vault', sub)}/remove`, as('rita', reader));
    expect(refusedDelete.body).toEqual(FORBIDDEN('vault'));

    const manager = await token('mona', { resources: { groups: { vault: { manage: true } } } });
    expect((await add('vault', ['v-1', 'v-2'], sub, as('mona', manager))).body).toEqual(WRITTEN);
    expect((await list('vault', sub, as('mona', manager))).body.payload.channels).toEqual(['v-1', 'v-2']);
    expect((await get(server, groupPath('vault', sub), { remove: 'v-2', ...as('mona', manager) })).body).toEqual(WRITTEN);
  });

  it('subscribing, heartbeats and here-now with a group need read on it; leave needs nothing', async () => {
    await admin.channelGroups.addChannels({ channelGroup: 'lounge', channels: ['l-1'] });
    const manager = await token('mona', { resources: { groups: { lounge: { manage: true } } } });
    const refused = await get(server, `/v2/subscribe/${sub}/,/0`, { 'channel-group': 'lounge', ...as('mona', manager) });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(FORBIDDEN('lounge'));
    const refusedBeat = await presence('/channel/,/heartbeat', { 'channel-group': 'lounge', ...as('mona', manager) }, sub);
    expect(refusedBeat.body).toEqual(FORBIDDEN('lounge'));

    const reader = await token('rita', { resources: { groups: { lounge: { read: true } } } });
    expect((await get(server, `/v2/subscribe/${sub}/,/0`, { 'channel-group': 'lounge', ...as('rita', reader) })).status).toBe(200);
    expect((await presence('/channel/,/heartbeat', { 'channel-group': 'lounge', ...as('rita', reader) }, sub)).status).toBe(200);
    expect((await presence('/channel/,', { 'channel-group': 'lounge', ...as('rita', reader) }, sub)).body.payload.channels['l-1'].uuids).toEqual(['rita']);
    // The group's channels are not granted by name: here-now of l-1 itself is refused.
    expect((await presence('/channel/l-1', as('rita', reader), sub)).status).toBe(403);
    // {group}-pnpres is a group of its own.
    const presenceRefused = await get(server, `/v2/subscribe/${sub}/,/0`, { 'channel-group': 'lounge-pnpres', ...as('rita', reader) });
    expect(presenceRefused.body).toEqual(FORBIDDEN('lounge-pnpres'));

    expect((await presence('/channel/,/leave', { 'channel-group': 'lounge', ...as('eve', undefined) }, sub)).status).toBe(200);
  });

  it('tokens with group patterns grant as exact grants do', async () => {
    const teams = await token('tess', { patterns: { groups: { 'team-.*': { read: true, manage: true } } } });
    expect((await add('team-red', ['r-1'], sub, as('tess', teams))).body).toEqual(WRITTEN);
    expect((await get(server, `/v2/subscribe/${sub}/,/0`, { 'channel-group': 'team-red', ...as('tess', teams) })).status).toBe(200);
    const other = await add('crew', ['c-1'], sub, as('tess', teams));
    expect(other.body).toEqual(FORBIDDEN('crew'));
  });

  it('listing every group needs the secret key', async () => {
    await admin.channelGroups.addChannels({ channelGroup: 'listed', channels: ['x'] });
    const manager = await token('mona', { resources: { groups: { listed: { manage: true, read: true } } } });
    const refused = await groups(sub, as('mona', manager));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: true, service: 'Access Manager', status: 403 });
    expect((await admin.channelGroups.listGroups()).groups).toContain('listed');
    expect((await admin.channelGroups.listChannels({ channelGroup: 'listed' })).channels).toEqual(['x']);
  });
});
