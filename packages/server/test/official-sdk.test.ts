/**
 * PubNub's official JavaScript SDK (npm `pubnub` v11) pointed at a Roster server, through every
 * App Context operation. Assertions are on what the SDK hands back to an application (data,
 * totalCount, cursors, order, errors), so this checks the wire format as the SDK reads it.
 */
import PubNub from 'pubnub';
import { useServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `updated` as PubNub answers it: ISO 8601 UTC with fractional seconds. */
const UPDATED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{1,9}Z$/;

/** Starts a fresh server and an SDK client for the enclosing describe block. */
function useSdk(userId = 'u1') {
  const server = useServer();
  const context: { pubnub?: PubNub } = {};
  beforeAll(() => {
    context.pubnub = new PubNub({
      publishKey: 'demo',
      subscribeKey: 'demo',
      userId,
      origin: server.origin,
      ssl: false,
      logVerbosity: false,
    });
  });
  afterAll(() => {
    context.pubnub?.destroy();
  });
  return () => {
    if (!context.pubnub) throw new Error('the SDK client is not ready');
    return context.pubnub;
  };
}

interface SdkFailure {
  statusCode: number;
  category: unknown;
  errorData: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Awaits a call that must fail and returns the SDK's error status. */
async function failure(call: Promise<unknown>): Promise<SdkFailure> {
  let outcome: unknown;
  try {
    outcome = await call;
  } catch (error) {
    const status = isRecord(error) || error instanceof Error ? (error as { status?: unknown }).status : undefined;
    if (!isRecord(status) || typeof status['statusCode'] !== 'number') throw new Error(`an error without status: ${String(error)}`);
    return { statusCode: status['statusCode'], category: status['category'], errorData: status['errorData'] };
  }
  throw new Error(`expected the call to fail, it answered ${JSON.stringify(outcome)}`);
}

/** The ids of a list answer, in order (users/channels by `id`, memberships/members by the related id). */
function ids(items: readonly ({ id: string } | { channel: { id: string } } | { uuid: { id: string } })[]): string[] {
  return items.map((item) => ('id' in item ? item.id : 'channel' in item ? item.channel.id : item.uuid.id));
}

/** The `page` option for the page after `answer`; an answer without a `next` cursor fails the test. */
function after(answer: { next?: string | undefined }): { next: string } {
  if (answer.next === undefined) throw new Error('the answer has no next cursor');
  return { next: answer.next };
}

/** The `page` option for the page before `answer`; an answer without a `prev` cursor fails the test. */
function before(answer: { prev?: string | undefined }): { prev: string } {
  if (answer.prev === undefined) throw new Error('the answer has no prev cursor');
  return { prev: answer.prev };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('official SDK: user (uuid) metadata', () => {
  const pubnub = useSdk();

  it('setUUIDMetadata creates a user and answers every field', async () => {
    const data = {
      name: 'Alice',
      email: 'alice@example.com',
      externalId: 'ext-1',
      profileUrl: 'https://example.com/alice.png',
      type: 'admin',
      status: 'online',
      custom: { age: 36, city: 'London', vip: true },
    };
    const response = await pubnub().objects.setUUIDMetadata({ uuid: 'alice', data });
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ id: 'alice', ...data, updated: expect.stringMatching(UPDATED), eTag: expect.any(String) });
    expect(response.data.eTag).not.toBe('');
  });

  it('getUUIDMetadata reads it back, with custom by default and without when asked', async () => {
    const read = await pubnub().objects.getUUIDMetadata({ uuid: 'alice' });
    expect(read.status).toBe(200);
    expect(read.data).toMatchObject({ id: 'alice', name: 'Alice', type: 'admin', status: 'online', custom: { age: 36, city: 'London', vip: true } });
    const lean = await pubnub().objects.getUUIDMetadata({ uuid: 'alice', include: { customFields: false } });
    expect(lean.data).not.toHaveProperty('custom');
    expect(lean.data).toMatchObject({ id: 'alice', name: 'Alice', email: 'alice@example.com', status: 'online', type: 'admin' });
    expect(lean.data.eTag).toBe(read.data.eTag);
  });

  it('a partial setUUIDMetadata changes only the fields sent', async () => {
    const before = await pubnub().objects.getUUIDMetadata({ uuid: 'alice' });
    const response = await pubnub().objects.setUUIDMetadata({ uuid: 'alice', data: { name: 'Alice B.' } });
    expect(response.data).toMatchObject({
      id: 'alice',
      name: 'Alice B.',
      email: 'alice@example.com',
      externalId: 'ext-1',
      type: 'admin',
      status: 'online',
      custom: { age: 36, city: 'London', vip: true },
    });
    expect(response.data.eTag).not.toBe(before.data.eTag);
  });

  it('getUUIDMetadata of a missing user fails with 404 and the objects error body', async () => {
    const error = await failure(pubnub().objects.getUUIDMetadata({ uuid: 'nobody' }));
    expect(error.statusCode).toBe(404);
    expect(error.errorData).toMatchObject({ status: 404, error: { source: 'objects', message: expect.any(String) } });
  });

  it('removeUUIDMetadata deletes the user (data null), then it is a 404; removing again is still 200', async () => {
    const removed = await pubnub().objects.removeUUIDMetadata({ uuid: 'alice' });
    expect(removed).toEqual({ status: 200, data: null });
    expect((await failure(pubnub().objects.getUUIDMetadata({ uuid: 'alice' }))).statusCode).toBe(404);
    expect(await pubnub().objects.removeUUIDMetadata({ uuid: 'alice' })).toEqual({ status: 200, data: null });
  });

  it('the SDK’s own userId is the default target', async () => {
    const set = await pubnub().objects.setUUIDMetadata({ data: { name: 'Me' } });
    expect(set.data.id).toBe('u1');
    expect((await pubnub().objects.getUUIDMetadata()).data).toMatchObject({ id: 'u1', name: 'Me' });
  });
});

describe('official SDK: getAllUUIDMetadata (include, limit, filter, sort, paging)', () => {
  const pubnub = useSdk();
  // gu-b and gu-d share the name "alpha" (gu-d written later); names differ in case on purpose.
  const users = [
    { id: 'gu-a', name: 'Bravo', custom: { team: 'red', level: 1 } },
    { id: 'gu-b', name: 'alpha', custom: { team: 'blue', level: 2 } },
    { id: 'gu-c', name: 'Charlie', custom: { team: 'red', level: 3 } },
    { id: 'gu-d', name: 'alpha', custom: { team: 'blue', level: 4 } },
    { id: 'gu-e', name: 'delta', custom: { team: 'red', level: 5 } },
  ];

  beforeAll(async () => {
    for (const { id, ...data } of users) {
      await pubnub().objects.setUUIDMetadata({ uuid: id, data: { ...data, status: 'active', type: 'player' } });
      await sleep(2); // distinct `updated` instants, for the updated:desc tie-break below
    }
  });

  it('lists every user by id, with custom and totalCount when asked, and a next cursor', async () => {
    const page = await pubnub().objects.getAllUUIDMetadata({ include: { customFields: true, totalCount: true } });
    expect(page.status).toBe(200);
    expect(ids(page.data)).toEqual(['gu-a', 'gu-b', 'gu-c', 'gu-d', 'gu-e']);
    expect(page.totalCount).toBe(5);
    expect(page.data[2]).toEqual({
      id: 'gu-c',
      name: 'Charlie',
      externalId: null,
      profileUrl: null,
      email: null,
      status: 'active',
      type: 'player',
      custom: { team: 'red', level: 3 },
      updated: expect.stringMatching(UPDATED),
      eTag: expect.any(String),
    });
    // As PubNub: `next` whenever the page has items (clients stop on an empty page); no `prev` on page 1.
    expect(page.next).toEqual(expect.any(String));
    expect(page.prev).toBeUndefined();
  });

  it('leaves custom out and totalCount unset by default', async () => {
    const page = await pubnub().objects.getAllUUIDMetadata();
    expect(ids(page.data)).toHaveLength(5);
    for (const user of page.data) expect(user).not.toHaveProperty('custom');
    expect(page.totalCount).toBeUndefined();
  });

  it('pages forward with page.next and back with page.prev', async () => {
    const include = { totalCount: true };
    const first = await pubnub().objects.getAllUUIDMetadata({ include, limit: 2 });
    expect(ids(first.data)).toEqual(['gu-a', 'gu-b']);
    expect(first.totalCount).toBe(5);
    expect(first.prev).toBeUndefined();
    expect(first.next).toEqual(expect.any(String));

    const second = await pubnub().objects.getAllUUIDMetadata({ include, limit: 2, page: after(first) });
    expect(ids(second.data)).toEqual(['gu-c', 'gu-d']);
    expect(second.totalCount).toBe(5);
    expect(second.prev).toEqual(expect.any(String));
    expect(second.next).toEqual(expect.any(String));

    const third = await pubnub().objects.getAllUUIDMetadata({ include, limit: 2, page: after(second) });
    expect(ids(third.data)).toEqual(['gu-e']);
    expect(third.prev).toEqual(expect.any(String));
    expect(third.next).toEqual(expect.any(String)); // PubNub sends next even on the last page

    const past = await pubnub().objects.getAllUUIDMetadata({ include, limit: 2, page: after(third) });
    expect(past.data).toEqual([]);
    expect(past.next).toBeUndefined();
    expect(past.prev).toBeUndefined();

    const back = await pubnub().objects.getAllUUIDMetadata({ include, limit: 2, page: before(third) });
    expect(ids(back.data)).toEqual(['gu-c', 'gu-d']);
    const backAgain = await pubnub().objects.getAllUUIDMetadata({ include, limit: 2, page: before(back) });
    expect(ids(backAgain.data)).toEqual(['gu-a', 'gu-b']);
    expect(backAgain.prev).toBeUndefined();
  });

  it('sorts by an object of keys: { name: "asc", updated: "desc" }', async () => {
    const page = await pubnub().objects.getAllUUIDMetadata({ sort: { name: 'asc', updated: 'desc' } });
    // Names sort case-insensitively (decisions.md); the two "alpha" users fall back to updated desc.
    expect(ids(page.data)).toEqual(['gu-d', 'gu-b', 'gu-a', 'gu-c', 'gu-e']);
    const byUpdated = await pubnub().objects.getAllUUIDMetadata({ sort: { updated: 'desc' } });
    expect(ids(byUpdated.data)).toEqual(['gu-e', 'gu-d', 'gu-c', 'gu-b', 'gu-a']);
    const byName = await pubnub().objects.getAllUUIDMetadata({ sort: 'name', limit: 3 }); // a string sort, default asc
    expect(ids(byName.data).slice(2)).toEqual(['gu-a']);
    expect(ids(byName.data).slice(0, 2).sort()).toEqual(['gu-b', 'gu-d']);
  });

  it('pages a list sorted by { name: "asc", updated: "desc" } forward and back, to the same order as one page', async () => {
    const sort = { name: 'asc', updated: 'desc' } as const;
    const whole = await pubnub().objects.getAllUUIDMetadata({ sort });
    expect(ids(whole.data)).toEqual(['gu-d', 'gu-b', 'gu-a', 'gu-c', 'gu-e']);

    const forward: string[][] = [];
    let next: string | undefined;
    let prev: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await pubnub().objects.getAllUUIDMetadata({ sort, limit: 2, ...(next ? { page: { next } } : {}) });
      if (page.data.length === 0) break;
      forward.push(ids(page.data));
      next = page.next;
      prev = page.prev;
    }
    expect(forward).toEqual([['gu-d', 'gu-b'], ['gu-a', 'gu-c'], ['gu-e']]);

    const backward: string[][] = [];
    for (let pages = 0; pages < 10 && prev; pages++) {
      const page = await pubnub().objects.getAllUUIDMetadata({ sort, limit: 2, page: { prev } });
      backward.push(ids(page.data));
      prev = page.prev;
    }
    expect(backward).toEqual([
      ['gu-a', 'gu-c'],
      ['gu-d', 'gu-b'],
    ]);
  });

  it('filters on fields and on custom fields, with totalCount counting the matches', async () => {
    const byName = await pubnub().objects.getAllUUIDMetadata({ filter: 'name LIKE "a*"', include: { totalCount: true } });
    expect(ids(byName.data)).toEqual(['gu-b', 'gu-d']);
    expect(byName.totalCount).toBe(2);

    const red = await pubnub().objects.getAllUUIDMetadata({ filter: 'custom.team == "red"', include: { customFields: true, totalCount: true } });
    expect(ids(red.data)).toEqual(['gu-a', 'gu-c', 'gu-e']);
    expect(red.totalCount).toBe(3);
    for (const user of red.data) expect(user.custom).toMatchObject({ team: 'red' });

    const senior = await pubnub().objects.getAllUUIDMetadata({ filter: 'custom.level > 2 && custom.team == "blue"' });
    expect(ids(senior.data)).toEqual(['gu-d']);

    const none = await pubnub().objects.getAllUUIDMetadata({ filter: 'custom["team"] == "green"', include: { totalCount: true } });
    expect(none.data).toEqual([]);
    expect(none.totalCount).toBe(0);
    expect(none.next).toBeUndefined();
  });
});

describe('official SDK: channel metadata', () => {
  const pubnub = useSdk();
  const channels = [
    { id: 'ch-1', name: 'General', description: 'Everyone', type: 'public', status: 'open', custom: { topic: 'misc', rank: 2 } },
    { id: 'ch-2', name: 'announcements', description: null, type: 'public', status: 'archived', custom: { topic: 'news', rank: 1 } },
    { id: 'ch-3', name: 'Random', description: 'Off topic', type: 'private', status: 'open', custom: { topic: 'misc', rank: 3 } },
  ];

  it('setChannelMetadata creates channels and answers every field', async () => {
    for (const { id, description, ...rest } of channels) {
      const data = description === null ? rest : { ...rest, description };
      const response = await pubnub().objects.setChannelMetadata({ channel: id, data });
      expect(response.status).toBe(200);
      expect(response.data).toEqual({
        id,
        ...rest,
        description,
        updated: expect.stringMatching(UPDATED),
        eTag: expect.any(String),
      });
      await sleep(2);
    }
  });

  it('getChannelMetadata reads a channel, with and without custom', async () => {
    const read = await pubnub().objects.getChannelMetadata({ channel: 'ch-1' });
    expect(read.data).toMatchObject({
      id: 'ch-1',
      name: 'General',
      description: 'Everyone',
      type: 'public',
      status: 'open',
      custom: { topic: 'misc', rank: 2 },
    });
    const lean = await pubnub().objects.getChannelMetadata({ channel: 'ch-1', include: { customFields: false } });
    expect(lean.data).not.toHaveProperty('custom');
  });

  it('a partial setChannelMetadata keeps the other fields', async () => {
    const response = await pubnub().objects.setChannelMetadata({ channel: 'ch-3', data: { status: 'closed' } });
    expect(response.data).toMatchObject({
      id: 'ch-3',
      name: 'Random',
      description: 'Off topic',
      type: 'private',
      status: 'closed',
      custom: { topic: 'misc', rank: 3 },
    });
  });

  it('getAllChannelMetadata lists, counts, filters, sorts and pages', async () => {
    const all = await pubnub().objects.getAllChannelMetadata({ include: { customFields: true, totalCount: true } });
    expect(ids(all.data)).toEqual(['ch-1', 'ch-2', 'ch-3']);
    expect(all.totalCount).toBe(3);
    expect(all.data[1]).toMatchObject({ id: 'ch-2', name: 'announcements', description: null, custom: { topic: 'news', rank: 1 } });
    expect(all.next).toEqual(expect.any(String));

    const plain = await pubnub().objects.getAllChannelMetadata();
    for (const channel of plain.data) expect(channel).not.toHaveProperty('custom');

    const byName = await pubnub().objects.getAllChannelMetadata({ sort: { name: 'asc' } });
    expect(ids(byName.data)).toEqual(['ch-2', 'ch-1', 'ch-3']); // announcements, General, Random: case-insensitive
    const byStatusThenName = await pubnub().objects.getAllChannelMetadata({ sort: { status: 'desc', name: 'desc' } });
    expect(ids(byStatusThenName.data)).toEqual(['ch-1', 'ch-3', 'ch-2']); // open(General), closed(Random), archived

    const misc = await pubnub().objects.getAllChannelMetadata({ filter: 'custom.topic == "misc"', include: { totalCount: true } });
    expect(ids(misc.data)).toEqual(['ch-1', 'ch-3']);
    expect(misc.totalCount).toBe(2);
    const described = await pubnub().objects.getAllChannelMetadata({ filter: 'description LIKE "*topic*"' });
    expect(ids(described.data)).toEqual(['ch-3']);

    const first = await pubnub().objects.getAllChannelMetadata({ limit: 2, include: { totalCount: true } });
    expect(ids(first.data)).toEqual(['ch-1', 'ch-2']);
    expect(first.prev).toBeUndefined();
    const second = await pubnub().objects.getAllChannelMetadata({ limit: 2, page: after(first), include: { totalCount: true } });
    expect(ids(second.data)).toEqual(['ch-3']);
    expect(second.totalCount).toBe(3);
    expect(second.prev).toEqual(expect.any(String));
    const back = await pubnub().objects.getAllChannelMetadata({ limit: 2, page: before(second) });
    expect(ids(back.data)).toEqual(['ch-1', 'ch-2']);
  });

  it('getChannelMetadata of a missing channel fails with 404', async () => {
    const error = await failure(pubnub().objects.getChannelMetadata({ channel: 'nowhere' }));
    expect(error.statusCode).toBe(404);
    expect(error.errorData).toMatchObject({ status: 404, error: { source: 'objects' } });
  });

  it('removeChannelMetadata deletes the channel', async () => {
    expect(await pubnub().objects.removeChannelMetadata({ channel: 'ch-2' })).toEqual({ status: 200, data: null });
    expect((await failure(pubnub().objects.getChannelMetadata({ channel: 'ch-2' }))).statusCode).toBe(404);
    const all = await pubnub().objects.getAllChannelMetadata({ include: { totalCount: true } });
    expect(ids(all.data)).toEqual(['ch-1', 'ch-3']);
    expect(all.totalCount).toBe(2);
  });
});

describe('official SDK: ifMatchesEtag', () => {
  const pubnub = useSdk();

  it('a user write with the current eTag succeeds; with a stale one it fails with 412 and changes nothing', async () => {
    const first = await pubnub().objects.setUUIDMetadata({ uuid: 'etag-user', data: { name: 'v1' } });
    const second = await pubnub().objects.setUUIDMetadata({ uuid: 'etag-user', data: { name: 'v2' }, ifMatchesEtag: first.data.eTag });
    expect(second.data.name).toBe('v2');
    expect(second.data.eTag).not.toBe(first.data.eTag);

    const error = await failure(pubnub().objects.setUUIDMetadata({ uuid: 'etag-user', data: { name: 'v3' }, ifMatchesEtag: first.data.eTag }));
    expect(error.statusCode).toBe(412);
    expect(error.errorData).toMatchObject({ status: 412, error: { source: 'objects', message: 'User to update has been modified after it was read.' } });
    const read = await pubnub().objects.getUUIDMetadata({ uuid: 'etag-user' });
    expect(read.data).toMatchObject({ name: 'v2', eTag: second.data.eTag });
  });

  it('a channel write with the current eTag succeeds; with a stale one it fails with 412', async () => {
    const first = await pubnub().objects.setChannelMetadata({ channel: 'etag-channel', data: { name: 'v1' } });
    const second = await pubnub().objects.setChannelMetadata({ channel: 'etag-channel', data: { name: 'v2' }, ifMatchesEtag: first.data.eTag });
    expect(second.data.name).toBe('v2');
    const error = await failure(pubnub().objects.setChannelMetadata({ channel: 'etag-channel', data: { name: 'v3' }, ifMatchesEtag: first.data.eTag }));
    expect(error.statusCode).toBe(412);
    expect(error.errorData).toMatchObject({ status: 412, error: { source: 'objects', message: 'Channel to update has been modified after it was read.' } });
    expect((await pubnub().objects.getChannelMetadata({ channel: 'etag-channel' })).data.name).toBe('v2');
  });
});

describe('official SDK: memberships (a user’s channels)', () => {
  const pubnub = useSdk();
  const fullInclude = {
    channelFields: true,
    customChannelFields: true,
    customFields: true,
    statusField: true,
    typeField: true,
    totalCount: true,
  };

  beforeAll(async () => {
    await pubnub().objects.setChannelMetadata({ channel: 'm-a', data: { name: 'Alpha', description: 'first', custom: { color: 'red' } } });
    await pubnub().objects.setChannelMetadata({ channel: 'm-b', data: { name: 'beta', description: 'second', custom: { color: 'blue' } } });
    // m-c has no channel metadata: referential integrity is off by default, as on PubNub.
  });

  it('setMemberships adds memberships and answers the user’s whole list', async () => {
    const response = await pubnub().objects.setMemberships({
      uuid: 'member-1',
      channels: ['m-a', { id: 'm-b', custom: { role: 'admin' }, status: 'active', type: 'owner' }, 'm-c'],
      include: { customFields: true, totalCount: true },
    });
    expect(response.status).toBe(200);
    expect(ids(response.data)).toEqual(['m-a', 'm-b', 'm-c']);
    expect(response.totalCount).toBe(3);
    expect(response.next).toEqual(expect.any(String));
    // The SDK always asks for channel.status, channel.type and status on set, which turns on the channel object.
    expect(response.data[1]).toEqual({
      channel: {
        id: 'm-b',
        name: 'beta',
        description: 'second',
        status: null,
        type: null,
        updated: expect.stringMatching(UPDATED),
        eTag: expect.any(String),
      },
      status: 'active',
      custom: { role: 'admin' },
      updated: expect.stringMatching(UPDATED),
      eTag: expect.any(String),
    });
    expect(response.data[2]).toMatchObject({ channel: { id: 'm-c' }, status: null, custom: null });
    expect(Object.keys(response.data[2]?.channel ?? {})).toEqual(['id']); // no metadata: id only
  });

  it('getMemberships with every include flag answers channel and membership fields', async () => {
    const response = await pubnub().objects.getMemberships({ uuid: 'member-1', include: fullInclude });
    expect(response.totalCount).toBe(3);
    expect(response.data).toEqual([
      {
        channel: {
          id: 'm-a',
          name: 'Alpha',
          description: 'first',
          custom: { color: 'red' },
          updated: expect.stringMatching(UPDATED),
          eTag: expect.any(String),
        },
        status: null,
        type: null,
        custom: null,
        updated: expect.stringMatching(UPDATED),
        eTag: expect.any(String),
      },
      {
        channel: {
          id: 'm-b',
          name: 'beta',
          description: 'second',
          custom: { color: 'blue' },
          updated: expect.stringMatching(UPDATED),
          eTag: expect.any(String),
        },
        status: 'active',
        type: 'owner',
        custom: { role: 'admin' },
        updated: expect.stringMatching(UPDATED),
        eTag: expect.any(String),
      },
      { channel: { id: 'm-c' }, status: null, type: null, custom: null, updated: expect.stringMatching(UPDATED), eTag: expect.any(String) },
    ]);
  });

  it('getMemberships without includes answers id-only channels and no optional fields', async () => {
    const response = await pubnub().objects.getMemberships({ uuid: 'member-1' });
    expect(response.totalCount).toBeUndefined();
    expect(response.data.map((item) => Object.keys(item).sort())).toEqual([
      ['channel', 'eTag', 'updated'],
      ['channel', 'eTag', 'updated'],
      ['channel', 'eTag', 'updated'],
    ]);
    expect(response.data.map((item) => item.channel)).toEqual([{ id: 'm-a' }, { id: 'm-b' }, { id: 'm-c' }]);
  });

  it('getMemberships filters, sorts and pages', async () => {
    const admins = await pubnub().objects.getMemberships({ uuid: 'member-1', filter: 'custom.role == "admin"', include: { totalCount: true } });
    expect(ids(admins.data)).toEqual(['m-b']);
    expect(admins.totalCount).toBe(1);
    const red = await pubnub().objects.getMemberships({ uuid: 'member-1', filter: 'channel.custom.color == "red"' });
    expect(ids(red.data)).toEqual(['m-a']);

    const byIdDesc = await pubnub().objects.getMemberships({ uuid: 'member-1', sort: { 'channel.id': 'desc' } });
    expect(ids(byIdDesc.data)).toEqual(['m-c', 'm-b', 'm-a']);

    const first = await pubnub().objects.getMemberships({ uuid: 'member-1', limit: 2 });
    expect(ids(first.data)).toEqual(['m-a', 'm-b']);
    const second = await pubnub().objects.getMemberships({ uuid: 'member-1', limit: 2, page: after(first) });
    expect(ids(second.data)).toEqual(['m-c']);
    expect(second.prev).toEqual(expect.any(String));
    const back = await pubnub().objects.getMemberships({ uuid: 'member-1', limit: 2, page: before(second) });
    expect(ids(back.data)).toEqual(['m-a', 'm-b']);
  });

  it('setMemberships again updates only the fields sent for that membership', async () => {
    const response = await pubnub().objects.setMemberships({
      uuid: 'member-1',
      channels: [{ id: 'm-b', type: 'guest' }],
      include: { customFields: true, typeField: true, statusField: true }, // the SDK then sends `status` twice in include
    });
    const item = response.data.find((membership) => membership.channel.id === 'm-b');
    expect(item).toMatchObject({ status: 'active', type: 'guest', custom: { role: 'admin' } });
  });

  it('removeMemberships removes and answers what remains', async () => {
    const response = await pubnub().objects.removeMemberships({ uuid: 'member-1', channels: ['m-a', 'not-a-member'], include: { totalCount: true } });
    expect(ids(response.data)).toEqual(['m-b', 'm-c']);
    expect(response.totalCount).toBe(2);
    const read = await pubnub().objects.getMemberships({ uuid: 'member-1' });
    expect(ids(read.data)).toEqual(['m-b', 'm-c']);
  });

  it('the SDK’s own userId is the default user for memberships', async () => {
    const response = await pubnub().objects.setMemberships({ channels: ['m-a'] });
    expect(ids(response.data)).toEqual(['m-a']);
    expect(ids((await pubnub().objects.getMemberships()).data)).toEqual(['m-a']);
  });
});

describe('official SDK: channel members', () => {
  const pubnub = useSdk();

  beforeAll(async () => {
    await pubnub().objects.setUUIDMetadata({
      uuid: 'p-1',
      data: { name: 'Pat', email: 'pat@example.com', status: 'online', type: 'staff', custom: { tz: 'UTC' } },
    });
    await pubnub().objects.setUUIDMetadata({ uuid: 'p-2', data: { name: 'Sam' } });
    // p-3 has no user metadata.
  });

  it('setChannelMembers adds members and answers the channel’s whole list', async () => {
    const response = await pubnub().objects.setChannelMembers({
      channel: 'room',
      uuids: ['p-2', { id: 'p-1', custom: { seat: 7 }, status: 'present', type: 'speaker' }, 'p-3'],
      include: { customFields: true, totalCount: true },
    });
    expect(ids(response.data)).toEqual(['p-1', 'p-2', 'p-3']);
    expect(response.totalCount).toBe(3);
    // The SDK always asks for uuid.status, uuid.type and type on set.
    expect(response.data[0]).toEqual({
      uuid: {
        id: 'p-1',
        name: 'Pat',
        externalId: null,
        profileUrl: null,
        email: 'pat@example.com',
        status: 'online',
        type: 'staff',
        updated: expect.stringMatching(UPDATED),
        eTag: expect.any(String),
      },
      type: 'speaker',
      custom: { seat: 7 },
      updated: expect.stringMatching(UPDATED),
      eTag: expect.any(String),
    });
    expect(response.data[2]?.uuid).toEqual({ id: 'p-3' });
  });

  it('getChannelMembers with every include flag answers user and member fields', async () => {
    const response = await pubnub().objects.getChannelMembers({
      channel: 'room',
      include: { UUIDFields: true, customUUIDFields: true, customFields: true, statusField: true, typeField: true, totalCount: true },
    });
    expect(response.totalCount).toBe(3);
    expect(response.data[0]).toEqual({
      uuid: {
        id: 'p-1',
        name: 'Pat',
        externalId: null,
        profileUrl: null,
        email: 'pat@example.com',
        custom: { tz: 'UTC' },
        updated: expect.stringMatching(UPDATED),
        eTag: expect.any(String),
      },
      status: 'present',
      type: 'speaker',
      custom: { seat: 7 },
      updated: expect.stringMatching(UPDATED),
      eTag: expect.any(String),
    });
    expect(response.data[1]).toMatchObject({ uuid: { id: 'p-2', name: 'Sam', custom: null }, status: null, type: null, custom: null });
    expect(response.data[2]).toMatchObject({ uuid: { id: 'p-3' }, status: null, type: null, custom: null });
  });

  it('getChannelMembers filters, sorts and pages', async () => {
    const speakers = await pubnub().objects.getChannelMembers({ channel: 'room', filter: 'type == "speaker"' });
    expect(ids(speakers.data)).toEqual(['p-1']);
    const named = await pubnub().objects.getChannelMembers({ channel: 'room', filter: 'uuid.name LIKE "s*"' });
    expect(ids(named.data)).toEqual(['p-2']);
    const byIdDesc = await pubnub().objects.getChannelMembers({ channel: 'room', sort: { 'uuid.id': 'desc' } });
    expect(ids(byIdDesc.data)).toEqual(['p-3', 'p-2', 'p-1']);
    const first = await pubnub().objects.getChannelMembers({ channel: 'room', limit: 2, include: { totalCount: true } });
    expect(ids(first.data)).toEqual(['p-1', 'p-2']);
    expect(first.totalCount).toBe(3);
    const second = await pubnub().objects.getChannelMembers({ channel: 'room', limit: 2, page: after(first) });
    expect(ids(second.data)).toEqual(['p-3']);
    const back = await pubnub().objects.getChannelMembers({ channel: 'room', limit: 2, page: before(second) });
    expect(ids(back.data)).toEqual(['p-1', 'p-2']);
  });

  it('removeChannelMembers removes and answers what remains', async () => {
    const response = await pubnub().objects.removeChannelMembers({ channel: 'room', uuids: ['p-1', 'p-3'], include: { totalCount: true } });
    expect(ids(response.data)).toEqual(['p-2']);
    expect(response.totalCount).toBe(1);
    expect(ids((await pubnub().objects.getChannelMembers({ channel: 'room' })).data)).toEqual(['p-2']);
  });

  it('members and memberships are the same relation', async () => {
    await pubnub().objects.setChannelMembers({ channel: 'room', uuids: ['p-1'] });
    const memberships = await pubnub().objects.getMemberships({ uuid: 'p-1' });
    expect(ids(memberships.data)).toEqual(['room']);
  });
});

describe('official SDK: ids with special characters', () => {
  const pubnub = useSdk();
  const special = 'a b/c#ü';

  it('sets, gets and lists a user whose id is "a b/c#ü"', async () => {
    const set = await pubnub().objects.setUUIDMetadata({ uuid: special, data: { name: 'Special user' } });
    expect(set.data.id).toBe(special);
    const read = await pubnub().objects.getUUIDMetadata({ uuid: special });
    expect(read.data).toMatchObject({ id: special, name: 'Special user' });
    const listed = await pubnub().objects.getAllUUIDMetadata({ filter: `id == "${special}"` });
    expect(ids(listed.data)).toEqual([special]);
  });

  it('sets and gets a channel whose id is "a b/c#ü"', async () => {
    const set = await pubnub().objects.setChannelMetadata({ channel: special, data: { name: 'Special channel' } });
    expect(set.data.id).toBe(special);
    expect((await pubnub().objects.getChannelMetadata({ channel: special })).data).toMatchObject({ id: special, name: 'Special channel' });
    const listed = await pubnub().objects.getAllChannelMetadata();
    expect(ids(listed.data)).toEqual([special]);
  });

  it('relates them through memberships and members', async () => {
    const set = await pubnub().objects.setMemberships({ uuid: special, channels: [special, 'plain'] });
    expect(ids(set.data)).toEqual([special, 'plain']);
    const members = await pubnub().objects.getChannelMembers({ channel: special, include: { UUIDFields: true } });
    expect(members.data).toMatchObject([{ uuid: { id: special, name: 'Special user' } }]);
    const memberships = await pubnub().objects.getMemberships({ uuid: special, include: { channelFields: true } });
    expect(memberships.data).toMatchObject([{ channel: { id: special, name: 'Special channel' } }, { channel: { id: 'plain' } }]);
    const removed = await pubnub().objects.removeChannelMembers({ channel: special, uuids: [special] });
    expect(removed.data).toEqual([]);
    expect(ids((await pubnub().objects.getMemberships({ uuid: special })).data)).toEqual(['plain']);
  });

  it('removes them', async () => {
    expect(await pubnub().objects.removeUUIDMetadata({ uuid: special })).toEqual({ status: 200, data: null });
    expect(await pubnub().objects.removeChannelMetadata({ channel: special })).toEqual({ status: 200, data: null });
    expect((await failure(pubnub().objects.getUUIDMetadata({ uuid: special }))).statusCode).toBe(404);
    expect((await failure(pubnub().objects.getChannelMetadata({ channel: special }))).statusCode).toBe(404);
  });
});
