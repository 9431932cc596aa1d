import { startServer, type RunningServer } from '@roster/testing';
import { encode } from './http.ts';
import { TestStreams } from './nats.ts';
import { waitFor } from './ports.ts';
import { createDatabase } from './store-contract/postgres.ts';
import { audit, Subscriber } from './subscriber.ts';
import { roomChannel, userId, WriteLoad, writeKey, writeOfName, type WritePlan } from './write-load.ts';

/** How hard the kill -9 scenario runs. */
export interface KillSizes {
  writesPerSecond: number;
  seconds: number;
  subscribers: number;
}

/** What the kill -9 scenario saw, for the tests to judge. */
export interface KillOutcome {
  load: WriteLoad;
  /** Subscribers of one room only, then subscribers of a room and a user's channel. */
  single: Subscriber[];
  double: Subscriber[];
  /** Per subscriber kind, what each got wrong (`problemsOf`). */
  problems: { single: string[]; double: { missing: string[]; other: string[] } };
  /** Per surviving node, users whose stored name is not their newest acknowledged rename (or one sent after it). */
  unreadable: string[];
  /** One line of figures for the test's output. */
  summary: string;
}

export const HOLD_SECONDS = 10;

/** Runs `task` for each of `items` with at most `limit` at once. */
export async function bounded<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Three nodes on `store` and `bus`, as the failure tests run them (a short hold, a channel log long enough for the test). */
export async function startCluster(store: string, bus: string, count = 3): Promise<RunningServer[]> {
  const args = ['--store', store, '--bus', bus, '--subscribe-hold', String(HOLD_SECONDS), '--channel-log-size', '2000'];
  return Promise.all(Array.from({ length: count }, () => startServer({ args })));
}

/** Subscriber j follows `channels(j)`, starting on node j % nodes; all have their first timetoken when this resolves. */
export async function startSubscribers(
  nodes: readonly RunningServer[],
  count: number,
  channels: (j: number) => string[],
  name = 'subscriber',
): Promise<Subscriber[]> {
  const subscribers = Array.from(
    { length: count },
    (_, j) =>
      new Subscriber({
        nodes: nodes.map((node) => node.url),
        first: j % nodes.length,
        channels: channels(j),
        uuid: `${name}-${j}`,
        pollTimeoutMs: (HOLD_SECONDS + 30) * 1000,
      }),
  );
  await bounded(subscribers, 25, (subscriber) => subscriber.start());
  return subscribers;
}

/**
 * Waits until every subscriber holds every key acknowledged on its channels (or `timeoutMs`
 * passed), then stops them. Returns how long it waited, in milliseconds.
 */
export async function drain(subscribers: readonly Subscriber[], load: WriteLoad, timeoutMs: number): Promise<number> {
  const start = Date.now();
  const complete = (subscriber: Subscriber) => {
    const have = new Set(subscriber.received.map(writeKey));
    return subscriber.options.channels.every((channel) => (load.acknowledged.get(channel) ?? []).every((key) => have.has(key)));
  };
  await waitFor('every subscriber has every acknowledged write', timeoutMs, () => subscribers.every(complete)).catch(() => {});
  const waited = Date.now() - start;
  await Promise.all(subscribers.map((subscriber) => subscriber.stop()));
  return waited;
}

/**
 * What subscribers got wrong against what was acknowledged on their channels: acknowledged writes
 * missed, writes received twice, a channel's timetokens not increasing, a publish received with
 * another timetoken than it was acknowledged with. A few examples per subscriber.
 */
export function problemsOf(subscribers: readonly Subscriber[], load: WriteLoad): { missing: string[]; other: string[] } {
  const missing: string[] = [];
  const other: string[] = [];
  for (const subscriber of subscribers) {
    const { missing: gaps, duplicates, disorder } = audit(subscriber.received, subscriber.options.channels, load.acknowledged, writeKey);
    const who = `${subscriber.options.uuid} (${subscriber.options.channels.join(',')}; failed polls: ${subscriber.failures.length})`;
    if (gaps.length > 0) missing.push(`${who} missed ${gaps.length}: ${gaps.slice(0, 5).join(' ')}`);
    if (duplicates.length > 0) other.push(`${who} got twice ${duplicates.length}: ${duplicates.slice(0, 5).join(' ')}`);
    if (disorder.length > 0) other.push(`${who} out of order on ${disorder.join(',')}`);
    for (const envelope of subscriber.received) {
      const timetoken = load.timetokens.get(writeKey(envelope));
      if (timetoken !== undefined && timetoken !== envelope.p.t)
        other.push(`${who}: ${writeKey(envelope)} acknowledged at ${timetoken}, received at ${envelope.p.t}`);
    }
  }
  return { missing, other };
}

/** Users whose stored name (read from `node`) is older than their newest acknowledged rename, or was never sent. */
async function unreadableOn(node: RunningServer, load: WriteLoad): Promise<string[]> {
  const wrong: string[] = [];
  await bounded([...load.sentPatches.keys()], 20, async (user) => {
    const response = await fetch(`${node.url}/v2/objects/demo/uuids/${encode(user)}`);
    const text = await response.text();
    if (response.status !== 200) return void wrong.push(`${node.url} ${user}: ${response.status} ${text}`);
    const name = (JSON.parse(text) as { data: { name: string } }).data.name;
    const stored = writeOfName(name);
    const newest = load.lastAcknowledgedPatch.get(user) ?? -1;
    if (!load.sentPatches.get(user)!.has(stored) || stored < newest) wrong.push(`${node.url} ${user}: stored ${name}, newest acknowledged n${newest}`);
  });
  return wrong;
}

/**
 * Three nodes on one PostgreSQL database and one NATS stream; `subscribers` long-polling
 * subscribers spread over them, half following one room, half a room and a user's channel; a
 * load of publishes and user renames (one in five) at `writesPerSecond`, spread over the nodes.
 * Halfway through the writes, the first node is killed (SIGKILL): the load goes on through the two others,
 * and its subscribers move to another node with their last timetoken.
 */
export async function runKillScenario(sizes: KillSizes, cleanups: (() => Promise<unknown>)[]): Promise<KillOutcome> {
  const streams = new TestStreams();
  const database = await createDatabase();
  cleanups.push(
    () => database.drop(),
    () => streams.deleteAll(),
  );
  const nodes = await startCluster(database.url, streams.place('kill').url);
  cleanups.push(() => Promise.all(nodes.map((node) => node.close())));
  const pairs = Math.max(1, Math.ceil(sizes.subscribers / 4));
  const plan: WritePlan = { writesPerSecond: sizes.writesPerSecond, seconds: sizes.seconds, rooms: pairs, users: pairs, patchEvery: 5, maxInFlight: 400 };
  await bounded(
    Array.from({ length: plan.users }, (_, n) => userId(n)),
    20,
    async (id, n) => {
      const response = await fetch(`${nodes[n % 3]!.url}/v2/objects/demo/uuids/${encode(id)}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'start' }),
      });
      if (response.status !== 200) throw new Error(`creating ${id}: ${response.status} ${await response.text()}`);
      await response.body?.cancel();
    },
  );
  // Two subscribers of each room (and of each user's channel), on different nodes.
  const half = Math.floor(sizes.subscribers / 2);
  const single = await startSubscribers(nodes, half, (j) => [roomChannel(j % pairs)], 'single');
  const double = await startSubscribers(nodes, sizes.subscribers - half, (j) => [roomChannel((j + 1) % pairs), userId(j % pairs)], 'double');
  const subscribers = [...single, ...double];
  cleanups.push(() => Promise.all(subscribers.map((subscriber) => subscriber.stop())));

  let alive = nodes;
  const load = new WriteLoad(plan, () => alive.map((node) => node.url));
  const running = load.run();
  // Halfway through the writes (not the time: a loaded machine falls behind the rate).
  const halfway = Math.round((sizes.writesPerSecond * sizes.seconds) / 2);
  while (load.started < halfway) await new Promise((resolve) => setTimeout(resolve, 50));
  alive = nodes.slice(1);
  await nodes[0]!.kill();
  const killedAfter = load.started;
  await running;
  await drain(subscribers, load, 60_000);

  const unreadable = (await Promise.all(alive.map((node) => unreadableOn(node, load)))).flat();
  const moved = subscribers.filter((subscriber) => subscriber.failures.length > 0).length;
  const single_ = problemsOf(single, load);
  const summary =
    `kill -9 under load: ${load.started} writes started in ${((load.endedAt - load.startedAt) / 1000).toFixed(1)} s (target ${plan.writesPerSecond}/s over ${plan.seconds} s), ` +
    `${load.acknowledgedCount} acknowledged (${load.acknowledgedPerSecond.toFixed(0)}/s), failed: ${JSON.stringify(Object.fromEntries(load.failedBy))}; ` +
    `node killed after ${killedAfter} writes; ${moved} of ${subscribers.length} subscribers moved; ` +
    `${subscribers.reduce((sum, subscriber) => sum + subscriber.received.length, 0)} envelopes received`;
  return { load, single, double, problems: { single: [...single_.missing, ...single_.other], double: problemsOf(double, load) }, unreadable, summary };
}
