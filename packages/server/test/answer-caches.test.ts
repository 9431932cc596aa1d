import { useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';
import { encodeCursor, listFingerprint } from '../src/query/cursor.ts';
import { encode, objectsClient } from './http.ts';

// The answer caches over real HTTP: App Context answers built as JSON text (a frozen record's text
// per include set, a kept page's last answer), SQLite pages kept per data version, and subscribe
// polls woken together sharing one answer. Each write below is followed by the lists and gets that
// could still show what was there before it.

const server = useServer({
  keysets: [
    { publishKey: 'demo', subscribeKey: 'demo', referentialIntegrity: true },
    { publishKey: 'other', subscribeKey: 'other' },
  ],
  args: ['--admin-secret', 'admin-secret-of-the-answer-caches'],
});
const api = objectsClient(server);
const other = objectsClient(server, 'other');

/** The raw answer: status, text and content type. */
async function raw(path: string, init: RequestInit = {}, subKey = 'demo'): Promise<{ status: number; text: string; type: string | null }> {
  const response = await fetch(`${server.url}/v2/objects/${subKey}/${path}`, init);
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
}

const JSON_TYPE = 'application/json; charset=utf-8';

const idsOf = (body: { data: { id?: string; channel?: { id: string }; uuid?: { id: string } }[] }) =>
  body.data.map((item) => item.id ?? (item.channel ?? item.uuid)!.id);

describe('App Context answers as JSON text', () => {
  it('are compact JSON with PubNub’s key order and content type, the same bytes when asked again', async () => {
    await api.patch('uuids/t-ann', { name: 'Ann', email: 'a@x.io', status: 'on', type: 't', custom: { b: 1, a: 'x' } });
    for (const path of [
      'uuids/t-ann?include=custom,status,type',
      'uuids/t-ann',
      'uuids?include=custom,status,type&count=true&limit=1&filter=id%20%3D%3D%20%22t-ann%22',
    ]) {
      const first = await raw(path);
      const again = await raw(path);
      expect(first.status, path).toBe(200);
      expect(first.type, path).toBe(JSON_TYPE);
      expect(again.text, path).toBe(first.text);
      expect(first.text, path).toBe(JSON.stringify(JSON.parse(first.text)));
    }
    const one = JSON.parse((await raw('uuids/t-ann?include=custom,status,type')).text);
    expect(Object.keys(one)).toEqual(['status', 'data']);
    expect(Object.keys(one.data)).toEqual(
      ['id', 'name', 'externalId', 'profileUrl', 'email', 'type', 'status', 'custom', 'updated', 'eTag'].filter((k) => k in one.data),
    );
    expect(Object.keys(one.data.custom)).toEqual(['b', 'a']);
    const page = JSON.parse((await raw('uuids?count=true&limit=1&filter=id%20LIKE%20%22t-*%22')).text);
    expect(Object.keys(page)).toEqual(['status', 'data', 'totalCount', 'next']);
    const second = JSON.parse((await raw(`uuids?count=true&limit=1&start=${page.next}`)).text);
    expect(second.status).toBe(400); // a cursor of another filter
    const next = JSON.parse((await raw(`uuids?count=true&limit=1&filter=id%20LIKE%20%22t-*%22&start=${page.next}`)).text);
    expect(Object.keys(next)).toEqual(['status', 'data', 'totalCount']); // an empty page: neither next nor prev (as before)
  });

  it('a PATCH answer and every later get show the write, with and without If-Match; a 412 changes nothing', async () => {
    const include = 'include=custom,status';
    const set = await raw(`uuids/t-bob?${include}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"Bob","custom":{"v":1}}',
    });
    expect(set.status).toBe(200);
    expect(set.type).toBe(JSON_TYPE);
    const got = await raw(`uuids/t-bob?${include}`);
    expect(got.text).toBe(set.text);
    const eTag = JSON.parse(set.text).data.eTag as string;

    const refused = await api.patch('uuids/t-bob', { name: 'Never' }, { headers: { 'if-match': 'stale' }, query: { include: 'custom,status' } });
    expect(refused.status).toBe(412);
    expect((await raw(`uuids/t-bob?${include}`)).text).toBe(set.text);
    expect(idsAndNames(await api.get('uuids', { query: { filter: 'id == "t-bob"', include: 'custom' } }))).toEqual([['t-bob', 'Bob', { v: 1 }]]);

    const matched = await api.patch('uuids/t-bob', { name: 'Bobby', custom: { v: 2 } }, { headers: { 'if-match': eTag }, query: { include: 'custom,status' } });
    expect(matched.status).toBe(200);
    expect((await api.get('uuids/t-bob', { query: { include: 'custom,status' } })).body.data).toMatchObject({ name: 'Bobby', custom: { v: 2 } });
    expect((await api.get('uuids/t-bob', { query: { include: 'custom' } })).body.data).toMatchObject({ name: 'Bobby', custom: { v: 2 } });
    expect((await api.get('uuids/t-bob')).body.data).toMatchObject({ name: 'Bobby' });
    expect(idsAndNames(await api.get('uuids', { query: { filter: 'id == "t-bob"', include: 'custom' } }))).toEqual([['t-bob', 'Bobby', { v: 2 }]]);

    const plain = await api.patch('uuids/t-bob', { name: 'Robert' });
    expect(plain.body.data.name).toBe('Robert');
    expect((await api.get('uuids/t-bob', { query: { include: 'custom,status' } })).body.data).toMatchObject({ name: 'Robert' });
    expect((await api.get('uuids/t-bob', { query: { include: 'custom,status' } })).body.data.custom).toEqual({ v: 2 }); // not sent: kept
  });

  it('Roster-Custom-Merge on a record the cache holds frozen merges (no 500) and later reads show the merge', async () => {
    await api.patch('channels/t-room', { name: 'Room', custom: { a: 1 } });
    // Read it into the record cache and a kept page, with text made for each include set.
    for (const include of ['custom', 'custom,status,type', '']) {
      await api.get('channels/t-room', { query: { include } });
      await api.get('channels', { query: { include, filter: 'id == "t-room"' } });
    }
    const merged = await api.patch('channels/t-room', { custom: { b: 2 } }, { headers: { 'roster-custom-merge': 'true' }, query: { include: 'custom' } });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    expect(merged.body.data.custom).toEqual({ a: 1, b: 2 });
    expect((await api.get('channels/t-room', { query: { include: 'custom' } })).body.data.custom).toEqual({ a: 1, b: 2 });
    expect((await api.get('channels', { query: { include: 'custom', filter: 'id == "t-room"' } })).body.data[0].custom).toEqual({ a: 1, b: 2 });
  });

  it('a write that changes nothing answers the same text and leaves lists as they were', async () => {
    const first = await api.patch('uuids/t-same', { name: 'Same', custom: { k: 'v' } }, { query: { include: 'custom' } });
    const before = await raw('uuids?include=custom&filter=id%20%3D%3D%20%22t-same%22&count=true');
    const again = await raw('uuids/t-same?include=custom', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"Same","custom":{"k":"v"}}',
    });
    expect(JSON.parse(again.text)).toEqual(first.body);
    expect((await raw('uuids?include=custom&filter=id%20%3D%3D%20%22t-same%22&count=true')).text).toBe(before.text);
  });

  it('a DELETE (and its 412) is seen by gets, lists and counts at once', async () => {
    await api.patch('uuids/t-gone', { name: 'Gone' });
    const list = () => api.get('uuids', { query: { filter: 'name == "Gone"', count: true, include: 'custom' } });
    expect((await list()).body).toMatchObject({ totalCount: 1 });
    await api.get('uuids/t-gone');
    expect((await api.delete('uuids/t-gone', { headers: { 'if-match': 'nope' } })).status).toBe(412);
    expect((await list()).body).toMatchObject({ totalCount: 1 });
    expect((await api.delete('uuids/t-gone')).status).toBe(200);
    expect((await list()).body).toEqual({ status: 200, data: [], totalCount: 0 });
    expect((await api.get('uuids/t-gone')).status).toBe(404);
  });
});

function idsAndNames(reply: { body: { data: { id: string; name: string; custom?: unknown }[] } }) {
  return reply.body.data.map((item) => [item.id, item.name, item.custom]);
}

describe('memberships lists and the objects they show', () => {
  const relatedChannel = 'custom,channel,channel.custom,channel.status';
  const relatedUser = 'custom,uuid,uuid.custom,uuid.status';

  it('follow PATCH set/delete, a PATCH of the related channel or user, and cascades', async () => {
    await api.patch('channels/r-one', { name: 'One', custom: { n: 1 } });
    await api.patch('channels/r-two', { name: 'Two' });
    await api.patch('uuids/r-ann', { name: 'Ann', custom: { mood: 'calm' } });
    const memberships = () => api.get('uuids/r-ann/channels', { query: { include: relatedChannel, count: true } });
    const members = () => api.get('channels/r-one/uuids', { query: { include: relatedUser, count: true } });

    const set = await api.patch(
      'uuids/r-ann/channels',
      { set: [{ channel: { id: 'r-one' }, custom: { role: 'a' } }] },
      { query: { include: relatedChannel, count: true } },
    );
    expect(set.body).toMatchObject({ totalCount: 1, data: [{ channel: { id: 'r-one', name: 'One', custom: { n: 1 } }, custom: { role: 'a' } }] });
    expect((await memberships()).body).toEqual(set.body);
    expect((await members()).body.data[0].uuid).toMatchObject({ id: 'r-ann', name: 'Ann', custom: { mood: 'calm' } });

    // The related channel changes: the membership list shows it, with and without the same include.
    await api.patch('channels/r-one', { name: 'One!', custom: { n: 2 } });
    expect((await memberships()).body.data[0].channel).toMatchObject({ name: 'One!', custom: { n: 2 } });
    // The related user changes: the members list shows it.
    await api.patch('uuids/r-ann', { name: 'Annie', custom: { mood: 'glad' } });
    expect((await members()).body.data[0].uuid).toMatchObject({ name: 'Annie', custom: { mood: 'glad' } });
    await api.patch('uuids/r-ann', { custom: { extra: true } }, { headers: { 'roster-custom-merge': 'true' } });
    expect((await members()).body.data[0].uuid.custom).toEqual({ mood: 'glad', extra: true });

    // A set with Roster-Custom-Merge on the membership itself, then a delete in the same PATCH.
    const merged = await api.patch(
      'uuids/r-ann/channels',
      { set: [{ channel: { id: 'r-one' }, custom: { level: 2 } }, { channel: { id: 'r-two' } }] },
      { headers: { 'roster-custom-merge': 'true' }, query: { include: relatedChannel, count: true } },
    );
    expect(merged.body.totalCount).toBe(2);
    expect(merged.body.data.find((m: { channel: { id: string } }) => m.channel.id === 'r-one').custom).toEqual({ role: 'a', level: 2 });
    expect((await memberships()).body).toEqual(merged.body);
    const removed = await api.patch('uuids/r-ann/channels', { delete: [{ channel: { id: 'r-two' } }] }, { query: { include: relatedChannel, count: true } });
    expect(idsOf(removed.body)).toEqual(['r-one']);
    expect((await memberships()).body).toEqual(removed.body);

    // From the channel's side.
    await api.patch('uuids/r-bob', { name: 'Bob' });
    await api.patch('channels/r-one/uuids', { set: [{ uuid: { id: 'r-bob' } }] });
    expect(idsOf((await members()).body).sort()).toEqual(['r-ann', 'r-bob']);

    // Cascade: deleting the channel (referential integrity) empties the user's list.
    expect((await api.delete('channels/r-one')).status).toBe(200);
    expect((await memberships()).body).toEqual({ status: 200, data: [], totalCount: 0 });
    expect((await api.get('uuids/r-bob/channels', { query: { count: true } })).body).toEqual({ status: 200, data: [], totalCount: 0 });
  });

  it('a membership PATCH that changes nothing answers as the list does', async () => {
    await api.patch('uuids/r-cy', { name: 'Cy' });
    await api.patch('channels/r-three', { name: 'Three' });
    await api.patch('uuids/r-cy/channels', { set: [{ channel: { id: 'r-three' }, custom: { x: 1 } }] });
    const list = await raw('uuids/r-cy/channels?include=custom,channel&count=true');
    const again = await raw('uuids/r-cy/channels?include=custom,channel&count=true', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ set: [{ channel: { id: 'r-three' }, custom: { x: 1 } }] }),
    });
    expect(again.status).toBe(200);
    expect(again.type).toBe(JSON_TYPE);
    expect(JSON.parse(again.text).data.map((m: { custom: unknown }) => m.custom)).toEqual([{ x: 1 }]);
    expect(JSON.parse((await raw('uuids/r-cy/channels?include=custom,channel&count=true')).text)).toEqual(JSON.parse(again.text));
    expect(JSON.parse(list.text).totalCount).toBe(1);
  });
});

describe('lists with different options never answer with one another’s page', () => {
  const USERS = Array.from({ length: 12 }, (_, i) => ({
    id: `l-${String(i).padStart(2, '0')}`,
    name: `n${String(11 - i).padStart(2, '0')}`,
    status: i % 2 === 0 ? 'even' : 'odd',
    custom: { i },
  }));

  it('each combination of include, limit, sort, filter, count and cursor answers its own page, asked in any order', async () => {
    for (const { id, ...body } of USERS) await api.patch(`uuids/${id}`, body);
    const combos: Record<string, string>[] = [];
    for (const include of ['', 'custom', 'status', 'custom,status'])
      for (const limit of ['1', '3', '100'])
        for (const sort of ['', 'name', 'name:desc', 'id:desc'])
          for (const filter of ['id LIKE "l-*"', 'id LIKE "l-*" && status == "even"'])
            for (const count of ['', 'true']) combos.push({ include, limit, sort, filter, count });
    const expected = (combo: Record<string, string>) => {
      let rows = USERS.filter((u) => (combo.filter!.includes('even') ? u.status === 'even' : true));
      if (combo.sort === 'name') rows = [...rows].sort((a, b) => a.name.localeCompare(b.name));
      if (combo.sort === 'name:desc') rows = [...rows].sort((a, b) => b.name.localeCompare(a.name));
      if (combo.sort === 'id:desc') rows = [...rows].reverse();
      return { ids: rows.slice(0, Number(combo.limit)).map((u) => u.id), total: rows.length };
    };
    const query = (combo: Record<string, string>) => Object.fromEntries(Object.entries(combo).filter(([, v]) => v !== ''));
    const answers = new Map<string, string>();
    for (const combo of combos) {
      const reply = await api.get('uuids', { query: query(combo) });
      const { ids, total } = expected(combo);
      expect(idsOf(reply.body), JSON.stringify(combo)).toEqual(ids);
      expect(reply.body.totalCount, JSON.stringify(combo)).toBe(combo.count ? total : undefined);
      const item = reply.body.data[0];
      expect('custom' in item, JSON.stringify(combo)).toBe(combo.include!.includes('custom'));
      expect('status' in item, JSON.stringify(combo)).toBe(combo.include!.includes('status'));
      expect('next' in reply.body).toBe(true);
      expect('prev' in reply.body).toBe(false);
      answers.set(JSON.stringify(combo), JSON.stringify(reply.body));
      // The second page, then back: its own answer.
      if (combo.limit === '3') {
        const second = await api.get('uuids', { query: { ...query(combo), start: reply.body.next } });
        expect(idsOf(second.body), JSON.stringify(combo)).toEqual(expected({ ...combo, limit: '100' }).ids.slice(3, 6));
        expect('prev' in second.body).toBe(true);
        const back = await api.get('uuids', { query: { ...query(combo), end: second.body.prev } });
        expect(idsOf(back.body), JSON.stringify(combo)).toEqual(ids);
      }
    }
    for (const combo of [...combos].reverse()) {
      expect(JSON.stringify((await api.get('uuids', { query: query(combo) })).body), JSON.stringify(combo)).toBe(answers.get(JSON.stringify(combo)));
    }
  });

  // FINDING: an ascending list's `prev` page and a descending list's `next` page from the same
  // row are the same SQL (`key < ? ORDER BY key DESC`); the page kept for one (rows already
  // flipped for `prev`) answered the other in the wrong order, with its next/prev swapped.
  it('a sort:asc prev page and a sort:desc next page from the same row are different pages', async () => {
    for (const id of ['o-a', 'o-b', 'o-c', 'o-d', 'o-e']) await api.patch(`uuids/${id}`, { name: id });
    const list = (query: Record<string, string | number>) => api.get('uuids', { query: { filter: 'id LIKE "o-*"', limit: 2, ...query } });
    // Ascending: a, b | c, d; back from c, d: a, b.
    const firstAsc = await list({ sort: 'id' });
    const secondAsc = await list({ sort: 'id', start: firstAsc.body.next });
    expect(idsOf(secondAsc.body)).toEqual(['o-c', 'o-d']);
    const backAsc = await list({ sort: 'id', end: secondAsc.body.prev });
    expect(idsOf(backAsc.body)).toEqual(['o-a', 'o-b']);
    // Descending from the row `c` (its next cursor holds `c`, as the asc prev cursor did): b, a.
    const firstDesc = await list({ sort: 'id:desc', limit: 3 });
    expect(idsOf(firstDesc.body)).toEqual(['o-e', 'o-d', 'o-c']);
    const secondDesc = await list({ sort: 'id:desc', start: firstDesc.body.next });
    expect(idsOf(secondDesc.body)).toEqual(['o-b', 'o-a']);
    expect(secondDesc.body).toHaveProperty('prev');
    // Its next page is empty, and its prev goes back to d, c.
    expect((await list({ sort: 'id:desc', start: secondDesc.body.next })).body.data).toEqual([]);
    expect(idsOf((await list({ sort: 'id:desc', end: secondDesc.body.prev })).body)).toEqual(['o-d', 'o-c']);
  });

  it('the same filter written two ways answers with its own cursors', async () => {
    const a = await api.get('uuids', { query: { filter: 'id LIKE "l-*"', limit: 2 } });
    const b = await api.get('uuids', { query: { filter: 'id  LIKE  "l-*"', limit: 2 } });
    expect(idsOf(b.body)).toEqual(idsOf(a.body));
    // Each cursor is good for its own filter text (the fingerprint holds the text).
    expect((await api.get('uuids', { query: { filter: 'id  LIKE  "l-*"', limit: 2, start: b.body.next } })).status).toBe(200);
    expect((await api.get('uuids', { query: { filter: 'id LIKE "l-*"', limit: 2, start: a.body.next } })).status).toBe(200);
    expect((await api.get('uuids', { query: { filter: 'id LIKE "l-*"', limit: 2, start: a.body.next } })).body.data).toHaveLength(2);
  });

  it('keysets, and users against channels, with the same list do not share pages', async () => {
    await other.patch('uuids/k-one', { name: 'in other' });
    await api.patch('uuids/k-one', { name: 'in demo' });
    await api.patch('channels/k-one', { name: 'a channel' });
    const q = { query: { filter: 'id == "k-one"', include: 'custom' } };
    expect((await api.get('uuids', q)).body.data[0].name).toBe('in demo');
    expect((await other.get('uuids', q)).body.data[0].name).toBe('in other');
    expect((await api.get('channels', q)).body.data[0].name).toBe('a channel');
    expect((await api.get('uuids', q)).body.data[0].name).toBe('in demo');
  });

  it('memberships and members of the same ids are different lists', async () => {
    await api.patch('uuids/same-id', { name: 'u' });
    await api.patch('channels/same-id', { name: 'c' });
    await api.patch('uuids/same-id/channels', { set: [{ channel: { id: 'same-id' }, custom: { side: 'u' } }] });
    const memberships = await api.get('uuids/same-id/channels', { query: { include: 'custom,channel' } });
    const members = await api.get('channels/same-id/uuids', { query: { include: 'custom,uuid' } });
    expect(Object.keys(memberships.body.data[0])[0]).toBe('channel');
    expect(Object.keys(members.body.data[0])[0]).toBe('uuid');
  });
});

describe('many distinct lists', () => {
  // A node whose heap cannot hold every page: keeping them all (well over 200 MB here) would run
  // it out of memory and fail the lists; the 100 pages kept and their texts take about 15 MB.
  const small = useServer({ keysets: [{ publishKey: 'demo', subscribeKey: 'demo' }], nodeOptions: ['--max-old-space-size=160'] });
  const lists = objectsClient(small);

  it('thousands of distinct lists keep memory bounded and the first list right', async () => {
    for (let i = 0; i < 60; i++) await lists.patch(`uuids/m-${String(i).padStart(3, '0')}`, { name: 'm', custom: { pad: 'x'.repeat(400), i } });
    const query = (filter: string) => ({ query: { filter, include: 'custom', limit: 100, count: true } });
    const first = await lists.get('uuids', query('id LIKE "m-*"'));
    expect(first.body.totalCount).toBe(60);
    for (let i = 0; i < 2400; i += 8) {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, j) => lists.get('uuids', query(`id LIKE "m-*" && custom.i != ${i + j}`))));
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    }
    expect(await lists.get('uuids', query('id LIKE "m-*"'))).toMatchObject({ body: first.body });
    await lists.patch('uuids/m-000', { name: 'changed' });
    expect((await lists.get('uuids', query('id LIKE "m-*"'))).body.data[0].name).toBe('changed');
  }, 120_000);

  // Each of these short requests (about 6 KB) makes a statement of about 400 KB: eight sort keys
  // on long `custom` names, each bound several times per page-boundary term. Keeping the
  // statements, or keys made of them, with the lists asked (hundreds) would fill this heap.
  it('hundreds of lists whose statements are far longer than their requests keep memory bounded', async () => {
    await lists.patch('uuids/u1', { name: 'u' });
    const statuses = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const sort = Array.from({ length: 8 }, (_, k) => `custom.${String(i).padStart(4, '0')}${k}${'x'.repeat(680)}:${k % 2 ? 'asc' : 'desc'}`).join(',');
      const cursor = encodeCursor(
        'next',
        [...Array.from({ length: 16 }, (_, k) => (k % 2 ? '' : 0)), 'u1'],
        listFingerprint({ resource: 'uuids', subKey: 'demo', ownerId: undefined, sort, filter: '' }),
      );
      statuses.add((await lists.get('uuids', { query: { count: true, sort, start: cursor } })).status);
    }
    expect([...statuses]).toEqual([200]);
    expect((await lists.get('uuids', { query: { filter: 'id == "u1"' } })).body.data).toHaveLength(1);
  }, 120_000);
});

describe('keyset admin changes', () => {
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}/admin/v1/keysets${path}`, {
      method,
      headers: { authorization: 'Bearer admin-secret-of-the-answer-caches', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : null,
    });

  it('turning referential integrity on makes the next delete cascade, and lists show it', async () => {
    await other.patch('uuids/a-user/channels', { set: [{ channel: { id: 'a-chan' } }] });
    await other.patch('channels/a-chan', { name: 'A' });
    const members = () => other.get('channels/a-chan/uuids', { query: { count: true } });
    expect((await members()).body.totalCount).toBe(1);
    expect((await other.delete('uuids/a-user')).status).toBe(200);
    expect((await members()).body.totalCount).toBe(1); // no cascade: the membership stays
    expect((await admin('PATCH', '/other', { referentialIntegrity: true })).status).toBe(200);
    await other.patch('uuids/a-user2', { name: 'two' });
    await other.patch('uuids/a-user2/channels', { set: [{ channel: { id: 'a-chan' } }] });
    expect((await members()).body.totalCount).toBe(2);
    await expect
      .poll(async () => {
        await other.patch('uuids/a-user3', { name: 'three' });
        await other.patch('uuids/a-user3/channels', { set: [{ channel: { id: 'a-chan' } }] });
        await other.delete('uuids/a-user3');
        return (await members()).body.totalCount;
      })
      .toBe(2); // the settings reach the node within a moment: then each delete cascades
  });
});

describe('subscribe polls woken by one publish', () => {
  const subscribe = async (subKey: string, channels: string, query: Record<string, string>) => {
    const q = Object.entries(query)
      .map(([k, v]) => `${k}=${encode(v)}`)
      .join('&');
    const response = await fetch(`${server.url}/v2/subscribe/${subKey}/${channels.split(',').map(encode).join(',')}/0?${q}`);
    return (await response.json()) as { t: { t: string; r: number }; m: { c: string; b?: string; d: unknown }[] };
  };
  /** Polls held by every node (on a cluster the proxy spreads them over its nodes). */
  const heldPolls = async (): Promise<number> => {
    const counts = await Promise.all(
      server.nodes.map(async (node) => {
        const text = await (await fetch(`${node}/metrics`)).text();
        return Number(/^roster_subscribe_held_polls (\S+)$/m.exec(text)?.[1] ?? NaN);
      }),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  };
  const publish = (pub: string, sub: string, channel: string, payload: unknown, meta?: unknown) =>
    fetch(
      `${server.url}/publish/${pub}/${sub}/0/${encode(channel)}/0/${encode(JSON.stringify(payload))}${meta ? `?meta=${encode(JSON.stringify(meta))}` : ''}`,
    );

  it('each gets what it waits for: filters, groups, cursors, keysets and regions', async () => {
    const group = `/v1/channel-registration/sub-key/demo/channel-group/g-live?add=s-live`;
    expect((await fetch(`${server.url}${group}`)).status).toBe(200);
    const start = (await subscribe('demo', 's-live', {})).t.t;
    // A message before the polls: only the poll at the older cursor gets it.
    await publish('demo', 'demo', 's-live', 'early', { to: 'all' });
    const now = (await subscribe('demo', 's-live', {})).t.t;
    const polls = [
      subscribe('demo', 's-live', { tt: now, tr: '1' }),
      subscribe('demo', 's-live', { tt: now, tr: '1', 'filter-expr': 'to == "x"' }),
      subscribe('demo', 's-live', { tt: now, tr: '1', 'filter-expr': 'to == "all"' }),
      subscribe('demo', ',', { tt: now, tr: '1', 'channel-group': 'g-live' }),
      subscribe('demo', 's-live', { tt: start, tr: '1' }),
      subscribe('other', 's-live', { tt: now, tr: '1' }),
      subscribe('demo', 's-live', { tt: now, tr: '7' }),
      subscribe('demo', 's-live,s-live-pnpres', { tt: now, tr: '1' }),
    ];
    // The one at the older cursor answers at once with the early message.
    await expect.poll(heldPolls, { timeout: 5000, interval: 50 }).toBe(7);
    await publish('demo', 'demo', 's-live', 'late', { to: 'all' });
    await publish('other', 'other', 's-live', 'other keyset');
    const settled = await Promise.all(polls.map((poll) => Promise.race([poll, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 6000))])));
    const answers = settled.filter((_, i) => i !== 1);
    expect(answers.map((answer) => (answer === 'timeout' ? answer : answer.m.map((m) => m.d)))).toEqual([
      ['late'],
      ['late'],
      ['late'],
      ['early'],
      ['other keyset'],
      ['late'],
      ['late'],
    ]);
    const [plain, passed, grouped, older, otherKeyset, region, withPresence] = answers as Awaited<(typeof polls)[number]>[];
    expect(plain!.m.map((m) => m.d)).toEqual(['late']);
    expect(passed!.m.map((m) => m.d)).toEqual(['late']);
    expect(grouped!.m.map((m) => [m.d, m.b])).toEqual([['late', 'g-live']]);
    expect(older!.m.map((m) => m.d)).toEqual(['early']); // answered at once, before the others were woken
    expect(otherKeyset!.m.map((m) => m.d)).toEqual(['other keyset']);
    expect(region!.m.map((m) => m.d)).toEqual(['late']);
    expect(withPresence!.m.map((m) => m.d)).toEqual(['late']);
    // The cursors given out: polls at the same place get the same, moving past the message.
    expect(passed!.t.t).toBe(plain!.t.t);
    expect(BigInt(plain!.t.t)).toBeGreaterThan(BigInt(now));
    // The refused one still waits.
    expect(await heldPolls()).toBeGreaterThanOrEqual(1);
    await publish('demo', 'demo', 's-live', 'for x', { to: 'x' });
    expect((await polls[1]!).m.map((m) => m.d)).toEqual(['for x']);
  }, 30_000);

  it('many alike polls woken together each get the message once, and a heartbeat still answers', async () => {
    const now = (await subscribe('demo', 's-many', {})).t.t;
    const polls = Array.from({ length: 50 }, (_, i) => subscribe('demo', 's-many', { tt: now, tr: '1', uuid: `u${i}`, heartbeat: '60' }));
    await expect.poll(heldPolls, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(50);
    await publish('demo', 'demo', 's-many', { n: 1 });
    const answers = await Promise.all(polls);
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toHaveProperty('size', 1);
    expect(answers[0]!.m.map((m) => m.d)).toEqual([{ n: 1 }]);
    const heartbeat = await fetch(`${server.url}/v2/presence/sub-key/demo/channel/s-many/heartbeat?uuid=u0&heartbeat=60`);
    expect(heartbeat.status).toBe(200);
    const here = await fetch(`${server.url}/v2/presence/sub-key/demo/channel/s-many`);
    expect(((await here.json()) as { occupancy: number }).occupancy).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
