/**
 * Texts as long as the limits allow (decisions.md "Limits": a name of 2,048 characters), set,
 * listed, sorted and filtered on over real HTTP. Their sort keys are cut to `SORT_KEY_BYTES`
 * (query/collation.ts) so that PostgreSQL's B-tree entries (2,704 bytes at most) hold them:
 * texts that agree on their first letters past that bound sort together, by id. Runs on both
 * stores (`npx vitest run <file>`, and on the cluster target).
 */
import Database from 'better-sqlite3';
import postgres from 'postgres';
import { join } from 'node:path';
import { onCluster, startServer, useServer, type RunningServer } from '@roster/testing';
import { clusterPlace } from '@roster/testing/cluster';
import { afterAll, describe, expect, it } from 'vitest';
import { COLLATION_STAMP, COLLATION_VERSION, SORT_KEY_BYTES, sortKey } from '../src/query/collation.ts';
import { objectsClient, type ObjectsClient, type Reply } from './http.ts';

/** `length` characters of `alphabet` in a fixed pseudo-random order: text that barely compresses, as real text. */
function scrambled(alphabet: readonly string[], length: number, seed: number): string {
  let state = seed;
  return Array.from({ length }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return alphabet[state % alphabet.length]!;
  }).join('');
}

/** Letters, digits and spaces: nothing a filter literal would have to escape, and no `*`. */
const ASCII = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '];
/** CJK ideographs: three bytes of UTF-8 each, without case or accents. */
const CJK = Array.from({ length: 20_000 }, (_, i) => String.fromCodePoint(0x4e00 + i));
/** ﷺ: one character whose base letters (NFKD) are eighteen Arabic letters and spaces. */
const LIGATURE = '\uFDFA';

const NAME_LIMIT = 2048;
/** 1,500 characters shared by two names: more than the key keeps. */
const SHARED = `M${scrambled(ASCII, 1499, 1)}`;
const NAMES = {
  'long-a': 'Aaron',
  // They differ after SHARED, past the bound: they tie on their keys, and their ids order them.
  'long-m1': `${SHARED}${scrambled(ASCII, NAME_LIMIT - SHARED.length, 2)}`,
  'long-m2': `${SHARED}${scrambled(ASCII, NAME_LIMIT - SHARED.length, 3)}`,
  'long-z': 'Zed',
  'long-ligature': LIGATURE.repeat(NAME_LIMIT),
  'long-cjk': scrambled(CJK, NAME_LIMIT, 4),
} as const;
type UserId = keyof typeof NAMES;
/** By base letters (Arabic before CJK), ties by id. */
const BY_NAME: UserId[] = ['long-a', 'long-m1', 'long-m2', 'long-z', 'long-ligature', 'long-cjk'];

const ids = (reply: Reply): string[] => reply.body.data.map((item: { id: string }) => item.id);

function expectOk(reply: Reply, what: string): void {
  expect(reply.status, `${what}: ${JSON.stringify(reply.body).slice(0, 300)}`).toBe(200);
}

async function setUsers(api: ObjectsClient): Promise<void> {
  for (const [id, name] of Object.entries(NAMES)) {
    const reply = await api.patch(`uuids/${id}`, { name, status: LIGATURE.repeat(50) }, { query: { include: 'status' } });
    expectOk(reply, id);
    expect(reply.body.data.name).toBe(name);
  }
}

describe('texts as long as the limits allow', () => {
  const server = useServer();
  const api = objectsClient(server);
  const names = (filter: string) => api.get('uuids', { query: { filter, sort: 'name', limit: 100 } });

  it('are set on users, a channel and a membership, and read back whole', async () => {
    await setUsers(api);
    const externalId = scrambled(CJK, 4000, 5);
    const user = await api.patch('uuids/long-m1', { externalId, profileUrl: `https://example.com/${scrambled(ASCII, 3000, 6).replaceAll(' ', '/')}` });
    expectOk(user, 'user externalId and profileUrl');
    expect(user.body.data.externalId).toBe(externalId);

    const channel = { name: scrambled(CJK, NAME_LIMIT, 7), description: scrambled(ASCII, NAME_LIMIT, 8), status: LIGATURE.repeat(50) };
    expectOk(await api.patch('channels/long-channel', channel), 'channel');
    expectOk(await api.patch('channels/short-channel', { name: 'Alpha' }), 'short channel');
    expect((await api.get('channels/long-channel')).body.data).toMatchObject({ name: channel.name, description: channel.description });

    const membership = { status: LIGATURE.repeat(50), type: scrambled(CJK, 50, 9) };
    const set = await api.patch('uuids/long-m1/channels', {
      set: [
        { channel: { id: 'long-channel' }, ...membership },
        { channel: { id: 'short-channel' }, status: 'joined' },
      ],
    });
    expectOk(set, 'memberships');
    const listed = await api.get('uuids/long-m1/channels', {
      query: { include: 'status,type,channel', sort: 'channel.name', filter: `status == "${membership.status}"` },
    });
    expect(listed.body.data).toMatchObject([{ channel: { id: 'long-channel', name: channel.name }, ...membership }]);
    const byChannelName = await api.get('uuids/long-m1/channels', { query: { sort: 'channel.name:desc' } });
    expect(byChannelName.body.data.map((item: { channel: { id: string } }) => item.channel.id)).toEqual(['long-channel', 'short-channel']);
  });

  it('sort by their first letters, both ways; texts that agree past the bound sort by id', async () => {
    await setUsers(api);
    expect(ids(await api.get('uuids', { query: { sort: 'name', limit: 100 } }))).toEqual(BY_NAME);
    expect(ids(await api.get('uuids', { query: { sort: 'name:desc', limit: 100 } }))).toEqual([...BY_NAME].reverse());
    // Paged one by one, through cursors holding the keys.
    const paged: string[] = [];
    let next: string | undefined;
    do {
      const page = await api.get('uuids', { query: { sort: 'name', limit: 1, ...(next ? { start: next } : {}) } });
      expectOk(page, 'page');
      paged.push(...ids(page));
      next = page.body.data.length > 0 ? page.body.next : undefined;
    } while (next);
    expect(paged).toEqual(BY_NAME);
  });

  it('are found whole with ==', async () => {
    await setUsers(api);
    for (const [id, name] of Object.entries(NAMES)) expect(ids(await names(`name == "${name}"`)), id).toEqual([id]);
    expect(ids(await names(`name == "${NAMES['long-m1'].slice(0, -1)}"`))).toEqual([]);
  });

  it('are found by a LIKE prefix longer than the bound, which LIKE still matches exactly', async () => {
    await setUsers(api);
    expect(ids(await names(`name LIKE "${SHARED}*"`))).toEqual(['long-m1', 'long-m2']);
    expect(ids(await names(`name LIKE "${SHARED.toLowerCase()}*"`))).toEqual(['long-m1', 'long-m2']);
    expect(ids(await names(`name LIKE "${NAMES['long-m2'].slice(0, 1800)}*"`))).toEqual(['long-m2']);
    expect(ids(await names(`name LIKE "${SHARED}~*"`))).toEqual([]);
    expect(ids(await names(`!(name LIKE "${SHARED}*")`))).toEqual(['long-a', 'long-z', 'long-ligature', 'long-cjk']);
    expect(ids(await names(`name LIKE "${LIGATURE.repeat(400)}*"`))).toEqual(['long-ligature']);
    expect(ids(await names(`name LIKE "${NAMES['long-cjk'].slice(0, 1500)}*"`))).toEqual(['long-cjk']);
  });
});

/** The stored `name_key` of every user, and the stamp its keys were computed with, changed as an older release would have left them. */
interface StoredKeys {
  /** Writes a wrong key to every user and an older collation's stamp. */
  age(): Promise<void>;
  /** Each user's stored name key (its UTF-8 bytes), by id. */
  keys(): Promise<Map<string, Buffer>>;
  stamp(): Promise<string>;
  close(): Promise<void>;
}

const OLDER_STAMP = `roster-collation-${COLLATION_VERSION - 1} unicode-${process.versions.unicode ?? 'unknown'}`;

async function storedKeys(server: RunningServer): Promise<StoredKeys> {
  if (onCluster) {
    const sql = postgres((await clusterPlace(server.dir)).store, { max: 1, onnotice: () => {} });
    return {
      age: async () => {
        await sql`UPDATE uuids SET name_key = decode('00', 'hex')`;
        await sql`UPDATE roster_meta SET value = ${OLDER_STAMP} WHERE name = 'collation'`;
      },
      keys: async () => new Map((await sql<{ id: string; key: Buffer }[]>`SELECT id, name_key AS key FROM uuids`).map((row) => [row.id, row.key])),
      stamp: async () => String((await sql`SELECT value FROM roster_meta WHERE name = 'collation'`)[0]?.['value']),
      close: () => sql.end(),
    };
  }
  const db = new Database(join(server.dir, 'roster.db'));
  return {
    age: async () => {
      db.prepare(`UPDATE uuids SET name_key = char(0)`).run();
      db.prepare(`UPDATE roster_meta SET value = ? WHERE name = 'collation'`).run(OLDER_STAMP);
    },
    keys: async () => {
      const rows = db.prepare(`SELECT id, CAST(name_key AS BLOB) AS key FROM uuids`).all() as { id: string; key: Buffer }[];
      return new Map(rows.map((row) => [row.id, row.key]));
    },
    stamp: async () => String(db.prepare(`SELECT value FROM roster_meta WHERE name = 'collation'`).pluck().get()),
    close: async () => {
      db.close();
    },
  };
}

describe('a node started on a database whose keys an older collation computed', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const server of servers.reverse()) await server.close();
  });

  it('computes every key again, cut to the bound, and sorts by them', async () => {
    const first = await startServer();
    servers.push(first);
    await setUsers(objectsClient(first));
    await first.stop();
    const old = await storedKeys(first);
    try {
      await old.age();
    } finally {
      await old.close();
    }

    const again = await startServer({ dir: first.dir });
    servers.push(again);
    expect(ids(await objectsClient(again).get('uuids', { query: { sort: 'name', limit: 100 } }))).toEqual(BY_NAME);
    await again.stop();
    const stored = await storedKeys(again);
    try {
      expect(await stored.stamp()).toBe(COLLATION_STAMP);
      const keys = await stored.keys();
      for (const [id, name] of Object.entries(NAMES)) {
        expect(keys.get(id)?.toString('utf8'), id).toBe(sortKey(name));
        expect(keys.get(id)!.length, id).toBeLessThanOrEqual(SORT_KEY_BYTES);
      }
    } finally {
      await stored.close();
    }
  });
});
