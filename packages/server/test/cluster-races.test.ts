/**
 * Races across a cluster: three real `roster serve` nodes on one PostgreSQL database and one NATS
 * JetStream bus, with concurrent writes of one object sent to different nodes at once. What one
 * node's in-process locks cannot settle, the shared store must: one winner of an `If-Match` race,
 * membership limits and referential integrity, no lost update.
 */
import { startServer, type RunningServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, objectsClient, type ObjectsClient, type Reply } from './http.ts';
import { natsUnavailable, TestStreams } from './nats.ts';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from './store-contract/postgres.ts';

const unavailable = (await postgresUnavailable()) ?? (await natsUnavailable());

const WRITERS = 50;
const ROUNDS = 4;
const MAX_MEMBERSHIPS_PER_USER = 8;
const MAX_MEMBERS_PER_CHANNEL = 8;
/** Concurrent membership writes in a limit race: well over the limit. */
const CONTENDERS = 24;

const streams = new TestStreams();
let database: TestDatabase | undefined;
const nodes: RunningServer[] = [];
let apis: ObjectsClient[] = [];

beforeAll(async () => {
  if (unavailable !== undefined) return;
  database = await createDatabase();
  const keysets = [
    {
      publishKey: 'demo',
      subscribeKey: 'demo',
      referentialIntegrity: true,
      limits: { maxMembershipsPerUser: MAX_MEMBERSHIPS_PER_USER, maxMembersPerChannel: MAX_MEMBERS_PER_CHANNEL },
    },
  ];
  const args = ['--store', database.url, '--bus', streams.place('races').url];
  nodes.push(...(await Promise.all([1, 2, 3].map(() => startServer({ keysets, args })))));
  apis = nodes.map((node) => objectsClient(node));
}, 90_000);

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.close()));
  await database?.drop();
  await streams.deleteAll();
});

/** The client of the node writer `n` sends to: writers take the three nodes in turn. */
const via = (n: number): ObjectsClient => apis[n % apis.length]!;

interface Stored {
  id: string;
  name: string | null;
  eTag: string;
  custom?: Record<string, unknown> | null;
  [field: string]: unknown;
}

const ok = async <T>(reply: Promise<Reply<T>>, what: string): Promise<T> => {
  const answer = await reply;
  if (answer.status !== 200) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
};

/** Every membership of a user (or member of a channel), read through `api`. */
async function listAll(api: ObjectsClient, path: string): Promise<string[]> {
  const body = await ok(
    api.get<{ data: { channel?: { id: string }; uuid?: { id: string } }[]; totalCount: number }>(path, { query: { limit: 100, count: 'true' } }),
    path,
  );
  expect(body.data.length, `${path}: totalCount agrees`).toBe(body.totalCount);
  return body.data.map((item) => (item.channel ?? item.uuid)!.id).sort();
}

async function createAll(kind: 'uuids' | 'channels', ids: string[]): Promise<void> {
  await Promise.all(ids.map((id, n) => ok(via(n).patch(`${kind}/${encode(id)}`, { name: id }), `create ${kind}/${id}`)));
}

const range = (count: number) => Array.from({ length: count }, (_, n) => n);

describe.skipIf(unavailable !== undefined)(titled('Races between the nodes of a cluster (PostgreSQL + NATS)', unavailable), () => {
  describe.each([
    { kind: 'user', collection: 'uuids', message: 'User to update has been modified after it was read.' },
    { kind: 'channel', collection: 'channels', message: 'Channel to update has been modified after it was read.' },
  ] as const)('If-Match on one $kind', ({ kind, collection, message }) => {
    it(`lets exactly one of ${WRITERS} writers on three nodes with the same eTag win, ${ROUNDS} rounds`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const path = `${collection}/if-match-${kind}-${round}`;
        const created = await ok(via(round).patch<{ data: Stored }>(path, { name: 'original' }), path);
        const eTag = created.data.eTag;
        const answers = await Promise.all(
          range(WRITERS).map((writer) =>
            via(writer).patch(path, { name: `writer ${writer}`, custom: { writer } }, { headers: { 'if-match': eTag }, query: { include: 'custom' } }),
          ),
        );
        const winners = range(WRITERS).filter((writer) => answers[writer]!.status === 200);
        expect(winners, `round ${round}: writers answered 200`).toHaveLength(1);
        const winner = winners[0]!;
        for (const [writer, answer] of answers.entries()) {
          if (writer === winner) continue;
          expect({ writer, status: answer.status, body: answer.body }).toEqual({
            writer,
            status: 412,
            body: { status: 412, error: { message, source: 'objects' } },
          });
        }
        // Every node reads the winner's write.
        for (const api of apis) {
          const read = await ok(api.get<{ data: Stored }>(path, { query: { include: 'custom' } }), path);
          expect(read.data).toEqual(answers[winner]!.body.data);
          expect(read.data).toMatchObject({ name: `writer ${winner}`, custom: { writer: winner } });
        }
      }
    });
  });

  it(`holds the per-user limit (${MAX_MEMBERSHIPS_PER_USER}) when ${CONTENDERS} memberships of one user are added through three nodes at once`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const user = `limited-user-${round}`;
      const channels = range(CONTENDERS).map((n) => `limit-room-${round}-${n}`);
      await createAll('uuids', [user]);
      await createAll('channels', channels);
      const answers = await Promise.all(channels.map((channel, n) => via(n).patch(`uuids/${user}/channels`, { set: [{ channel: { id: channel } }] })));
      const added = channels.filter((_, n) => answers[n]!.status === 200);
      expect(added, `round ${round}: PATCHes answered 200`).toHaveLength(MAX_MEMBERSHIPS_PER_USER);
      for (const answer of answers.filter((reply) => reply.status !== 200)) {
        expect(answer.status).toBe(400);
        expect(answer.body.error.details[0].message).toBe(`User '${user}' would exceed ${MAX_MEMBERSHIPS_PER_USER} memberships.`);
      }
      for (const api of apis) expect(await listAll(api, `uuids/${user}/channels`)).toEqual([...added].sort());
    }
  });

  it(`holds the per-channel limit (${MAX_MEMBERS_PER_CHANNEL}) when ${CONTENDERS} users join one channel through three nodes at once`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const channel = `limited-channel-${round}`;
      const users = range(CONTENDERS).map((n) => `limit-member-${round}-${n}`);
      await createAll('channels', [channel]);
      await createAll('uuids', users);
      // Each user adds the channel from its own side: the writes lock different users, the same channel.
      const answers = await Promise.all(users.map((user, n) => via(n).patch(`uuids/${user}/channels`, { set: [{ channel: { id: channel } }] })));
      const joined = users.filter((_, n) => answers[n]!.status === 200);
      expect(joined, `round ${round}: PATCHes answered 200`).toHaveLength(MAX_MEMBERS_PER_CHANNEL);
      for (const answer of answers.filter((reply) => reply.status !== 200)) {
        expect(answer.status).toBe(400);
        expect(answer.body.error.details[0].message).toBe(`Channel '${channel}' would exceed ${MAX_MEMBERS_PER_CHANNEL} members.`);
      }
      for (const api of apis) expect(await listAll(api, `channels/${channel}/uuids`)).toEqual([...joined].sort());
    }
  });

  it('keeps referential integrity when a user is deleted on one node while other nodes add its memberships', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const user = `doomed-user-${round}`;
      const channels = range(MAX_MEMBERSHIPS_PER_USER).map((n) => `doomed-room-${round}-${n}`);
      await createAll('uuids', [user]);
      await createAll('channels', channels);
      const adds = channels.map((channel, n) => via(n + 1).patch(`uuids/${user}/channels`, { set: [{ channel: { id: channel } }] }));
      const removal = via(round).delete(`uuids/${user}`);
      const [removed, ...answers] = await Promise.all([removal, ...adds]);
      expect(removed.status).toBe(200);
      for (const answer of answers) {
        if (answer.status === 200) continue;
        expect(answer.status).toBe(400);
        expect(answer.body.error.details[0].message).toBe(`User '${user}' does not exist (this keyset enforces referential integrity).`);
      }
      // The user is gone everywhere, and so is every membership of it, whichever write came first.
      for (const api of apis) {
        expect((await api.get(`uuids/${user}`)).status).toBe(404);
        for (const channel of channels) expect(await listAll(api, `channels/${channel}/uuids`), `members of ${channel}`).not.toContain(user);
      }
    }
  });

  it('keeps referential integrity when a channel is deleted on one node while users join it through the others', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const channel = `doomed-channel-${round}`;
      const users = range(MAX_MEMBERS_PER_CHANNEL).map((n) => `doomed-member-${round}-${n}`);
      await createAll('channels', [channel]);
      await createAll('uuids', users);
      const joins = users.map((user, n) => via(n + 1).patch(`uuids/${user}/channels`, { set: [{ channel: { id: channel } }] }));
      const [removed, ...answers] = await Promise.all([via(round).delete(`channels/${channel}`), ...joins]);
      expect(removed.status).toBe(200);
      for (const answer of answers) {
        if (answer.status === 200) continue;
        expect(answer.status).toBe(400);
        expect(answer.body.error.details[0].message).toBe(`Channel '${channel}' does not exist (this keyset enforces referential integrity).`);
      }
      for (const api of apis) {
        expect((await api.get(`channels/${channel}`)).status).toBe(404);
        for (const user of users) expect(await listAll(api, `uuids/${user}/channels`), `memberships of ${user}`).not.toContain(channel);
      }
    }
  });

  it('loses no update when different fields of one user are PATCHed through three nodes at once, created by the race or already there', async () => {
    const fields = (round: number): Record<string, unknown>[] => [
      { name: `name ${round}` },
      { email: `user${round}@example.com` },
      { externalId: `ext-${round}` },
      { profileUrl: `https://example.com/${round}.png` },
      { status: `status-${round}` },
      { type: `type-${round}` },
      { custom: { round } },
    ];
    for (let round = 0; round < ROUNDS * 2; round++) {
      const path = `uuids/fields-user-${round}`;
      if (round % 2 === 1) await ok(via(round).patch(path, { name: 'before', email: 'before@example.com' }), path);
      const patches = fields(round);
      const answers = await Promise.all(patches.map((patch, n) => via(n + round).patch(path, patch)));
      expect(answers.map((answer) => answer.status)).toEqual(patches.map(() => 200));
      const expected = Object.assign({ id: `fields-user-${round}` }, ...patches) as Record<string, unknown>;
      for (const api of apis)
        expect((await ok(api.get<{ data: Stored }>(path, { query: { include: 'custom,status,type' } }), path)).data).toMatchObject(expected);
    }
  });

  it('loses no update when different fields of one channel are PATCHed through three nodes at once', async () => {
    for (let round = 0; round < ROUNDS * 2; round++) {
      const path = `channels/fields-channel-${round}`;
      if (round % 2 === 1) await ok(via(round).patch(path, { name: 'before' }), path);
      const patches = [{ name: `name ${round}` }, { description: `about ${round}` }, { status: `s${round}` }, { type: `t${round}` }, { custom: { round } }];
      const answers = await Promise.all(patches.map((patch, n) => via(n + round).patch(path, patch)));
      expect(answers.map((answer) => answer.status)).toEqual(patches.map(() => 200));
      const expected = Object.assign({ id: `fields-channel-${round}` }, ...patches) as Record<string, unknown>;
      for (const api of apis)
        expect((await ok(api.get<{ data: Stored }>(path, { query: { include: 'custom,status,type' } }), path)).data).toMatchObject(expected);
    }
  });

  it('loses no custom key when writers on three nodes each merge their own key into one user (Roster-Custom-Merge)', async () => {
    const path = 'uuids/merged-user';
    await ok(via(0).patch(path, { name: 'merged', custom: { base: true } }), path);
    const answers = await Promise.all(
      range(WRITERS).map((writer) => via(writer).patch(path, { custom: { [`k${writer}`]: writer } }, { headers: { 'roster-custom-merge': 'true' } })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    const expected = Object.fromEntries([['base', true], ...range(WRITERS).map((writer) => [`k${writer}`, writer])]);
    for (const api of apis) expect((await ok(api.get<{ data: Stored }>(path, { query: { include: 'custom' } }), path)).data.custom).toEqual(expected);
  });
});
