/**
 * Attacks over real HTTP on the SQLite write path of 4b4bac3: writes that read the record cache,
 * compare fields and update only changed columns, with one outbox row per group commit. Bursts
 * of concurrent requests (one group commit takes all a turn brings) mix writes that succeed with
 * 412s, size refusals and deletes of the same ids; every acknowledged write must read back as
 * answered and its App Context event arrive exactly once, and no refused write's. Then a kill -9
 * amid writes with NATS JetStream as the bus (it dedupes by outbox key, so after the restart each
 * acknowledged write's event is there exactly once), writes while NATS is down, and a database of
 * the release before (schema 8) with events still waiting in its `outbox` table.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, useServer, type RunningServer } from '@roster/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { toStored } from '../src/model/instant.ts';
import { SqliteStore } from '../src/store/sqlite/index.ts';
import { encode } from './http.ts';
import { PrivateNats, privateNatsUnavailable } from './private-nats.ts';
import { Subscriber, type Envelope } from './subscriber.ts';

/**
 * An answer's `updated` in a form whose text order is time order: the wire trims the fraction's
 * trailing zeros (`…:17.6572Z` is before `…:17.657235Z`, though not as text).
 */
const instant = (updated: string): string => toStored(updated) ?? updated;

interface Answer {
  status: number;
  body: any;
}

interface Stored {
  id: string;
  name: string | null;
  email: string | null;
  status: string | null;
  custom: Record<string, unknown> | null;
  updated: string;
  eTag: string;
}

const range = (count: number) => Array.from({ length: count }, (_, n) => n);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let unique = 0;
const fresh = (what: string) => `${what}-${++unique}-${Date.now().toString(36)}`;
const SMALL_LIMIT = 700;

/** The stored form of a wire `updated`: six fraction digits (the wire trims trailing zeros). */
const storedInstant = (wire: string) => wire.replace(/(?:\.(\d*))?Z$/, (_, fraction: string | undefined) => `.${(fraction ?? '').padEnd(6, '0')}Z`);

/** Group commits and the writes in them so far, from `/metrics`. */
async function groupCommits(url: string): Promise<{ groups: number; writes: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { groups: value('roster_store_group_commit_writes_count'), writes: value('roster_store_group_commit_writes_sum') };
}

async function call(
  url: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> | undefined; subKey?: string | undefined } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}/v2/objects/${options.subKey ?? 'demo'}/${path}${path.includes('?') ? '&' : '?'}include=custom,status`, {
    method,
    headers,
    body: options.body === undefined ? null : JSON.stringify(options.body),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

const patchUser = (url: string, id: string, body: unknown, headers?: Record<string, string>, subKey?: string) =>
  call(url, 'PATCH', `uuids/${encode(id)}`, { body, headers, subKey });
const getUser = (url: string, id: string, subKey?: string) => call(url, 'GET', `uuids/${encode(id)}`, { subKey });
const deleteUser = (url: string, id: string, headers?: Record<string, string>) => call(url, 'DELETE', `uuids/${encode(id)}`, { headers });
const dataOf = (answer: Answer): Stored => answer.body.data as Stored;

/** User set and delete events in `received`, by user id. */
const userEvents = (received: readonly Envelope[], id: string) =>
  received.filter((envelope) => envelope.e === 2 && envelope.d?.type === 'uuid' && envelope.d?.data?.id === id);

async function subscribed(url: string, channels: string[]): Promise<Subscriber> {
  const subscriber = new Subscriber({ nodes: [url], first: 0, channels, uuid: fresh('watcher'), pollTimeoutMs: 8000 });
  await subscriber.start();
  return subscriber;
}

/** How many times each eTag came in set events; `sets` the events' data. */
function eTagCounts(received: readonly Envelope[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const envelope of received) {
    const eTag = envelope.e === 2 && envelope.d?.event === 'set' ? (envelope.d?.data?.eTag as string | undefined) : undefined;
    if (eTag !== undefined) counts.set(eTag, (counts.get(eTag) ?? 0) + 1);
  }
  return counts;
}

describe('SQLite writes in concurrent bursts, over HTTP', () => {
  const server = useServer({
    args: ['--subscribe-hold', '2', '--metrics', 'on'],
    keysets: [
      { publishKey: 'demo', subscribeKey: 'demo', referentialIntegrity: true },
      { publishKey: 'small', subscribeKey: 'small', limits: { maxRecordBytes: SMALL_LIMIT } },
    ],
  });
  const subscribers: Subscriber[] = [];
  afterEach(async () => {
    for (const subscriber of subscribers.splice(0)) await subscriber.stop();
  });
  const watch = async (channels: string[]) => {
    const subscriber = await subscribed(server.url, channels);
    subscribers.push(subscriber);
    return subscriber;
  };

  it('lets exactly one of thirty writes conditioned on one eTag through, and announces only that one', async () => {
    const id = fresh('race');
    const created = dataOf(await patchUser(server.url, id, { name: 'v0', custom: { keep: true } }));
    expect((await getUser(server.url, id)).status).toBe(200); // cached now
    const subscriber = await watch([id]);
    const answers = await Promise.all(
      range(30).map((n) =>
        n % 10 === 9
          ? deleteUser(server.url, id, { 'if-match': created.eTag })
          : patchUser(server.url, id, { name: `v${n + 1}` }, { 'if-match': created.eTag }),
      ),
    );
    const won = answers.flatMap((answer, n) => (answer.status === 200 ? [n] : []));
    expect(won, JSON.stringify(answers.map((answer) => answer.status))).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 412)).toHaveLength(29);
    const winner = won[0]!;
    const after = await getUser(server.url, id);
    if (winner % 10 === 9) {
      expect(after.status).toBe(404);
    } else {
      expect(after.body.data).toEqual(answers[winner]!.body.data);
      expect(after.body.data).toMatchObject({ name: `v${winner + 1}`, custom: { keep: true } });
    }
    await pause(800);
    expect(userEvents(subscriber.received, id)).toHaveLength(1);
  });

  it('announces each acknowledged write of bursts mixing successes, 412s, size refusals and merges exactly once, and no refused one', async () => {
    const ids = range(5).map(() => fresh('mixed'));
    const subscriber = await watch(ids);
    const acknowledged: Stored[] = [];
    const refused: Answer[] = [];
    const commitsBefore = await groupCommits(server.url);
    for (let round = 0; round < 6; round++) {
      const requests = ids.flatMap((id, i) => [
        patchUser(server.url, id, { name: `r${round}-${i}-a`, email: `${round}@example.com` }),
        patchUser(server.url, id, { name: `r${round}-${i}-too-big`, custom: { fill: 'x'.repeat(40_000) } }),
        patchUser(server.url, id, { name: `r${round}-${i}-stale` }, { 'if-match': 'not-the-etag' }),
        patchUser(server.url, id, { custom: { [`k${round}`]: round, both: `${round}` } }, { 'roster-custom-merge': 'true' }),
        deleteUser(server.url, id, { 'if-match': 'not-the-etag' }),
        patchUser(server.url, id, { status: `s${round}` }),
      ]);
      for (const answer of await Promise.all(requests)) {
        if (answer.status === 200) acknowledged.push(dataOf(answer));
        else refused.push(answer);
      }
    }
    expect(acknowledged).toHaveLength(ids.length * 6 * 3);
    const commitsAfter = await groupCommits(server.url);
    const groups = commitsAfter.groups - commitsBefore.groups;
    const units = commitsAfter.writes - commitsBefore.writes;
    // The bursts did share group commits (else this tests nothing of them).
    expect(units / groups, `${units} writes in ${groups} group commits`).toBeGreaterThan(1.5);
    expect(refused.map((answer) => answer.status).sort()).toEqual([...range(30).map(() => 400), ...range(60).map(() => 412)]);
    expect(new Set(acknowledged.map((data) => data.eTag)).size).toBe(acknowledged.length);
    for (const id of ids) {
      const mine = acknowledged.filter((data) => data.id === id).sort((a, b) => (instant(a.updated) < instant(b.updated) ? -1 : 1));
      const latest = mine.at(-1)!;
      expect((await getUser(server.url, id)).body.data, id).toEqual(latest);
      // Each write saw the one before it: the merged keys only grow.
      expect(Object.keys(latest.custom ?? {}).sort()).toEqual(['both', 'k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
    }
    await expect.poll(() => eTagCounts(subscriber.received).size, { timeout: 10_000 }).toBeGreaterThanOrEqual(acknowledged.length);
    await pause(500);
    const counts = eTagCounts(subscriber.received);
    expect([...counts.entries()].filter(([, count]) => count !== 1)).toEqual([]);
    expect(acknowledged.filter((data) => !counts.has(data.eTag)).map((data) => data.eTag)).toEqual([]);
    expect(counts.size).toBe(acknowledged.length);
    const setEvents = ids.flatMap((id) => userEvents(subscriber.received, id)).filter((envelope) => envelope.d.event === 'set');
    for (const envelope of setEvents) {
      const data = acknowledged.find((answer) => answer.eTag === envelope.d.data.eTag)!;
      expect(envelope.d.data.updated).toBe(data.updated);
    }
  });

  it('keeps the cache and the table agreeing through deletes, re-creations and membership cascades sent in one turn', async () => {
    const id = fresh('cascade');
    const rooms = range(3).map(() => fresh('room'));
    for (const room of rooms) expect((await call(server.url, 'PATCH', `channels/${room}`, { body: { name: room } })).status).toBe(200);
    for (let round = 0; round < 8; round++) {
      expect((await patchUser(server.url, id, { name: `before ${round}`, email: 'kept@example.com' })).status).toBe(200);
      expect((await call(server.url, 'PATCH', `uuids/${id}/channels`, { body: { set: rooms.map((room) => ({ channel: { id: room } })) } })).status).toBe(200);
      await getUser(server.url, id);
      const order = round % 2 === 0 ? ['delete', 'patch', 'join'] : ['patch', 'delete', 'join'];
      const answers = await Promise.all(
        order.map((what) =>
          what === 'delete'
            ? deleteUser(server.url, id)
            : what === 'patch'
              ? patchUser(server.url, id, { name: `after ${round}` })
              : call(server.url, 'PATCH', `uuids/${id}/channels`, { body: { set: [{ channel: { id: rooms[0] } }] } }),
        ),
      );
      const [deleted, patched] = order[0] === 'delete' ? [answers[0]!, answers[1]!] : [answers[1]!, answers[0]!];
      expect(deleted.status).toBe(200);
      expect(patched.status).toBe(200);
      const now = await getUser(server.url, id);
      const memberships = await call(server.url, 'GET', `uuids/${id}/channels`);
      if (now.status === 404) {
        // The delete came last: its cascade took every membership.
        expect(memberships.body.data).toEqual([]);
        continue;
      }
      expect(now.body.data, `round ${round}`).toEqual(patched.body.data);
      for (const membership of memberships.body.data as { channel: { id: string } }[]) expect(rooms).toContain(membership.channel.id);
      const next = await patchUser(server.url, id, { status: 'checked' }, { 'if-match': now.body.data.eTag });
      expect(next.status, `round ${round}: the write after read a record the table no longer held`).toBe(200);
      expect((await getUser(server.url, id)).body.data).toEqual(next.body.data);
    }
  });

  it('answers a PATCH that changes nothing with the same eTag and updated and no event, and announces changes inside custom', async () => {
    const id = fresh('same');
    const first = dataOf(await patchUser(server.url, id, { name: 'n', custom: { a: 1, b: 'x', c: true } }));
    await getUser(server.url, id);
    const subscriber = await watch([id]);
    const same = [
      [{ name: 'n', custom: { a: 1, b: 'x', c: true } }, {}],
      [{ custom: { c: true, b: 'x', a: 1 } }, {}],
      [{ custom: { a: 1.0, b: 'x', c: true } }, {}],
      [{ email: null, status: null }, {}],
      [{ custom: { b: 'x' } }, { 'roster-custom-merge': 'true' }],
      [{ custom: { gone: null } }, { 'roster-custom-merge': 'true' }],
    ] as const;
    for (const [body, headers] of same) {
      const answer = await patchUser(server.url, id, body, headers);
      expect(answer.status).toBe(200);
      expect(answer.body.data, JSON.stringify(body)).toEqual(first);
    }
    const changed = [
      { custom: { a: '1', b: 'x', c: true } },
      { custom: { a: '1', b: 'x', c: 1 } },
      { custom: { a: '1', b: 'x', c: 1, d: null } },
      { custom: { a: '1', b: 'x', c: 1 } },
      { custom: {} },
      { custom: null },
      { name: 'N' },
    ];
    const eTags: string[] = [];
    for (const body of changed) {
      const answer = await patchUser(server.url, id, body);
      expect(answer.status).toBe(200);
      expect(answer.body.data.eTag, JSON.stringify(body)).not.toBe(eTags.at(-1) ?? first.eTag);
      expect(answer.body.data.custom).toEqual(body.custom === undefined ? null : body.custom);
      eTags.push(answer.body.data.eTag);
    }
    await expect.poll(() => userEvents(subscriber.received, id).length, { timeout: 5000 }).toBe(changed.length);
    await pause(500);
    expect(userEvents(subscriber.received, id).map((envelope) => envelope.d.data.eTag)).toEqual(eTags);
  });

  it('accepts a record of exactly the keyset limit and refuses one byte more, multi-byte characters included', async () => {
    for (const unit of ['a', 'é', '€', '😀', '\u0001']) {
      const id = fresh('size');
      const fill = (bytes: number, current?: Stored) => {
        const measured = (custom: unknown) =>
          Buffer.byteLength(
            JSON.stringify({
              id,
              name: current?.name ?? null,
              externalId: null,
              profileUrl: null,
              email: null,
              status: current?.status ?? null,
              type: null,
              custom,
              updated: current ? storedInstant(current.updated) : '',
              eTag: current?.eTag ?? '',
            }),
          );
        const base = measured({ fill: '' });
        const unitBytes = Buffer.byteLength(JSON.stringify(unit)) - 2;
        const units = Math.floor((bytes - base) / unitBytes);
        const custom = { fill: unit.repeat(units) + 'a'.repeat(bytes - base - units * unitBytes) };
        expect(measured(custom)).toBe(bytes);
        return { custom };
      };
      const atLimit = await patchUser(server.url, id, fill(SMALL_LIMIT), undefined, 'small');
      expect(atLimit.status, `${JSON.stringify(unit)}: a new record at the limit`).toBe(200);
      const over = await patchUser(server.url, id, fill(SMALL_LIMIT + 1, dataOf(atLimit)), undefined, 'small');
      expect(over.status, `${JSON.stringify(unit)}: one byte over`).toBe(400);
      expect(JSON.stringify(over.body)).toContain(`would be ${SMALL_LIMIT + 1} bytes`);
      const stillAtLimit = await patchUser(server.url, id, fill(SMALL_LIMIT, dataOf(atLimit)), undefined, 'small');
      expect(stillAtLimit.status, `${JSON.stringify(unit)}: an update at the limit`).toBe(200);
      expect((await getUser(server.url, id, 'small')).body.data).toEqual(stillAtLimit.body.data);
    }
  });
});

const natsReason = privateNatsUnavailable();

/** A timetoken (100 ns units since 1970) from before now: subscribing from it replays what came since. */
const timetokenBefore = () => String(BigInt(Date.now() - 1000) * 10_000n);

/** Rows waiting in the outbox of the database at `dir`, read beside the node that serves it. */
function outboxRows(dir: string): number {
  const db = new Database(join(dir, 'roster.db'), { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM outbox_groups').pluck().get() as number;
  } finally {
    db.close();
  }
}

describe.skipIf(natsReason !== undefined)('SQLite with NATS JetStream as the bus', () => {
  const servers: RunningServer[] = [];
  let nats: PrivateNats | undefined;
  afterAll(async () => {
    for (const server of servers) await server.close();
    await nats?.close();
  });

  /** Writes from 90 clients to 30 users (some refused) until 900 are acknowledged, then kill -9. */
  async function writeAndKill(server: RunningServer, ids: string[]): Promise<Stored[]> {
    const acknowledged: Stored[] = [];
    let killing: Promise<void> | undefined;
    const writer = async (id: string, n: number) => {
      for (let write = 0; killing === undefined; write++) {
        const body = write % 7 === 3 ? { custom: { fill: 'x'.repeat(40_000) } } : { name: `${id} ${write}`, custom: { write, [`k${write % 5}`]: n } };
        const headers = write % 5 === 4 ? { 'roster-custom-merge': 'true' } : {};
        try {
          const answer = await patchUser(server.url, id, body, headers);
          if (answer.status === 200) acknowledged.push(dataOf(answer));
        } catch {
          return; // in flight when the node died
        }
        if (killing === undefined && acknowledged.length >= 900) killing = server.kill();
      }
    };
    await Promise.all(ids.flatMap((id, n) => [writer(id, n), writer(id, n + 100), writer(id, n + 200)]));
    await killing;
    return acknowledged;
  }

  it('keeps every write acknowledged before a kill -9, and writes answered while NATS was down; each event in the stream exactly once', async () => {
    nats = await PrivateNats.start();
    const args = ['--bus', nats.url, '--subscribe-hold', '2'];
    const before = timetokenBefore();
    const first = await startServer({ args });
    servers.push(first);
    const ids = range(30).map((n) => `kill-${n}`);
    const acknowledged = await writeAndKill(first, ids);
    expect(acknowledged.length).toBeGreaterThanOrEqual(900);

    const second = await startServer({ dir: first.dir, args });
    servers.push(second);
    const stored: Stored[] = [];
    for (const id of ids) {
      const answer = await getUser(second.url, id);
      expect(answer.status).toBe(200);
      stored.push(dataOf(answer));
      const latest = acknowledged
        .filter((data) => data.id === id)
        .reduce((a, b) => (instant(a.updated) > instant(b.updated) ? a : b), { updated: '' } as Stored);
      // What was stored last is the latest acknowledged write, or a later one that was in flight.
      expect(instant(dataOf(answer).updated) >= instant(latest.updated), id).toBe(true);
      if (dataOf(answer).updated === latest.updated) expect(dataOf(answer)).toEqual(latest);
    }

    // NATS down: the writes are answered, their records wait in the outbox (one row per group commit).
    await nats.stop();
    const downIds = range(10).map((n) => `down-${n}`);
    const down = await Promise.all(downIds.flatMap((id) => range(4).map((n) => patchUser(second.url, id, { name: `${id} ${n}`, custom: { n } }))));
    expect(down.map((answer) => answer.status)).toEqual(down.map(() => 200));
    const rows = outboxRows(first.dir);
    expect(rows).toBeGreaterThan(0);
    await nats.start();

    const subscriber = new Subscriber({ nodes: [second.url], first: 0, channels: [...ids, ...downIds], uuid: 'kill-watcher', pollTimeoutMs: 8000 });
    subscriber.timetoken = before;
    await subscriber.start();
    try {
      const wanted = new Set([...acknowledged, ...stored, ...down.map(dataOf)].map((data) => data.eTag));
      await expect.poll(() => [...wanted].filter((eTag) => !eTagCounts(subscriber.received).has(eTag)).length, { timeout: 20_000, interval: 500 }).toBe(0);
      // The relay deletes what it handed over.
      await expect.poll(() => outboxRows(first.dir), { timeout: 15_000, interval: 500 }).toBe(0);
      await pause(1000);
    } finally {
      await subscriber.stop();
    }
    const counts = eTagCounts(subscriber.received);
    console.log(
      `kill -9 then NATS down: ${JSON.stringify({ acknowledged: acknowledged.length, events: counts.size, downWrites: down.length, downRows: rows })}`,
    );
    expect([...counts.entries()].filter(([, count]) => count !== 1).slice(0, 5), 'events delivered more than once').toEqual([]);
    const missing = [...acknowledged, ...down.map(dataOf)].filter((data) => counts.get(data.eTag) !== 1);
    expect(missing.slice(0, 5), 'acknowledged writes whose event is missing').toEqual([]);
    await second.stop();
    const db = new Database(join(first.dir, 'roster.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  }, 60_000);
});

describe('a database of the release before (schema 8) with events waiting in its outbox', () => {
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.close();
  });

  it('relays them once after migration 9, alongside the events of new writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-schema-8-'));
    const path = join(dir, 'roster.db');
    await new SqliteStore({ path, synchronous: 'normal' }).close();
    const old = new Database(path);
    // Migration 4's table, as 4b4bac3^ left it, with what it held.
    old.exec(`
      DROP TABLE outbox_groups;
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        sub_key TEXT NOT NULL,
        events TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      PRAGMA user_version = 8;
    `);
    const ids = ['old-a', 'old-b', 'old-é 😀 "q"'];
    const insert = old.prepare('INSERT INTO outbox (key, sub_key, events, created_at) VALUES (?, ?, ?, ?)');
    ids.forEach((id, n) => {
      const data = { id, name: `old ${n}`, updated: `2026-01-01T00:00:0${n}.5Z`, eTag: `old-etag-${n}` };
      const events = [{ channels: [id], payload: { source: 'objects', version: '2.0', event: 'set', type: 'uuid', data } }];
      insert.run(`old-key.${n}`, 'demo', JSON.stringify(events), Date.now() - 60_000);
    });
    old.close();

    const before = timetokenBefore();
    server = await startServer({ dir, args: ['--subscribe-hold', '2'] });
    const subscriber = new Subscriber({ nodes: [server.url], first: 0, channels: [...ids, 'new-one'], uuid: 'migration-watcher', pollTimeoutMs: 8000 });
    subscriber.timetoken = before;
    await subscriber.start();
    try {
      expect((await patchUser(server.url, 'new-one', { name: 'new' })).status).toBe(200);
      await expect.poll(() => ids.filter((id) => userEvents(subscriber.received, id).length === 0).length, { timeout: 15_000, interval: 300 }).toBe(0);
      await pause(1500);
    } finally {
      await subscriber.stop();
    }
    for (const [n, id] of ids.entries()) {
      const events = userEvents(subscriber.received, id);
      expect(events, id).toHaveLength(1);
      expect(events[0]!.d.data).toEqual({ id, name: `old ${n}`, updated: `2026-01-01T00:00:0${n}.5Z`, eTag: `old-etag-${n}` });
    }
    expect(userEvents(subscriber.received, 'new-one')).toHaveLength(1);
    expect(outboxRows(dir)).toBe(0);
    await server.stop();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(9);
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'outbox'").pluck().get()).toBe(0);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
