import { useServer } from '@roster/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { objectsClient, type Reply } from './http.ts';

const server = useServer();
const api = objectsClient(server);

const USERS = Array.from({ length: 30 }, (_, i) => ({
  id: `user-${String(i).padStart(2, '0')}`,
  name: ['alice', 'Bob', 'carol', null][i % 4],
  status: i % 2 === 0 ? 'online' : 'offline',
  type: i % 3 === 0 ? 'admin' : 'member',
  custom: { n: i, team: i % 5 === 0 ? 'red' : 'blue' },
}));

beforeAll(async () => {
  for (const { id, ...body } of USERS) await api.patch(`uuids/${id}`, body);
});

const idsOf = (reply: Reply) => reply.body.data.map((u: { id: string }) => u.id);

/** Follows `next` until an empty page, returning every id in order. */
async function walk(query: Record<string, string | number | string[]>): Promise<{ ids: string[]; pages: Reply[] }> {
  const ids: string[] = [];
  const pages: Reply[] = [];
  let start: string | undefined;
  for (let guard = 0; guard < 50; guard += 1) {
    const page = await api.get('uuids', { query: { ...query, ...(start ? { start } : {}) } });
    expect(page.status).toBe(200);
    if (page.body.data.length === 0) return { ids, pages };
    pages.push(page);
    ids.push(...idsOf(page));
    start = page.body.next;
  }
  throw new Error('paging did not end');
}

describe('limit and count', () => {
  it('defaults to 100 items, takes 1..100 and refuses anything else with a 400 naming limit', async () => {
    expect((await api.get('uuids')).body.data).toHaveLength(30);
    expect((await api.get('uuids', { query: { limit: 1 } })).body.data).toHaveLength(1);
    for (const limit of ['0', '101', '-1', 'ten', '1.5']) {
      const reply = await api.get('uuids', { query: { limit } });
      expect(reply.status, limit).toBe(400);
      expect(reply.body.error.details[0]).toMatchObject({ location: 'limit', locationType: 'query' });
    }
  });

  it('adds totalCount of everything matching the filter, before paging, only when asked', async () => {
    expect((await api.get('uuids', { query: { limit: 5 } })).body).not.toHaveProperty('totalCount');
    expect((await api.get('uuids', { query: { limit: 5, count: 'True' } })).body.totalCount).toBe(30);
    expect((await api.get('uuids', { query: { limit: 5, count: true, filter: 'status == "online"' } })).body.totalCount).toBe(15);
  });
});

describe('include', () => {
  it('ignores duplicates, unknown tokens and totalCount', async () => {
    const reply = await api.get('uuids', { query: { include: 'status,status,totalCount,bogus,custom', limit: 1 } });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body.data[0])).toEqual(['id', 'name', 'externalId', 'profileUrl', 'email', 'status', 'custom', 'updated', 'eTag']);
    expect(reply.body).not.toHaveProperty('totalCount');
  });
});

describe('sort', () => {
  it('sorts by id by default, case-insensitively', async () => {
    expect(idsOf(await api.get('uuids', { query: { limit: 3 } }))).toEqual(['user-00', 'user-01', 'user-02']);
  });

  it('takes repeated and comma-joined multi-key sorts alike', async () => {
    const repeated = idsOf(await api.get('uuids', { query: { sort: ['name:desc', 'id:asc'] } }));
    const joined = idsOf(await api.get('uuids', { query: { sort: 'name:desc,id' } }));
    expect(joined).toEqual(repeated);
    const expected = [...USERS]
      .sort((a, b) => (a.name ?? '').toLowerCase().localeCompare((b.name ?? '').toLowerCase()) * -1 || (a.id < b.id ? -1 : 1))
      .sort((a, b) => Number(b.name !== null) - Number(a.name !== null))
      .map((u) => u.id);
    expect(repeated).toEqual(expected);
  });

  it('sorts on status, type, updated and custom keys', async () => {
    const byCustom = idsOf(await api.get('uuids', { query: { sort: 'custom.n:desc', limit: 3 } }));
    expect(byCustom).toEqual(['user-29', 'user-28', 'user-27']);
    const byUpdated = idsOf(await api.get('uuids', { query: { sort: 'updated:desc', limit: 2 } }));
    expect(byUpdated).toEqual(['user-29', 'user-28']);
    const byType = idsOf(await api.get('uuids', { query: { sort: ['type', 'status:desc', 'id'], limit: 3 } }));
    expect(byType).toEqual(['user-00', 'user-06', 'user-12']);
  });

  it('refuses unknown sort keys and directions with a 400', async () => {
    for (const sort of ['shoe', 'name:up', 'custom', 'channel.name']) {
      const reply = await api.get('uuids', { query: { sort } });
      expect(reply.status, sort).toBe(400);
      expect(reply.body.error.details[0].location).toBe('sort');
    }
  });
});

describe('filter', () => {
  it('filters on fields, custom values, LIKE, dates and boolean logic', async () => {
    const cases: [string, number][] = [
      ['name == "alice"', 8],
      ['name LIKE "A*"', 8],
      ['name like "*o*"', 15],
      ['custom.team == "red" && status == "online"', 3],
      ['!(custom.n < 25) || type == "admin"', 14],
      ['custom["n"] >= 28', 2],
      [`updated >= "2000-01-01T00:00:00Z"`, 30],
      ['updated < "2000-01-01"', 0],
      ['name == null', 7],
    ];
    for (const [filter, count] of cases) {
      const reply = await api.get('uuids', { query: { filter, count: true, limit: 1 } });
      expect(reply.status, filter).toBe(200);
      expect(reply.body.totalCount, filter).toBe(count);
    }
  });

  it('answers a malformed filter with a 400 that says where it broke', async () => {
    const reply = await api.get('uuids', { query: { filter: 'name == "x" &&' } });
    expect(reply.status).toBe(400);
    expect(reply.body.error.details[0]).toMatchObject({ location: 'filter', locationType: 'query' });
    expect(reply.body.error.details[0].message).toMatch(/position \d+/);
    expect((await api.get('uuids', { query: { filter: 'shoe == 1' } })).status).toBe(400);
  });
});

describe('cursor pages', () => {
  it('walks forward through every item exactly once with any sort and filter', async () => {
    const query = { sort: ['name:asc', 'custom.n:desc'], filter: 'custom.n != 3', limit: 4 };
    const everything = idsOf(await api.get('uuids', { query: { ...query, limit: 100 } }));
    const { ids, pages } = await walk(query);
    expect(ids).toEqual(everything);
    expect(pages[0]!.body).not.toHaveProperty('prev');
    expect(pages[1]!.body.prev).toEqual(expect.any(String));
  });

  it('walks back with prev to the same pages', async () => {
    const query = { sort: 'updated:desc', limit: 7 };
    const { pages } = await walk(query);
    let page = pages.at(-1)!;
    for (let index = pages.length - 2; index >= 0; index -= 1) {
      page = await api.get('uuids', { query: { ...query, end: page.body.prev } });
      expect(idsOf(page)).toEqual(idsOf(pages[index]!));
    }
    expect(page.body).not.toHaveProperty('prev');
  });

  it('refuses a cursor used with another sort or filter, or a damaged one, with a 400', async () => {
    const first = await api.get('uuids', { query: { sort: 'name', limit: 2 } });
    const other = await api.get('uuids', { query: { sort: 'id', limit: 2, start: first.body.next } });
    expect(other.status).toBe(400);
    expect(other.body.error.details[0].location).toBe('start');
    const filtered = await api.get('uuids', { query: { sort: 'name', filter: 'id != "x"', start: first.body.next } });
    expect(filtered.status).toBe(400);
    for (const start of ['MTA', 'n', `${first.body.next}garbage!`]) {
      expect((await api.get('uuids', { query: { sort: 'name', start } })).status, start).toBe(400);
    }
  });

  it('answers an empty page with neither next nor prev', async () => {
    const reply = await api.get('uuids', { query: { filter: 'id == "none"' } });
    expect(reply.body).toEqual({ status: 200, data: [] });
  });
});

describe('text order: base letters first, then accents, then the exact text', () => {
  /** Channel id → name, listed in the order a name sort must answer. */
  const IN_ORDER: [string, string][] = [
    ['t-10', '10'], // digit by digit, not by value
    ['t-9', '9'],
    ['t-adam', 'Adam'],
    ['t-aesir', 'Æsir'], // æ is filed as AE
    ['t-angstrom', 'Ångström'], // with the A's
    ['t-anna', 'Anna'],
    ['t-emile', 'emile'], // without accent before with
    ['t-emile-acute', 'émile'],
    ['t-emilie', 'Émilie'], // the base letters decide first: EMILE < EMILIE < EVE
    ['t-eve', 'Eve'],
    ['t-item-dash', 'item-2'],
    ['t-item-under', 'item_2'], // `_` after the letters and '-', as PubNub orders
    ['t-strasse', 'Strasse'],
    ['t-strasse-eszett', 'Straße'], // ß is filed as SS; the exact text breaks the tie
    ['t-zoe-upper', 'ZOE'], // equal but for case: upper case first
    ['t-zoe-title', 'Zoe'],
    ['t-zoe-lower', 'zoe'],
    ['t-cjk', '中文'],
  ];
  const ids = IN_ORDER.map(([id]) => id);
  const channelIds = (reply: Reply) => reply.body.data.map((item: { id?: string; channel?: { id: string } }) => item.channel?.id ?? item.id);

  beforeAll(async () => {
    for (const [id, name] of [...IN_ORDER].reverse()) {
      expect((await api.patch(`channels/${id}`, { name, custom: { nick: name } })).status).toBe(200);
    }
    const set = IN_ORDER.map(([id]) => ({ channel: { id } }));
    expect((await api.patch('uuids/reader/channels', { set })).status).toBe(200);
  });

  it('sorts channels by name ascending and descending, page by page', async () => {
    expect(channelIds(await api.get('channels', { query: { sort: 'name' } }))).toEqual(ids);
    expect(channelIds(await api.get('channels', { query: { sort: 'name:desc' } }))).toEqual([...ids].reverse());
    const paged: string[] = [];
    let start: string | undefined;
    for (let guard = 0; guard < 10; guard += 1) {
      const page = await api.get('channels', { query: { sort: 'name', limit: 4, ...(start ? { start } : {}) } });
      paged.push(...channelIds(page));
      start = page.body.next;
      if (page.body.data.length < 4) break;
    }
    expect(paged).toEqual(ids);
  });

  it('sorts text custom values and related names the same way', async () => {
    expect(channelIds(await api.get('channels', { query: { sort: 'custom.nick' } }))).toEqual(ids);
    const memberships = await api.get('uuids/reader/channels', { query: { sort: 'channel.name', include: 'channel' } });
    expect(channelIds(memberships)).toEqual(ids);
  });

  it('keeps LIKE case-insensitive and accent-sensitive, and == exact', async () => {
    const matching = async (filter: string) => channelIds(await api.get('channels', { query: { filter, sort: 'name' } }));
    expect(await matching('name LIKE "é*"')).toEqual(['t-emile-acute', 't-emilie']);
    expect(await matching('name LIKE "E*"')).toEqual(['t-emile', 't-eve']);
    expect(await matching('name LIKE "ZOE"')).toEqual(['t-zoe-upper', 't-zoe-title', 't-zoe-lower']);
    expect(await matching('name LIKE "strasse"')).toEqual(['t-strasse', 't-strasse-eszett']); // ß upper-cases to SS
    expect(await matching('name LIKE "*ström"')).toEqual(['t-angstrom']);
    expect(await matching('name == "Zoe"')).toEqual(['t-zoe-title']);
    expect(await matching('name == "émile"')).toEqual(['t-emile-acute']);
  });
});
