/**
 * For each call, the official `pubnub` SDK (v11, the reference client) and ours are given the
 * same inputs and send to a local recording server; method, path, decoded query and body
 * must match. `requestid` (random) and `pnsdk` (the SDK's name) are ignored. `include` is
 * compared after dropping repeated tokens: the official SDK repeats `status` on
 * setMemberships when asked for it (and `type` on setChannelMembers); we send each token once,
 * which the server treats the same (wire-protocol §3.1).
 *
 * Where the official JS and Python SDKs differ, we send what PubNub's Python SDK sends, as
 * its recorded requests show (docs/decisions.md, "SDK request defaults"). Each such
 * difference from the JS SDK is pinned by a test in "defaults that deliberately differ" below:
 * - getUUIDMetadata/getChannelMetadata: custom is not included unless asked (Python sends
 *   `include=status,type`; the official JS SDK adds custom).
 * - setUUIDMetadata/setChannelMetadata: `status,type` always, as both SDKs send; custom when
 *   asked or when the call sets custom (Python's `.custom()` asks for it); the JS SDK always
 *   adds custom.
 * - getAllChannelMetadata: `count` is sent only when includeTotalCount is given, as for
 *   getAllUUIDMetadata and as Python does (the JS SDK sends `count=false` for channels only).
 * - manageMemberships/manageChannelMembers have no official JS counterpart; their body
 *   carries both `set` and `delete`, as Python's manage calls send.
 * Membership and member calls send the JS SDK's defaults (count, limit and, on writes,
 * `channel.status,channel.type,status` / `uuid.status,uuid.type,type`): Python sends none, so
 * there is nothing of Python's to prefer, and they return the status and type a write sets.
 */
import { signatureV2, sortedQuery, stringToSignV2 } from '@roster/protocol';
import PubNub from 'pubnub';
import { describe, expect, it } from 'vitest';
import {
  ChannelIncludeEndpoint,
  MemberIncludes,
  MembershipIncludes,
  PNChannelMembership,
  PNPage,
  PNSortKey,
  PNSortKeyValue,
  PNUUID,
  Roster,
  UUIDIncludeEndpoint,
} from '../src/index.ts';
import { useOfficialComparison, type Comparable } from './helpers/official-sdk.ts';
import { rawQueryValues } from './helpers/recording-server.ts';

/** Repeated `include` tokens are dropped before comparing (see above). */
function distinctIncludeTokens(query: Record<string, string[]>): void {
  if (query['include']) query['include'] = query['include'].map((value) => [...new Set(value.split(','))].join(','));
}

const sdks = useOfficialComparison({ ignoreOutcome: true, normalizeQuery: distinctIncludeTokens });
const { capture, comparable, expectSameRequest, subscribeRequests } = sdks;

const special = 'user/with space+ü&x';
const sorted = { id: 'asc', updated: 'desc' } as const;

describe('users: the same request as the official SDK', () => {
  it('getAllUUIDMetadata (fluent, every parameter)', async () => {
    const sent = await expectSameRequest(
      () =>
        sdks.official.objects.getAllUUIDMetadata({
          include: { customFields: true, totalCount: true },
          filter: "name like 'x*'",
          limit: 5,
          sort: sorted,
          page: { next: 'MTA' },
        }),
      () =>
        sdks.ours
          .getAllUUIDMetadata()
          .includeCustom(true)
          .includeTotalCount(true)
          .filter("name like 'x*'")
          .limit(5)
          .sort(PNSortKey.asc(PNSortKeyValue.ID), PNSortKey.desc(PNSortKeyValue.UPDATED))
          .page(new PNPage.Next('MTA')),
    );
    expect(sent.query['sort']).toEqual(['id:asc', 'updated:desc']);
  });

  it('getAllUUIDMetadata (named, defaults, prev page)', async () => {
    await expectSameRequest(
      () => sdks.official.objects.getAllUUIDMetadata({ page: { prev: 'MTA' } }),
      () => sdks.ours.getAllUUIDMetadata({ page: new PNPage.Previous('MTA') }),
    );
    await expectSameRequest(
      () => sdks.official.objects.getAllUUIDMetadata({ include: { totalCount: false }, limit: 10, sort: { name: 'asc' } }),
      () => sdks.ours.getAllUUIDMetadata({ includeTotalCount: false, limit: 10, sort: [PNSortKey.asc(PNSortKeyValue.NAME)] }),
    );
  });

  it('getUUIDMetadata, also of the configured user and of an id needing encoding', async () => {
    await expectSameRequest(
      () => sdks.official.objects.getUUIDMetadata({ include: { customFields: true } }),
      () => sdks.ours.getUUIDMetadata().includeCustom(true),
    );
    const sent = await expectSameRequest(
      () => sdks.official.objects.getUUIDMetadata({ uuid: special, include: { customFields: false } }),
      () => sdks.ours.getUUIDMetadata({ uuid: special }),
    );
    expect(sent.path).toBe('/v2/objects/demo/uuids/user%2Fwith%20space%2B%C3%BC%26x');
  });

  it('setUUIDMetadata with every field and ifMatchesEtag', async () => {
    const data = { name: 'x', email: 'a@b.c', externalId: 'ext', profileUrl: 'http://p', custom: { a: 1, b: 'two', c: true }, status: 'active', type: 'admin' };
    const sent = await expectSameRequest(
      () => sdks.official.objects.setUUIDMetadata({ uuid: 'u2', data, include: { customFields: true }, ifMatchesEtag: 'AbC123' }),
      () =>
        sdks.ours
          .setUUIDMetadata()
          .uuid('u2')
          .setName('x')
          .email('a@b.c')
          .externalId('ext')
          .profileUrl('http://p')
          .custom({ a: 1, b: 'two', c: true })
          .setStatus('active')
          .setType('admin')
          .includeCustom(true)
          .includeStatus(true)
          .includeType(true)
          .ifMatchesEtag('AbC123'),
    );
    expect(sent.ifMatch).toBe('AbC123');
    const defaults = await expectSameRequest(
      () => sdks.official.objects.setUUIDMetadata({ data: { name: 'only name' }, include: { customFields: false } }),
      () => sdks.ours.setUUIDMetadata({ name: 'only name' }),
    );
    expect(defaults.query['include']).toEqual(['status,type']);
  });

  it('removeUUIDMetadata', async () => {
    await expectSameRequest(
      () => sdks.official.objects.removeUUIDMetadata({ uuid: 'u2' }),
      () => sdks.ours.removeUUIDMetadata().uuid('u2'),
    );
    await expectSameRequest(
      () => sdks.official.objects.removeUUIDMetadata(),
      () => sdks.ours.removeUUIDMetadata(),
    );
  });
});

describe('channels: the same request as the official SDK', () => {
  it('getAllChannelMetadata', async () => {
    await expectSameRequest(
      () =>
        sdks.official.objects.getAllChannelMetadata({ include: { customFields: true, totalCount: true }, filter: 'custom.x == 1', limit: 10, sort: sorted }),
      () =>
        sdks.ours.getAllChannelMetadata({
          includeCustom: true,
          includeTotalCount: true,
          filter: 'custom.x == 1',
          limit: 10,
          sort: [PNSortKey.asc(PNSortKeyValue.ID), PNSortKey.desc(PNSortKeyValue.UPDATED)],
        }),
    );
  });

  it('getChannelMetadata', async () => {
    await expectSameRequest(
      () => sdks.official.objects.getChannelMetadata({ channel: 'ch.with:colon', include: { customFields: true } }),
      () => sdks.ours.getChannelMetadata().channel('ch.with:colon').includeCustom(true),
    );
  });

  it('setChannelMetadata', async () => {
    const data = { name: 'Lobby', description: 'Say hi', status: 'open', type: 'public', custom: { k: 'v' } };
    await expectSameRequest(
      () => sdks.official.objects.setChannelMetadata({ channel: 'c1', data, include: { customFields: true }, ifMatchesEtag: 'e1' }),
      () => sdks.ours.setChannelMetadata({ channel: 'c1', ...data, ifMatchesEtag: 'e1' }),
    );
    // Setting custom asks for it back, as the JS SDK (always) and Python's `.custom()` do.
    const sent = await expectSameRequest(
      () => sdks.official.objects.setChannelMetadata({ channel: 'c1', data: { custom: { k: 'v' } } }),
      () => sdks.ours.setChannelMetadata().channel('c1').custom({ k: 'v' }),
    );
    expect(sent.query['include']).toEqual(['status,type,custom']);
    await expectSameRequest(
      () => sdks.official.objects.setChannelMetadata({ channel: 'c1', data: { status: 'closed' }, include: { customFields: false } }),
      () => sdks.ours.setChannelMetadata({ channel: 'c1', status: 'closed' }),
    );
  });

  it('removeChannelMetadata', async () => {
    await expectSameRequest(
      () => sdks.official.objects.removeChannelMetadata({ channel: 'c1' }),
      () => sdks.ours.removeChannelMetadata({ channel: 'c1' }),
    );
  });
});

describe('memberships: the same request as the official SDK', () => {
  it('getMemberships with includes, filter, sort and limit', async () => {
    await expectSameRequest(
      () =>
        sdks.official.objects.getMemberships({
          uuid: 'u1',
          include: { customFields: true, channelFields: true, customChannelFields: true, totalCount: true },
          filter: "channel.name like 'C*'",
          limit: 50,
          sort: { 'channel.name': 'asc', updated: 'desc' },
        }),
      () =>
        sdks.ours
          .getMemberships()
          .uuid('u1')
          .include(new MembershipIncludes({ custom: true, channel: true, channelCustom: true, totalCount: true }))
          .filter("channel.name like 'C*'")
          .limit(50)
          .sort(PNSortKey.asc(PNSortKeyValue.CHANNEL_NAME), PNSortKey.desc(PNSortKeyValue.UPDATED)),
    );
  });

  it('getMemberships with every include flag, and of the configured user', async () => {
    await expectSameRequest(
      () =>
        sdks.official.objects.getMemberships({
          include: {
            statusField: true,
            typeField: true,
            customFields: true,
            channelFields: true,
            channelStatusField: true,
            channelTypeField: true,
            customChannelFields: true,
          },
        }),
      () =>
        sdks.ours.getMemberships({
          include: new MembershipIncludes({
            status: true,
            type: true,
            custom: true,
            channel: true,
            channelStatus: true,
            channelType: true,
            channelCustom: true,
          }),
        }),
    );
    await expectSameRequest(
      () => sdks.official.objects.getMemberships(),
      () => sdks.ours.getMemberships(),
    );
  });

  it('getMemberships with the flat flags of remove_memberships', async () => {
    await expectSameRequest(
      () => sdks.official.objects.getMemberships({ include: { customFields: true, channelFields: true, customChannelFields: true, totalCount: true } }),
      () => sdks.ours.getMemberships().includeCustom(true).includeChannel(ChannelIncludeEndpoint.CHANNEL_WITH_CUSTOM).includeTotalCount(true),
    );
  });

  it('setMemberships', async () => {
    const sent = await expectSameRequest(
      () => sdks.official.objects.setMemberships({ uuid: 'u1', channels: ['c1', { id: 'c2', custom: { a: 1 } }] }),
      () =>
        sdks.ours.setMemberships({
          uuid: 'u1',
          channelMemberships: [PNChannelMembership.channel('c1'), PNChannelMembership.channelWithCustom('c2', { a: 1 })],
        }),
    );
    expect(sent.body).toEqual({ set: [{ channel: { id: 'c1' } }, { channel: { id: 'c2' }, custom: { a: 1 } }] });
    await expectSameRequest(
      () =>
        sdks.official.objects.setMemberships({
          channels: [{ id: 'c3', status: 'active', type: 'm', custom: { a: 1 } }],
          include: { totalCount: true, statusField: true, customFields: true, channelFields: true, customChannelFields: true },
        }),
      () =>
        sdks.ours
          .setMemberships()
          .channelMemberships([PNChannelMembership.channelWithCustom('c3', { a: 1 }, { status: 'active', type: 'm' })])
          .include(new MembershipIncludes({ totalCount: true, status: true, custom: true, channel: true, channelCustom: true })),
    );
  });

  it('removeMemberships', async () => {
    const sent = await expectSameRequest(
      () => sdks.official.objects.removeMemberships({ uuid: 'u1', channels: ['c1', 'c2'], include: { customFields: true, channelFields: true } }),
      () =>
        sdks.ours
          .removeMemberships()
          .uuid('u1')
          .channelMemberships([PNChannelMembership.channel('c1'), 'c2'])
          .includeCustom(true)
          .includeChannel(ChannelIncludeEndpoint.CHANNEL),
    );
    expect(sent.body).toEqual({ delete: [{ channel: { id: 'c1' } }, { channel: { id: 'c2' } }] });
  });
});

describe('members: the same request as the official SDK', () => {
  it('getChannelMembers', async () => {
    await expectSameRequest(
      () =>
        sdks.official.objects.getChannelMembers({
          channel: 'c1',
          include: { customFields: true, UUIDFields: true, customUUIDFields: true, totalCount: true },
          limit: 20,
        }),
      () =>
        sdks.ours
          .getChannelMembers()
          .channel('c1')
          .include(new MemberIncludes({ custom: true, user: true, userCustom: true, totalCount: true }))
          .limit(20),
    );
    await expectSameRequest(
      () =>
        sdks.official.objects.getChannelMembers({
          channel: 'c1',
          include: { statusField: true, typeField: true, UUIDFields: true, UUIDStatusField: true, UUIDTypeField: true },
          sort: { 'uuid.name': 'desc' },
        }),
      () =>
        sdks.ours.getChannelMembers({
          channel: 'c1',
          include: new MemberIncludes({ status: true, type: true, user: true, userStatus: true, userType: true }),
          sort: PNSortKey.desc(PNSortKeyValue.UUID_NAME),
        }),
    );
  });

  it('setChannelMembers', async () => {
    const sent = await expectSameRequest(
      () => sdks.official.objects.setChannelMembers({ channel: 'c1', uuids: ['u1', { id: 'u2', status: 'active', type: 'x', custom: { role: 'admin' } }] }),
      () =>
        sdks.ours
          .setChannelMembers()
          .channel('c1')
          .uuids([PNUUID.uuid('u1'), PNUUID.uuidWithCustom('u2', { role: 'admin' }, { status: 'active', type: 'x' })]),
    );
    expect(sent.query['include']).toEqual(['uuid.status,uuid.type,type']);
  });

  it('removeChannelMembers', async () => {
    await expectSameRequest(
      () =>
        sdks.official.objects.removeChannelMembers({ channel: 'c1', uuids: ['u2'], include: { customFields: true, UUIDFields: true, customUUIDFields: true } }),
      () =>
        sdks.ours.removeChannelMembers({ channel: 'c1', uuids: [PNUUID.uuid('u2')], includeCustom: true, includeUUID: UUIDIncludeEndpoint.UUID_WITH_CUSTOM }),
    );
  });
});

describe('defaults of every membership and member call: the same request as the official SDK', () => {
  it('writes ask for the related status and type and their own status (memberships) or type (members), count=false, limit=100', async () => {
    const writes = [
      [() => sdks.official.objects.setMemberships({ channels: ['c1'] }), () => sdks.ours.setMemberships({ channelMemberships: ['c1'] })],
      [() => sdks.official.objects.removeMemberships({ channels: ['c1'] }), () => sdks.ours.removeMemberships({ channelMemberships: ['c1'] })],
    ] as const;
    for (const [theirCall, ourCall] of writes) {
      const sent = await expectSameRequest(theirCall, ourCall);
      expect(sent.query).toMatchObject({ count: ['false'], include: ['channel.status,channel.type,status'], limit: ['100'] });
    }
    for (const [theirCall, ourCall] of [
      [() => sdks.official.objects.setChannelMembers({ channel: 'c1', uuids: ['u1'] }), () => sdks.ours.setChannelMembers({ channel: 'c1', uuids: ['u1'] })],
      [
        () => sdks.official.objects.removeChannelMembers({ channel: 'c1', uuids: ['u1'] }),
        () => sdks.ours.removeChannelMembers({ channel: 'c1', uuids: ['u1'] }),
      ],
    ] as const) {
      const sent = await expectSameRequest(theirCall, ourCall);
      expect(sent.query).toMatchObject({ count: ['false'], include: ['uuid.status,uuid.type,type'], limit: ['100'] });
    }
  });

  it('reads ask for no include, count=false, limit=100', async () => {
    for (const [theirCall, ourCall] of [
      [() => sdks.official.objects.getMemberships({ uuid: 'u2' }), () => sdks.ours.getMemberships({ uuid: 'u2' })],
      [() => sdks.official.objects.getChannelMembers({ channel: 'c1' }), () => sdks.ours.getChannelMembers({ channel: 'c1' })],
    ] as const) {
      const sent = await expectSameRequest(theirCall, ourCall);
      expect(sent.query['include']).toBeUndefined();
      expect(sent.query).toMatchObject({ count: ['false'], limit: ['100'] });
    }
  });

  it('getAllUUIDMetadata asks for status and type, limit=100', async () => {
    const sent = await expectSameRequest(
      () => sdks.official.objects.getAllUUIDMetadata(),
      () => sdks.ours.getAllUUIDMetadata(),
    );
    expect(sent.query).toMatchObject({ include: ['status,type'], limit: ['100'] });
    expect(sent.query['count']).toBeUndefined();
  });
});

describe('publish and time: the same request as the official SDK', () => {
  it('publish', async () => {
    await expectSameRequest(
      () => sdks.official.publish({ channel: 'c1', message: { hi: 1 } }),
      () => sdks.ours.publish().channel('c1').message({ hi: 1 }),
    );
    await expectSameRequest(
      () => sdks.official.publish({ channel: 'c 1', message: 'text ü', meta: { m: true }, storeInHistory: false, ttl: 2 }),
      () => sdks.ours.publish({ channel: 'c 1', message: 'text ü', meta: { m: true }, shouldStore: false, ttl: 2 }),
    );
  });

  it('time', async () => {
    const sent = await expectSameRequest(
      () => sdks.official.time(),
      () => sdks.ours.time(),
    );
    expect(sent.path).toBe('/time/0');
  });
});

describe('access: the same request as the official SDK', () => {
  /** Signed requests: `timestamp` and `signature` (over the random requestid) differ by nature. */
  const unsigned = (sent: Comparable): Comparable => {
    const { timestamp: _timestamp, signature, ...query } = sent.query;
    expect(signature?.[0]).toMatch(/^v2\./);
    return { ...sent, query };
  };

  it('grantToken with resources, patterns, meta and an authorized uuid', async () => {
    const theirClient = new PubNub({ publishKey: 'pub', subscribeKey: 'demo', secretKey: 'sec-key', userId: 'admin', origin: sdks.server.origin, ssl: false });
    const ourClient = new Roster({ publishKey: 'pub', subscribeKey: 'demo', secretKey: 'sec-key', userId: 'admin', origin: sdks.server.url, retry: false });
    try {
      const theirs = unsigned(
        comparable(
          await capture(() =>
            theirClient.grantToken({
              ttl: 60,
              authorized_uuid: 'alice',
              resources: { channels: { lobby: { read: true, write: true } }, uuids: { alice: { get: true, update: true } } },
              patterns: { channels: { 'team-.*': { read: true } } },
              meta: { by: 'test' },
            }),
          ),
        ),
      );
      const mine = unsigned(
        comparable(
          await capture(() =>
            ourClient
              .grantToken()
              .ttl(60)
              .authorizedUuid('alice')
              .resources({ channels: { lobby: { read: true, write: true } }, uuids: { alice: { get: true, update: true } } })
              .patterns({ channels: { 'team-.*': { read: true } } })
              .meta({ by: 'test' })
              .sync(),
          ),
        ),
      );
      // Deliberate: the legacy `users`/`spaces` sections, which the JS SDK sends empty (and Python
      // as copies of uuids/channels), are left out; Roster reads them as aliases when sent.
      const body = theirs.body as { permissions: Record<'resources' | 'patterns', Record<string, unknown>> };
      for (const section of [body.permissions.resources, body.permissions.patterns]) {
        expect(section).toMatchObject({ users: {}, spaces: {} });
        delete section['users'];
        delete section['spaces'];
      }
      expect(mine).toEqual(theirs);
      expect(mine).toMatchObject({ method: 'POST', path: '/v3/pam/demo/grant', body: { ttl: 60, permissions: { uuid: 'alice', meta: { by: 'test' } } } });
    } finally {
      theirClient.destroy(true);
    }
  });
});

describe('subscribe: the same requests as the official SDK', () => {
  it('handshake without tt, then a long-poll with tt and tr, channels sorted and comma-joined', async () => {
    const subscriber = new PubNub({ subscribeKey: 'demo', userId: 'u1', origin: sdks.server.origin, ssl: false });
    const theirs = await subscribeRequests(
      () => subscriber.subscribe({ channels: ['room b', 'a'] }),
      () => subscriber.unsubscribeAll(),
    );
    subscriber.destroy(true);
    const mine = await subscribeRequests(
      () => sdks.ours.subscribe().channels(['room b', 'a']).execute(),
      () => sdks.ours.unsubscribeAll(),
    );
    expect(theirs.polls).toHaveLength(2);
    expect(mine.polls).toEqual(theirs.polls);
    expect(mine.polls[0]?.path).toBe('/v2/subscribe/demo/a,room%20b/0');
    expect(mine.polls[1]?.query).toMatchObject({ ee: [''], tt: ['17000000000000001'], tr: ['1'] });
    expect(mine.leaves).toEqual(theirs.leaves);
    expect(mine.leaves.map((leave) => leave.path)).toEqual(['/v2/presence/sub-key/demo/channel/a,room%20b/leave']);
  });
});

describe('encoding, auth and signing match the official SDK byte for byte', () => {
  it('percent-encodes query values identically', async () => {
    const filter = `name like "a b*" && custom.x != '(!~*)' || id == "ü+&="`;
    const theirs = await capture(() => sdks.official.objects.getAllUUIDMetadata({ filter }));
    const mine = await capture(() => sdks.ours.getAllUUIDMetadata({ filter }).sync());
    expect(rawQueryValues(mine.rawQuery)['filter']).toEqual(rawQueryValues(theirs.rawQuery)['filter']);
    expect(rawQueryValues(mine.rawQuery)['filter']?.[0]).not.toContain('+');
  });

  it('sends the token from setToken as auth, ahead of an authKey', async () => {
    const officialAuth = new PubNub({ subscribeKey: 'demo', userId: 'u1', origin: sdks.server.origin, ssl: false, authKey: 'legacy' });
    const oursAuth = new Roster({ subscribeKey: 'demo', userId: 'u1', origin: sdks.server.origin, ssl: false, authKey: 'legacy' });
    try {
      await expectSameRequest(
        () => officialAuth.objects.getUUIDMetadata({ include: { customFields: false } }),
        () => oursAuth.getUUIDMetadata(),
      );
      officialAuth.setToken('p0F2AkF0Gmc');
      oursAuth.setToken('p0F2AkF0Gmc');
      const sent = await expectSameRequest(
        () => officialAuth.objects.getUUIDMetadata({ include: { customFields: false } }),
        () => oursAuth.getUUIDMetadata(),
      );
      expect(sent.query['auth']).toEqual(['p0F2AkF0Gmc']);
    } finally {
      officialAuth.destroy(true);
    }
  });

  it('computes the same v2 signature as the official SDK', async () => {
    const signing = new PubNub({ publishKey: 'pub', subscribeKey: 'demo', secretKey: 'sec-key', userId: 'u1', origin: sdks.server.origin, ssl: false });
    try {
      for (const call of [
        () => signing.objects.setUUIDMetadata({ uuid: special, data: { name: 'x y' } }),
        () => signing.objects.getAllUUIDMetadata({ filter: "name like 'x*'", sort: sorted }),
        () => signing.objects.removeChannelMetadata({ channel: 'c1' }),
        () => signing.publish({ channel: 'c1', message: { hi: 1 } }),
        () => signing.publish({ channel: 'c1', message: { hi: 2 }, sendByPost: true }),
      ]) {
        const request = await capture(call);
        const pairs = request.rawQuery.split('&').map((pair) => {
          const at = pair.indexOf('=');
          return [pair.slice(0, at), decodeURIComponent(pair.slice(at + 1))] as const;
        });
        const signature = pairs.find(([key]) => key === 'signature')?.[1];
        const query = pairs.filter(([key]) => key !== 'signature');
        const input = { method: request.method, publishKey: 'pub', path: request.path, query: sortedQuery(query), body: request.body };
        expect(signature).toMatch(/^v2\./);
        expect(await signatureV2('sec-key', input), stringToSignV2(input)).toBe(signature);
      }
    } finally {
      signing.destroy(true);
    }
  });

  it('signs its own requests with the parameters it sends', async () => {
    const signed = new Roster({ publishKey: 'pub', subscribeKey: 'demo', secretKey: 'sec-key', userId: 'u1', origin: sdks.server.url });
    const request = await capture(() => signed.setUUIDMetadata({ uuid: special, name: 'x y' }).sync());
    const pairs = request.rawQuery.split('&').map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at), decodeURIComponent(pair.slice(at + 1))] as const;
    });
    const query = pairs.filter(([key]) => key !== 'signature');
    expect(query.map(([key]) => key)).toContain('timestamp');
    const expected = await signatureV2('sec-key', { method: 'PATCH', publishKey: 'pub', path: request.path, query: sortedQuery(query), body: request.body });
    expect(pairs.find(([key]) => key === 'signature')?.[1]).toBe(expected);
  });
});

describe('defaults that deliberately differ from the official JS SDK', () => {
  it('getUUIDMetadata/getChannelMetadata leave custom out unless asked (Python sends include=status,type)', async () => {
    const theirs = comparable(await capture(() => sdks.official.objects.getUUIDMetadata()));
    const mine = comparable(await capture(() => sdks.ours.getUUIDMetadata().sync()));
    expect(theirs.query['include']).toEqual(['status,type,custom']);
    expect(mine.query['include']).toEqual(['status,type']);
    expect({ ...mine, query: { ...mine.query, include: theirs.query['include'] } }).toEqual(theirs);
    const channel = comparable(await capture(() => sdks.ours.getChannelMetadata({ channel: 'c1' }).sync()));
    expect(channel.query['include']).toEqual(['status,type']);
  });

  it('set calls that do not set custom ask for status and type, not custom (as Python sends)', async () => {
    for (const [theirCall, ourCall] of [
      [
        () => sdks.official.objects.setUUIDMetadata({ data: { name: 'x', status: 'away' } }),
        () => sdks.ours.setUUIDMetadata({ name: 'x', status: 'away' }).sync(),
      ],
      [
        () => sdks.official.objects.setChannelMetadata({ channel: 'c1', data: { type: 'public' } }),
        () => sdks.ours.setChannelMetadata({ channel: 'c1', type: 'public' }).sync(),
      ],
    ] as const) {
      const theirs = comparable(await capture(theirCall));
      const mine = comparable(await capture(ourCall));
      expect(theirs.query['include']).toEqual(['status,type,custom']);
      expect(mine.query['include']).toEqual(['status,type']);
      expect({ ...mine, query: { ...mine.query, include: theirs.query['include'] } }).toEqual(theirs);
    }
  });

  it('getAllChannelMetadata sends count only when includeTotalCount is given', async () => {
    const theirs = comparable(await capture(() => sdks.official.objects.getAllChannelMetadata()));
    const mine = comparable(await capture(() => sdks.ours.getAllChannelMetadata().sync()));
    expect(theirs.query['count']).toEqual(['false']);
    expect(mine.query['count']).toBeUndefined();
    const { count: _ignored, ...theirRest } = theirs.query;
    expect(mine).toEqual({ ...theirs, query: theirRest });
  });

  it('manage calls send set and delete together (no official JS counterpart)', async () => {
    const memberships = comparable(
      await capture(() =>
        sdks.ours
          .manageMemberships()
          .set([PNChannelMembership.channel('a')])
          .remove([PNChannelMembership.channel('b')])
          .sync(),
      ),
    );
    expect(memberships).toMatchObject({
      method: 'PATCH',
      path: '/v2/objects/demo/uuids/u1/channels',
      query: { count: ['false'], include: ['channel.status,channel.type,status'], limit: ['100'], uuid: ['u1'] },
      body: { set: [{ channel: { id: 'a' } }], delete: [{ channel: { id: 'b' } }] },
    });
    const members = comparable(await capture(() => sdks.ours.manageChannelMembers({ channel: 'c1', set: [PNUUID.uuid('a')], remove: ['b'] }).sync()));
    expect(members).toMatchObject({
      method: 'PATCH',
      path: '/v2/objects/demo/channels/c1/uuids',
      query: { count: ['false'], include: ['uuid.status,uuid.type,type'], limit: ['100'] },
      body: { set: [{ uuid: { id: 'a' } }], delete: [{ uuid: { id: 'b' } }] },
    });
  });
});
