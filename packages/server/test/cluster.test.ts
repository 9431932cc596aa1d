/**
 * A cluster: three real `roster serve` processes sharing one PostgreSQL database and one NATS
 * JetStream bus (`--store postgres://… --bus nats://…`), as behind a load balancer that sends each
 * request to any node.
 */
import { startServer, type RunningServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, objectsClient } from './http.ts';
import { natsUnavailable, TestStreams } from './nats.ts';
import { createDatabase, postgresUnavailable, titled, type TestDatabase } from './store-contract/postgres.ts';

interface Envelope {
  e?: number;
  p: { t: string; r: number };
  c: string;
  d: any;
}
interface SubscribeAnswer {
  t: { t: string; r: number };
  m: Envelope[];
}

const unavailable = (await postgresUnavailable()) ?? (await natsUnavailable());
const HOLD_SECONDS = 2;

const streams = new TestStreams();
let database: TestDatabase | undefined;
const nodes: RunningServer[] = [];
let [a, b, c] = [] as unknown as [RunningServer, RunningServer, RunningServer];

beforeAll(async () => {
  if (unavailable !== undefined) return;
  database = await createDatabase();
  const bus = streams.place('cluster').url;
  const args = ['--store', database.url, '--bus', bus, '--subscribe-hold', String(HOLD_SECONDS)];
  nodes.push(...(await Promise.all([1, 2, 3].map(() => startServer({ args })))));
  [a, b, c] = nodes as [RunningServer, RunningServer, RunningServer];
}, 60_000);

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.close()));
  await database?.drop();
  await streams.deleteAll();
});

async function subscribe(node: RunningServer, channels: string[], tt?: string): Promise<SubscribeAnswer> {
  const query = tt === undefined ? '' : `&tt=${tt}&tr=1`;
  const response = await fetch(`${node.url}/v2/subscribe/demo/${channels.map(encode).join(',')}/0?uuid=watcher${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as SubscribeAnswer;
}

async function publish(node: RunningServer, channel: string, message: unknown): Promise<string> {
  const response = await fetch(`${node.url}/publish/demo/demo/0/${encode(channel)}/0/${encode(JSON.stringify(message))}?uuid=publisher`);
  expect(response.status).toBe(200);
  return ((await response.json()) as [number, string, string])[2];
}

async function rename(node: RunningServer, id: string, name: string): Promise<void> {
  const response = await objectsClient(node).patch(`uuids/${encode(id)}`, { name });
  expect(response.status).toBe(200);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a subscriber received, in order: a message's payload, or `name:<name>` for a user set event. */
const contents = (envelopes: Envelope[]) => envelopes.map((m) => (m.e === 2 ? `name:${m.d.data.name}` : m.d));

/** Polls `channels` on `node` from `tt` until an answer carries something. */
async function nextEnvelopes(node: RunningServer, channels: string[], tt: string): Promise<SubscribeAnswer> {
  for (;;) {
    const answer = await subscribe(node, channels, tt);
    if (answer.m.length > 0) return answer;
    tt = answer.t.t;
  }
}

describe.skipIf(unavailable !== undefined)(titled('A cluster of three nodes on PostgreSQL and NATS JetStream', unavailable), () => {
  it('delivers a set written through one node to subscribers long-polling on the two others, and every node answers with the same data', async () => {
    const [onB, onC] = await Promise.all([subscribe(b, ['alice']), subscribe(c, ['alice'])]);
    const polls = Promise.all([nextEnvelopes(b, ['alice'], onB.t.t), nextEnvelopes(c, ['alice'], onC.t.t)]);
    await pause(200); // both polls are held
    await rename(a, 'alice', 'Alice A.');
    const [fromB, fromC] = await polls;
    expect(contents(fromB.m)).toEqual(['name:Alice A.']);
    expect(fromC.m).toEqual(fromB.m); // the same envelope, timetoken included

    const read = await Promise.all([a, b, c].map(async (node) => (await objectsClient(node).get('uuids/alice')).body));
    expect(read[0]).toMatchObject({ status: 200, data: { id: 'alice', name: 'Alice A.' } });
    expect(read[1]).toEqual(read[0]);
    expect(read[2]).toEqual(read[0]);
  });

  it('delivers a message published through one node to a subscriber of another', async () => {
    const start = await subscribe(c, ['lobby']);
    const poll = nextEnvelopes(c, ['lobby'], start.t.t);
    await pause(200);
    const timetoken = await publish(b, 'lobby', { text: 'hi from B' });
    const answer = await poll;
    expect(answer.m.map((m) => [m.p.t, m.d])).toEqual([[timetoken, { text: 'hi from B' }]]);
  });

  it('gives a subscriber whose node was killed every message and event after its last timetoken, once each and in order, on another node', async () => {
    const channels = ['room', 'bob'];
    let tt = (await subscribe(a, channels)).t.t;
    const expected: unknown[] = [];
    const published = (async () => {
      for (let n = 1; n <= 40; n++) {
        if (n % 5 === 0) await rename(b, 'bob', `Bob ${n}`);
        else await publish(b, 'room', n);
        expected.push(n % 5 === 0 ? `name:Bob ${n}` : n);
        await pause(10);
      }
    })();
    let done = false;
    void published.then(() => (done = true));

    const received: Envelope[] = [];
    const take = (answer: SubscribeAnswer) => {
      received.push(...answer.m);
      tt = answer.t.t;
    };
    while (received.length < 10) take(await subscribe(a, channels, tt));
    const inFlight = subscribe(a, channels, tt).then(take, () => {}); // answered before the kill, or lost with the node
    await a.kill();
    await inFlight;
    await pause(300); // publishing goes on while the subscriber is away

    for (;;) {
      const answer = await subscribe(c, channels, tt);
      take(answer);
      if (answer.m.length === 0 && done) break;
    }
    expect(received.length).toBeGreaterThan(10);
    expect(contents(received)).toEqual(expected);
    const timetokens = received.map((m) => BigInt(m.p.t));
    for (let n = 1; n < timetokens.length; n++) expect(timetokens[n]!).toBeGreaterThan(timetokens[n - 1]!);
  });
});

describe('a node that cannot reach its event bus', () => {
  it('stops at start with one line naming the setting', async () => {
    await expect(startServer({ args: ['--bus', 'nats://127.0.0.1:1'] })).rejects.toThrow(
      /Cannot open the NATS event bus: connection refused \(set by --bus \/ ROSTER_BUS \/ "bus" in the config file\)/,
    );
  });
});
