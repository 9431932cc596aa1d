/**
 * Real-time benchmark: delivery latency to 1,000 long-polling subscribers, and memory per idle
 * subscriber, for a Roster node and, as the baseline measured in the same run, a bare
 * `node:http` long-poll server that does nothing but hold requests and answer them on publish.
 *
 * Loopback only. Every held long-poll costs one file descriptor here and one in the server. Node
 * raises its own soft `ulimit -n` to the hard limit at start-up, so the hard limit is what counts:
 * below about 11,000 the script measures fewer subscribers and says so in its first line.
 */
import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { residentBytes, startServer } from '@roster/testing/server';
import { BASELINE_PATHS, ROSTER_PATHS, type FanOutPaths } from './lib/fan-out.ts';
import { startLongPollBaseline } from './lib/processes.ts';
import { RawPoller } from './lib/raw-poll.ts';
import { settled } from './lib/settled.ts';
import { check, type Check } from './lib/report.ts';
import { send } from './lib/seed.ts';
import { benchStream, createDatabase, servicesUnavailable } from './lib/services.ts';

// ---- measurement helpers ----

interface Target extends FanOutPaths {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The open-file limit children of this process get (Node has already raised the soft limit to the hard one). */
function fileLimit(): number {
  try {
    const text = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return text === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(text) || 1024;
  } catch {
    return 1024;
  }
}

/** Opens a request and resolves once its socket is connected (the request is then on its way). */
function open(agent: Agent, url: string): { connected: Promise<void>; answered: Promise<string> } {
  let connected!: () => void;
  const connectedPromise = new Promise<void>((resolve) => (connected = resolve));
  const answered = new Promise<string>((resolve, reject) => {
    const req = request(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
    });
    req.on('socket', (socket) => (socket.connecting ? socket.once('connect', connected) : connected()));
    req.on('error', reject);
    req.end();
  });
  return { connected: connectedPromise, answered };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

export interface Latency {
  p50: number;
  p99: number;
  samples: number;
}

/** How `deliveryLatency` runs: the channel, how many subscribers, rounds, and what fires each event. */
interface DeliveryRun {
  channel: string;
  subscribers: number;
  rounds: number;
  trigger: (round: number) => Promise<void>;
  /** Told the server's resident bytes per subscriber once the first round's polls are held (`(RSS then − RSS before connecting) / subscribers`). */
  held?: (bytesPerSubscriber: number) => void;
}

/**
 * `subscribers` clients long-poll one channel as SDKs do (re-polling with the cursor they got);
 * each round fires `trigger` and records, per subscriber, the time until the first byte of its
 * answer arrived.
 */
async function deliveryLatency(target: Target, { channel, subscribers, rounds, trigger, held }: DeliveryRun): Promise<Latency> {
  const agent = new Agent({ keepAlive: true });
  const handshake = JSON.parse(await send(agent, `${target.url}${target.subscribePath(channel, '0')}`)) as { t: { t: string } };
  agent.destroy();
  const before = held && residentBytes(target.pid);
  const pollers: RawPoller[] = [];
  for (let start = 0; start < subscribers; start += 1_000) {
    pollers.push(...(await Promise.all(Array.from({ length: Math.min(1_000, subscribers - start) }, () => RawPoller.open(target.url)))));
  }
  const cursors = new Array<string>(subscribers).fill(handshake.t.t);
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const polls = pollers.map((poller, index) => poller.poll(target.subscribePath(channel, cursors[index]!)));
    // Every poll is held again: the event measures delivery, not polls still on their way in.
    await settled(target.pid);
    if (round === 0 && held && before !== undefined) held((residentBytes(target.pid) - before) / subscribers);
    const started = performance.now();
    await trigger(round);
    const answers = await Promise.all(polls);
    if (round > 0) for (const { at } of answers) samples.push(at - started); // round 0 warms up
    answers.forEach(({ body }, index) => (cursors[index] = (JSON.parse(body) as { t: { t: string } }).t.t));
  }
  for (const poller of pollers) poller.close();
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), samples: samples.length };
}

/** Resident bytes per idle long-poll: RSS with `count` held polls minus RSS before, over `count`. */
async function idleMemory(target: Target, count: number): Promise<number> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const warm = await send(agent, `${target.url}${target.subscribePath('idle-0', '0')}`);
  const tt = (JSON.parse(warm) as { t: { t: string } }).t.t;
  await new Promise((done) => setTimeout(done, 500));
  const before = residentBytes(target.pid);
  const polls: ReturnType<typeof open>[] = [];
  for (let start = 0; start < count; start += 500) {
    const batch = Array.from({ length: Math.min(500, count - start) }, (_, index) =>
      open(agent, `${target.url}${target.subscribePath(`idle-${start + index}`, tt)}`),
    );
    await Promise.all(batch.map((poll) => poll.connected));
    polls.push(...batch);
  }
  await new Promise((done) => setTimeout(done, 2_000));
  const after = residentBytes(target.pid);
  agent.destroy();
  await Promise.allSettled(polls.map((poll) => poll.answered));
  return (after - before) / count;
}

async function startBaseline(): Promise<Target> {
  const bare = await startLongPollBaseline();
  return { name: 'bare node:http long-poll', url: bare.url, pid: bare.pid, ...BASELINE_PATHS, stop: () => bare.stop() };
}

async function startRoster(args: string[] = []): Promise<Target> {
  const server = await startServer({ args: ['--subscribe-hold', '120', ...args] });
  return { name: 'Roster', url: server.url, pid: server.process.pid ?? 0, ...ROSTER_PATHS, stop: () => server.close() };
}

export interface RealtimeOptions {
  subscribers: number;
  rounds: number;
  idle: number;
  /** The many-subscriber case: subscribers on one channel, and rounds (the first warms up). */
  many: { subscribers: number; rounds: number };
}

/** One server's figures with many subscribers on one channel. */
export interface ManySubscribers {
  latency: Latency;
  /** Resident bytes per held subscriber: RSS with every poll held, less RSS before they connected, over their number. */
  heldBytes: number;
}

export interface RealtimeResult {
  /** Subscribers and idle polls actually used (the open-file limit may lower them). */
  subscribers: number;
  idle: number;
  baselinePublish: Latency;
  rosterPublish: Latency;
  rosterSet: Latency;
  check: Check;
  /** Resident bytes per idle long-poll. */
  memory: { baseline: number; roster: number };
  /**
   * `subscribers` long-polling one channel (10,000 in a full run): the baseline's publish →
   * deliver and Roster's set → App Context event, each with its memory per held subscriber.
   */
  many?: { subscribers: number; baseline: ManySubscribers; roster: ManySubscribers; memoryCheck: Check } | undefined;
  /** The same deliveries from a node with `--store postgres://… --bus nats://…` (through JetStream), or why not. */
  postgres?: { publish: Latency; set: Latency } | { skipped: string };
}

/** Runs `measure` on a node with a PostgreSQL database and JetStream stream of its own, removed after; or says why it cannot. */
async function onPostgres<T>(measure: (node: Target) => Promise<T>): Promise<T | { skipped: string }> {
  const unavailable = await servicesUnavailable();
  if (unavailable) {
    console.log(`  PostgreSQL + NATS node skipped: ${unavailable}`);
    return { skipped: unavailable };
  }
  const database = await createDatabase();
  const stream = benchStream('realtime');
  try {
    const node = await startRoster(['--store', database.url, '--bus', stream.url]);
    try {
      return await measure(node);
    } finally {
      await node.stop();
    }
  } finally {
    await database.drop();
    await stream.delete();
  }
}

/**
 * The many-subscriber case (`RealtimeResult.many`), on a fresh server of each kind so that what
 * earlier phases left in their heaps does not blur the memory per held subscriber; each round
 * waits for the server to hold every poll.
 */
async function manySubscribers(
  subscribers: number,
  rounds: number,
  triggers: { baseline: (target: Target) => (round: number) => Promise<void>; roster: (target: Target) => (round: number) => Promise<void> },
): Promise<NonNullable<RealtimeResult['many']>> {
  const measure = async (target: Target, trigger: (round: number) => Promise<void>): Promise<ManySubscribers> => {
    try {
      let heldBytes = NaN;
      const latency = await deliveryLatency(target, { channel: 'crowd', subscribers, rounds, trigger, held: (bytes) => (heldBytes = bytes) });
      return { latency, heldBytes };
    } finally {
      await target.stop();
    }
  };
  const baseline = await startBaseline();
  const baselineFigures = await measure(baseline, triggers.baseline(baseline));
  const roster = await startRoster();
  const rosterFigures = await measure(roster, triggers.roster(roster));
  return {
    subscribers,
    baseline: baselineFigures,
    roster: rosterFigures,
    memoryCheck: check({ measure: 'RSS per held subscriber', atMost: 10, unit: 'KiB' }, rosterFigures.heldBytes / 1024),
  };
}

export async function runRealtime(options: RealtimeOptions): Promise<RealtimeResult> {
  const limit = fileLimit();
  const subscribers = Math.max(10, Math.min(options.subscribers, limit - 256));
  const idle = Math.max(10, Math.min(options.idle, limit - 512));
  const baseline = await startBaseline();
  const roster = await startRoster();
  const publisher = new Agent({ keepAlive: true });
  const publishTo = (target: Target, channel: string) => async (round: number) => {
    await send(publisher, `${target.url}${target.publishPath(channel, JSON.stringify({ round }))}`);
  };
  const setOn =
    (channel: string, target: Target = roster) =>
    async (round: number) => {
      await new Promise<void>((resolve, reject) => {
        const body = JSON.stringify({ name: `Room ${round}` });
        const req = request(
          `${target.url}/v2/objects/demo/channels/${channel}`,
          { method: 'PATCH', agent: publisher, headers: { 'content-type': 'application/json' } },
          (response) => {
            response.resume();
            response.on('end', () => resolve());
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    };
  const rounds = options.rounds;
  try {
    // Memory first, on fresh servers, so earlier phases' garbage does not blur the growth.
    const memory = { baseline: await idleMemory(baseline, idle), roster: await idleMemory(roster, idle) };
    const baselinePublish = await deliveryLatency(baseline, { channel: 'room', subscribers, rounds, trigger: publishTo(baseline, 'room') });
    const rosterPublish = await deliveryLatency(roster, { channel: 'room', subscribers, rounds, trigger: publishTo(roster, 'room') });
    const rosterSet = await deliveryLatency(roster, { channel: 'lobby', subscribers, rounds, trigger: setOn('lobby') });
    const goal = { measure: `set → event p99 with ${subscribers} subscribers`, atMost: 20, unit: 'ms' as const };
    const postgres = await onPostgres(async (node) => ({
      publish: await deliveryLatency(node, { channel: 'room', subscribers, rounds, trigger: publishTo(node, 'room') }),
      set: await deliveryLatency(node, { channel: 'lobby', subscribers, rounds, trigger: setOn('lobby', node) }),
    }));
    const many = await manySubscribers(Math.max(10, Math.min(options.many.subscribers, limit - 256)), options.many.rounds, {
      baseline: (target) => publishTo(target, 'crowd'),
      roster: (target) => setOn('crowd', target),
    });
    return { subscribers, idle, baselinePublish, rosterPublish, rosterSet, memory, check: check(goal, rosterSet.p99), many, postgres };
  } finally {
    publisher.destroy();
    await roster.stop();
    await baseline.stop();
  }
}
