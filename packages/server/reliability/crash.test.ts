import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { startServer, type RunningServer } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { openConnection } from '../src/store/sqlite/connection.ts';
import { objectsClient, type ObjectsClient } from '../test/http.ts';
import { scale } from './scale.ts';
import { runBounded, type Many, type One, type StoredMembership } from './support.ts';

const WRITES = scale(10_000, 2_000);
// A steady stream, each connection's next write sent as its last is answered: the kill lands
// while writes the node has read are not yet answered. (All at once, a node whose listen backlog
// takes every connection answers them in a few large group commits, and the kill can land after
// the last answer.)
const IN_FLIGHT = 200;
const INCLUDE = { include: 'custom,status' };

/** What one write stored: its eTag and the fields the test compares with what it sent. */
interface Stored {
  eTag: string;
  fields: unknown;
}

/** One kind of write: how to send write i, what it should store, and how to read it back. */
interface WriteKind {
  send(api: ObjectsClient, i: number): Promise<{ status: number; stored: Stored | undefined; body: unknown }>;
  expected(i: number): unknown;
  read(api: ObjectsClient, i: number): Promise<Stored | undefined>;
}

function objectKind(collection: 'uuids' | 'channels', body: (i: number) => Record<string, unknown>): WriteKind {
  const path = (i: number) => `${collection}/crash-${collection}-${i}`;
  const fields = (data: One['data']) => ({ name: data.name, description: data.description, custom: data.custom });
  return {
    send: async (api, i) => {
      const reply = await api.patch<One>(path(i), body(i), { query: INCLUDE });
      return {
        status: reply.status,
        body: reply.body,
        stored: reply.status === 200 ? { eTag: reply.body.data.eTag, fields: fields(reply.body.data) } : undefined,
      };
    },
    expected: (i) => {
      const { name, description, custom } = body(i);
      return { name, description, custom };
    },
    read: async (api, i) => {
      const reply = await api.get<One>(path(i), { query: INCLUDE });
      if (reply.status === 404) return undefined;
      if (reply.status !== 200) throw new Error(`GET ${path(i)}: ${reply.status} ${JSON.stringify(reply.body)}`);
      return { eTag: reply.body.data.eTag, fields: fields(reply.body.data) };
    },
  };
}

const membershipKind: WriteKind = (() => {
  const user = (i: number) => `crash-member-${i}`;
  const channel = (i: number) => `crash-room-${i}`;
  const item = (i: number) => ({ status: 'active', custom: { i, seat: `s${i % 13}` } });
  const find = (i: number, list: StoredMembership[]): Stored | undefined => {
    const found = list.find((membership) => membership.channel.id === channel(i));
    return found && { eTag: found.eTag, fields: { status: found.status, custom: found.custom } };
  };
  return {
    send: async (api, i) => {
      const reply = await api.patch<Many<StoredMembership>>(
        `uuids/${user(i)}/channels`,
        { set: [{ channel: { id: channel(i) }, ...item(i) }] },
        { query: INCLUDE },
      );
      return { status: reply.status, body: reply.body, stored: reply.status === 200 ? find(i, reply.body.data) : undefined };
    },
    expected: item,
    read: async (api, i) => {
      const reply = await api.get<Many<StoredMembership>>(`uuids/${user(i)}/channels`, { query: INCLUDE });
      if (reply.status !== 200) throw new Error(`GET memberships of ${user(i)}: ${reply.status} ${JSON.stringify(reply.body)}`);
      return find(i, reply.body.data);
    },
  };
})();

const KINDS = {
  user: objectKind('uuids', (i) => ({ name: `user ${i}`, custom: { i, note: `written ${i}`, even: i % 2 === 0 } })),
  channel: objectKind('channels', (i) => ({ name: `room ${i}`, description: `channel ${i}`, custom: { i } })),
  membership: membershipKind,
};

/** Mostly users, one write in ten a channel and one in ten a membership, interleaved. */
const kindOf = (i: number): WriteKind => (i % 10 === 0 ? KINDS.channel : i % 10 === 1 ? KINDS.membership : KINDS.user);

interface FireResult {
  acknowledged: Map<number, string>;
  /** Sent, but the connection died with the server before an answer. */
  lost: number[];
  started: number;
  /** Anything but a 200 while the server was up: a server bug. */
  unexpected: string[];
}

/**
 * Fires the writes, `IN_FLIGHT` at a time, and SIGKILLs the server 5 ms after a third are
 * acknowledged: the writes sent meanwhile are read, or being read, when the kill lands.
 */
async function fireAndKill(server: RunningServer): Promise<FireResult> {
  const api = objectsClient(server);
  const result: FireResult = { acknowledged: new Map(), lost: [], started: 0, unexpected: [] };
  let kill: Promise<void> | undefined;
  let killed = false;
  const write = async (i: number) => {
    try {
      const reply = await kindOf(i).send(api, i);
      if (reply.status === 200 && reply.stored) result.acknowledged.set(i, reply.stored.eTag);
      else result.unexpected.push(`write ${i}: ${reply.status} ${JSON.stringify(reply.body)}`);
    } catch (error) {
      if (!killed) result.unexpected.push(`write ${i} failed before the kill: ${String(error)}`);
      else result.lost.push(i);
    }
    if (kill === undefined && result.acknowledged.size >= WRITES / 3) {
      kill = new Promise((done) => setTimeout(done, 5)).then(() => {
        killed = true;
        return server.kill();
      });
    }
  };
  result.started = await runBounded(WRITES, IN_FLIGHT, write, () => killed);
  await kill;
  return result;
}

/** Every acknowledged write must read back with its eTag and data; returns the mismatches. */
async function verifyAcknowledged(api: ObjectsClient, acknowledged: Map<number, string>): Promise<string[]> {
  const mismatches: string[] = [];
  const indexes = [...acknowledged.keys()];
  await runBounded(indexes.length, 20, async (n) => {
    const i = indexes[n]!;
    const stored = await kindOf(i).read(api, i);
    const expected = { eTag: acknowledged.get(i), fields: kindOf(i).expected(i) };
    if (!isDeepStrictEqual(stored, expected)) mismatches.push(`write ${i}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(stored)}`);
  });
  return mismatches;
}

/** A write lost in flight may or may not have committed, but never partly: returns how many did, and any torn one. */
async function inspectLost(api: ObjectsClient, lost: number[]): Promise<{ committed: number; torn: string[] }> {
  let committed = 0;
  const torn: string[] = [];
  for (const i of lost) {
    const stored = await kindOf(i).read(api, i);
    if (stored === undefined) continue;
    committed++;
    if (!isDeepStrictEqual(stored.fields, kindOf(i).expected(i))) torn.push(`write ${i}: ${JSON.stringify(stored)}`);
  }
  return { committed, torn };
}

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
});

/**
 * `fireAndKill` on fresh servers until a kill lands amid writes in flight, at most `tries`: on a
 * loaded machine the test's own process can stall, and the node then answers every write sent
 * before the kill lands, which proves nothing about writes in flight. No timing of the kill on the
 * test's side avoids that (a stalled client sends nothing, so the node has nothing in flight), so
 * the try is made again; CI's reliability stage, other files running beside it on two cores,
 * once missed three tries in a row.
 */
async function fireUntilInFlight(tries = 6): Promise<{ server: RunningServer; fired: FireResult }> {
  for (let attempt = 1; ; attempt++) {
    const server = await startServer();
    servers.push(server);
    const fired = await fireAndKill(server);
    if (fired.lost.length > 0 || attempt === tries) return { server, fired };
  }
}

describe('crash safety', () => {
  it('keeps every acknowledged user, channel and membership write across kill -9, with an intact database', async () => {
    const { server: first, fired } = await fireUntilInFlight();
    expect(fired.unexpected.slice(0, 5)).toEqual([]);
    expect(fired.acknowledged.size).toBeGreaterThanOrEqual(WRITES / 3);
    expect(fired.lost.length, 'the kill came while writes were in flight').toBeGreaterThan(0);

    const second = await startServer({ dir: first.dir });
    servers.push(second);
    const api = objectsClient(second);
    const mismatches = await verifyAcknowledged(api, fired.acknowledged);
    const lost = await inspectLost(api, fired.lost);
    console.log(
      `crash: ${JSON.stringify({ writes: WRITES, sent: fired.started, acknowledged: fired.acknowledged.size, lostInFlight: fired.lost.length, lostButCommitted: lost.committed, neverSent: WRITES - fired.started, missingOrWrong: mismatches.length })}`,
    );
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(lost.torn.slice(0, 5)).toEqual([]);

    await second.stop();
    const db = openConnection({ path: join(first.dir, 'roster.db'), synchronous: 'normal' });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
