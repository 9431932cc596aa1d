/**
 * Attacks on the cut sort keys (query/collation.ts `SORT_KEY_BYTES`) over real HTTP: cursors
 * that hold cut keys, paging through texts that tie at the cut, both ways. Runs on both stores
 * (`npx vitest run <file>`, and on the cluster target).
 */
import { useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';
import { objectsClient, type Reply } from './http.ts';

const ids = (reply: Reply): string[] => reply.body.data.map((item: { id: string }) => item.id);

function expectOk(reply: Reply, what: string): void {
  expect(reply.status, `${what}: ${JSON.stringify(reply.body).slice(0, 300)}`).toBe(200);
}

/** Follows `next` (or `prev` from the end) until the list runs out, collecting ids. */
async function walk(api: ReturnType<typeof objectsClient>, query: Record<string, string | number>, way: 'next' | 'prev'): Promise<string[]> {
  const seen: string[] = [];
  let first = await api.get('uuids', { query: { ...query } });
  expectOk(first, 'first page');
  if (way === 'prev') {
    // Walk to the last page first, then back.
    let page = first;
    while (page.body.next && page.body.data.length > 0) {
      const following = await api.get('uuids', { query: { ...query, start: page.body.next } });
      expectOk(following, 'next page');
      if (following.body.data.length === 0) break;
      page = following;
    }
    first = page;
  }
  let page = first;
  for (let guard = 0; guard < 200; guard++) {
    const got = ids(page);
    if (way === 'next') seen.push(...got);
    else seen.unshift(...got);
    const cursor = way === 'next' ? page.body.next : page.body.prev;
    if (!cursor || got.length === 0) break;
    page = await api.get('uuids', { query: { ...query, [way === 'next' ? 'start' : 'end']: cursor } });
    expectOk(page, `${way} page`);
    if (page.body.data.length === 0) break;
  }
  return seen;
}

describe('cursors of lists sorted by custom values whose cut keys escape widely in JSON', () => {
  const server = useServer();
  const api = objectsClient(server);
  // A control character is 1 byte of key and 6 bytes of JSON (`\u0001`): when cursors were JSON,
  // five keys cut at ~1,021 of them made a cursor of ~41 KB of base64url, past the 32 KiB a URL may
  // have (http/app.ts MAX_URL_BYTES), while the record itself (~31 KB serialized) is within
  // `maxRecordBytes`. Cursors now carry the keys' bytes as they are (query/cursor.ts).
  const wide = (seed: string) => `${seed}${'\u0001'.repeat(1025)}`;
  const fields = ['a', 'b', 'c', 'd', 'e'];

  it('can still be followed to the next page', async () => {
    for (const id of ['w1', 'w2', 'w3']) {
      const custom = Object.fromEntries(fields.map((field) => [field, wide(field)]));
      const set = await api.patch(`uuids/${id}`, { name: id, custom });
      expectOk(set, id);
    }
    const sort = fields.map((field) => `custom.${field}`).join(',');
    const first = await api.get('uuids', { query: { sort, limit: 1 } });
    expectOk(first, 'first page');
    expect(ids(first)).toEqual(['w1']);
    const cursor: string = first.body.next;
    const second = await api.get('uuids', { query: { sort, limit: 1, start: cursor } });
    expect(second.status, `cursor of ${cursor.length} characters: ${JSON.stringify(second.body).slice(0, 300)}`).toBe(200);
    expect(ids(second)).toEqual(['w2']);
  });
});

describe('paging through long names that tie at the cut', () => {
  const server = useServer();
  const api = objectsClient(server);
  /** 1,200 letters shared: more than the key keeps, so every name below ties and sorts by id. */
  const shared = Array.from({ length: 1200 }, (_, i) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[(i * 7) % 26]).join('');
  // Ids chosen so that id order and full-text order disagree.
  const names: Record<string, string> = {
    t01: `${shared}z`,
    t02: `${shared}y`,
    t03: `${shared}x`,
    t04: `${shared.toLowerCase()}a`,
    t05: `${shared}Ä`,
    t06: `${shared}`,
    t07: `${shared}${'\u{1F600}'.repeat(20)}`,
    a00: 'Aaron',
    z99: 'Zed',
  };
  const byName = ['a00', 't01', 't02', 't03', 't04', 't05', 't06', 't07', 'z99'];

  it('pages next and prev, asc and desc, at every page size, never losing or repeating a row', async () => {
    for (const [id, name] of Object.entries(names)) expectOk(await api.patch(`uuids/${id}`, { name, status: id.startsWith('t') ? 'tie' : 'x' }), id);
    for (const [sort, expected] of [
      ['name', byName],
      ['name:desc', [...byName].reverse()],
      // The id breaks ties in the direction of the last sort term.
      ['name,status:desc', ['a00', 't07', 't06', 't05', 't04', 't03', 't02', 't01', 'z99']],
      ['status,name:desc', ['t07', 't06', 't05', 't04', 't03', 't02', 't01', 'z99', 'a00']],
    ] as const) {
      expect(ids(await api.get('uuids', { query: { sort, limit: 100 } })), sort).toEqual(expected);
      for (const limit of [1, 2, 3, 4]) {
        expect(await walk(api, { sort, limit }, 'next'), `${sort} next ${limit}`).toEqual(expected);
        expect(await walk(api, { sort, limit }, 'prev'), `${sort} prev ${limit}`).toEqual(expected);
      }
    }
  });

  it('finds each tied name whole with ==, and only the LIKE matches past the cut', async () => {
    for (const [id, name] of Object.entries(names)) {
      const found = await api.get('uuids', { query: { filter: `name == "${name}"`, sort: 'name', limit: 100 } });
      expect(ids(found), id).toEqual([id]);
    }
    const like = (pattern: string) => api.get('uuids', { query: { filter: `name LIKE "${pattern}"`, sort: 'name', limit: 100 } });
    expect(ids(await like(`${shared}*`))).toEqual(['t01', 't02', 't03', 't04', 't05', 't06', 't07']);
    expect(ids(await like(`${shared}Z`))).toEqual(['t01']);
    expect(ids(await like(`${shared}a*`))).toEqual(['t04']); // LIKE ignores case, not accents
    expect(ids(await like(`${shared}*Y`))).toEqual(['t02']);
    expect(ids(await like(`*${shared.slice(600)}x`))).toEqual(['t03']);
    expect(ids(await like(`${shared}\u{1F600}*`))).toEqual(['t07']);
    expect(ids(await like(`${shared}\u{1F600}*\u{1F600}`))).toEqual(['t07']);
  });
});
