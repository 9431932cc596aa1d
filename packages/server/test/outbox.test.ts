import { startServer, type RunningServer } from '@roster/testing';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/sqlite/index.ts';
import { decideObject } from '../src/objects/apply.ts';
import { DEFAULT_LIMITS } from '../src/model/keyset.ts';
import type { UuidRecord } from '../src/model/records.ts';
import { encode } from './http.ts';
import { PrivateNats, privateNatsUnavailable } from './private-nats.ts';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from './store-contract/postgres.ts';

/**
 * The outbox's promise, end to end: an App Context change whose events never reached the event
 * bus (the bus was down, then the node was killed) still reaches subscribers, once, when a node
 * starts again on the same database (docs/decisions.md, "Outbox").
 */

interface Envelope {
  e?: number;
  c: string;
  p: { t: string };
  d: { event?: string; type?: string; data?: Record<string, unknown> };
}

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function timetoken(server: RunningServer): Promise<string> {
  const reply = await fetch(`${server.url}/time/0`);
  return String(((await reply.json()) as [number | string])[0]);
}

/**
 * Long-polls `channel` on `server` from timetoken `tt` for `seconds`, keeping every envelope; stops
 * early once `enough` holds for what came, after `settleSeconds` more of polling (to see duplicates).
 */
async function collect(
  server: RunningServer,
  channel: string,
  tt: string,
  options: { seconds: number; settleSeconds: number; enough: (got: Envelope[]) => boolean },
) {
  const got: Envelope[] = [];
  let cursor = tt;
  let deadline = Date.now() + options.seconds * 1000;
  let settling = false;
  while (Date.now() < deadline) {
    const reply = await fetch(`${server.url}/v2/subscribe/demo/${encode(channel)}/0?uuid=watcher&tt=${cursor}`, { signal: AbortSignal.timeout(20_000) });
    expect(reply.status).toBe(200);
    const answer = (await reply.json()) as { t: { t: string }; m: Envelope[] };
    got.push(...answer.m);
    cursor = answer.t.t;
    if (!settling && options.enough(got)) {
      settling = true;
      deadline = Math.min(deadline, Date.now() + options.settleSeconds * 1000);
    }
  }
  return got;
}

const userSets = (got: Envelope[], id: string) => got.filter((envelope) => envelope.e === 2 && envelope.d.type === 'uuid' && envelope.d.data?.['id'] === id);

describe('the outbox on SQLite with the in-process bus', () => {
  it('delivers, after a restart, the events a node left in the outbox when it died between commit and hand-off', async () => {
    const first = await startServer({ args: ['--subscribe-hold', '2'] });
    servers.push(first);
    const before = await timetoken(first);
    await first.stop();
    // What a node killed right after its commit leaves behind: the change and its events' record, in one transaction.
    const store = new SqliteStore({ path: join(first.dir, 'roster.db'), synchronous: 'normal' });
    const event = { channels: ['alice'], payload: { source: 'objects', version: '2.0', event: 'set', type: 'uuid', data: { id: 'alice', name: 'Alice' } } };
    await store.uuids.write(
      'demo',
      'alice',
      decideObject<UuidRecord>('uuid', 'alice', { name: 'Alice' }, { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS }),
      () => ({ key: 'left-by-a-dead-node', subKey: 'demo', events: JSON.stringify([event]) }),
    );
    await store.close();

    const second = await startServer({ dir: first.dir, args: ['--subscribe-hold', '2'] });
    servers.push(second);
    const got = await collect(second, 'alice', before, { seconds: 40, settleSeconds: 4, enough: (envelopes) => userSets(envelopes, 'alice').length > 0 });
    const sets = userSets(got, 'alice');
    expect(sets).toHaveLength(1);
    expect(sets[0]!.d).toMatchObject({ event: 'set', type: 'uuid', data: { id: 'alice', name: 'Alice' } });
    expect(BigInt(sets[0]!.p.t)).toBeGreaterThan(BigInt(before));
  }, 90_000);
});

const postgresReason = await postgresUnavailable();
const unavailable = postgresReason ?? privateNatsUnavailable();

describe.skipIf(unavailable !== undefined)(titled('the outbox on PostgreSQL with NATS JetStream', unavailable), () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('answers a write while NATS is down, and once NATS is back a new node delivers its event exactly once', async () => {
    const database: TestDatabase = await createDatabase();
    cleanups.push(() => database.drop());
    const nats = await PrivateNats.start();
    cleanups.push(() => nats.close());
    const args = ['--store', database.url, '--bus', nats.url, '--subscribe-hold', '2'];
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    cleanups.push(() => sql.end({ timeout: 1 }));
    const outboxRows = async () => Number((await sql`SELECT count(*) AS n FROM outbox`)[0]!['n']);

    const writer = await startServer({ args });
    servers.push(writer);
    const before = await timetoken(writer);
    // A write with the bus up: its event is on the bus and its record deleted soon after.
    const up = await fetch(`${writer.url}/v2/objects/demo/uuids/bob`, {
      method: 'PATCH',
      body: JSON.stringify({ name: 'Bob' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(up.status).toBe(200);
    await expect.poll(outboxRows, { timeout: 10_000 }).toBe(0);

    await nats.stop();
    await expect.poll(async () => (await fetch(`${writer.url}/ready`)).status, { timeout: 15_000 }).toBe(503);
    const reply = await fetch(`${writer.url}/v2/objects/demo/uuids/alice`, {
      method: 'PATCH',
      body: JSON.stringify({ name: 'Alice' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(200);
    expect(((await reply.json()) as { data: { name: string } }).data.name).toBe('Alice');
    expect(await outboxRows()).toBe(1);
    await writer.kill();

    await nats.start();
    // Two nodes start on the database: both run a relay, and the record goes to one of them.
    const [reader, other] = await Promise.all([startServer({ args }), startServer({ args })]);
    servers.push(reader!, other!);
    const got = await collect(reader!, 'alice', before, { seconds: 60, settleSeconds: 6, enough: (envelopes) => userSets(envelopes, 'alice').length > 0 });
    const sets = userSets(got, 'alice');
    expect(sets).toHaveLength(1);
    expect(sets[0]!.d).toMatchObject({ event: 'set', type: 'uuid', data: { id: 'alice', name: 'Alice' } });
    expect(await outboxRows()).toBe(0);
    // The other node delivers it once too.
    const there = await collect(other!, 'alice', before, { seconds: 20, settleSeconds: 3, enough: (envelopes) => userSets(envelopes, 'alice').length > 0 });
    expect(userSets(there, 'alice')).toHaveLength(1);
  }, 180_000);
});
