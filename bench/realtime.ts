/**
 * Real-time benchmark: delivery latency to 1,000 long-polling subscribers, and memory per idle
 * subscriber, for a Roster node and, as the baseline measured in the same run, a bare
 * `node:http` long-poll server that does nothing but hold requests and answer them on publish.
 *
 *   node --import tsx bench/realtime.ts
 *
 * Loopback only. Every held long-poll costs one file descriptor here and one in the server. Node
 * raises its own soft `ulimit -n` to the hard limit at start-up, so the hard limit is what counts:
 * below about 11,000 the script measures fewer subscribers and says so in its first line.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { Agent, createServer, request, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from '../packages/server/test/fixture.ts';

const SUBSCRIBERS = 1_000;
const ROUNDS = 30;
const IDLE_WANTED = 10_000;

// ---- the baseline: a bare long-poll server (runs as a child process of this script) ----

function runBaselineServer(): void {
  const waiting = new Map<string, Set<ServerResponse>>();
  let counter = 17_000_000_000_000_000n;
  const server = createServer((req, res) => {
    const [path = '', query = ''] = (req.url ?? '').split('?');
    const parts = path.split('/');
    if (parts[1] === 'subscribe') {
      const channel = parts[2] ?? '';
      if (query === 'tt=0') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(`{"t":{"t":"${counter}","r":1},"m":[]}`);
        return;
      }
      let set = waiting.get(channel);
      if (!set) waiting.set(channel, (set = new Set()));
      set.add(res);
      res.once('close', () => set.delete(res));
      return;
    }
    if (parts[1] === 'publish') {
      const channel = parts[2] ?? '';
      const timetoken = String(++counter);
      const body = `{"t":{"t":"${timetoken}","r":1},"m":[{"c":"${channel}","p":{"t":"${timetoken}","r":1},"d":${decodeURIComponent(parts[3] ?? 'null')}}]}`;
      const set = waiting.get(channel);
      waiting.delete(channel);
      for (const held of set ?? []) held.writeHead(200, { 'content-type': 'text/javascript' }).end(body);
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(`[1,"Sent","${timetoken}"]`);
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  });
}

// ---- measurement helpers ----

interface Target {
  name: string;
  url: string;
  pid: number;
  subscribePath(channel: string, tt: string): string;
  publishPath(channel: string, message: string): string;
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

/** Resident memory of a process, in bytes (Linux /proc; 0 elsewhere). */
function residentBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function get(agent: Agent, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
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

interface Latency {
  p50: number;
  p99: number;
  samples: number;
}

/**
 * `subscribers` clients long-poll one channel as SDKs do (re-polling with the cursor they got);
 * each round fires `trigger` and records, per subscriber, the time until its answer arrived.
 */
async function deliveryLatency(
  target: Target,
  { channel, subscribers, trigger }: { channel: string; subscribers: number; trigger: (round: number) => Promise<void> },
): Promise<Latency> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const handshake = JSON.parse(await get(agent, `${target.url}${target.subscribePath(channel, '0')}`)) as { t: { t: string } };
  const cursors = new Array<string>(subscribers).fill(handshake.t.t);
  const samples: number[] = [];
  let polls = Array.from({ length: subscribers }, (_, index) => open(agent, `${target.url}${target.subscribePath(channel, cursors[index]!)}`));
  await Promise.all(polls.map((poll) => poll.connected));
  for (let round = 0; round < ROUNDS; round++) {
    await new Promise((done) => setTimeout(done, 100)); // every poll is held again
    const started = performance.now();
    const arrivals = polls.map((poll) => poll.answered.then((body) => ({ body, at: performance.now() })));
    await trigger(round);
    const answers = await Promise.all(arrivals);
    if (round > 0) for (const { at } of answers) samples.push(at - started); // round 0 warms up
    polls = answers.map(({ body }, index) => {
      cursors[index] = (JSON.parse(body) as { t: { t: string } }).t.t;
      return open(agent, `${target.url}${target.subscribePath(channel, cursors[index]!)}`);
    });
    await Promise.all(polls.map((poll) => poll.connected));
  }
  agent.destroy();
  await Promise.allSettled(polls.map((poll) => poll.answered));
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), samples: samples.length };
}

/** Resident bytes per idle long-poll: RSS with `count` held polls minus RSS before, over `count`. */
async function idleMemory(target: Target, count: number): Promise<number> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const warm = await get(agent, `${target.url}${target.subscribePath('idle-0', '0')}`);
  const tt = (JSON.parse(warm) as { t: { t: string } }).t.t;
  await new Promise((done) => setTimeout(done, 500));
  const before = residentBytes(target.pid);
  const polls: ReturnType<typeof open>[] = [];
  for (let start = 0; start < count; start += 500) {
    const batch = Array.from({ length: Math.min(500, count - start) }, (_, index) => open(agent, `${target.url}${target.subscribePath(`idle-${start + index}`, tt)}`));
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
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'baseline-server'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /listening on (\S+)/.exec(chunk.toString());
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`baseline server exited with ${code}`)));
  });
  return {
    name: 'bare node:http long-poll',
    url,
    pid: child.pid ?? 0,
    subscribePath: (channel, tt) => `/subscribe/${channel}?tt=${tt}`,
    publishPath: (channel, message) => `/publish/${channel}/${encodeURIComponent(message)}`,
    stop: async () => {
      child.kill('SIGTERM');
    },
  };
}

async function startRoster(): Promise<Target> {
  const server = await startServer({ args: ['--subscribe-hold', '120'] });
  return {
    name: 'Roster',
    url: server.url,
    pid: server.process.pid ?? 0,
    subscribePath: (channel, tt) => `/v2/subscribe/demo/${encodeURIComponent(channel)}/0?tt=${tt}&tr=1&uuid=bench`,
    publishPath: (channel, message) => `/publish/demo/demo/0/${encodeURIComponent(channel)}/0/${encodeURIComponent(message)}?uuid=bench`,
    stop: () => server.close(),
  };
}

async function main(): Promise<void> {
  const limit = fileLimit();
  const subscribers = Math.max(10, Math.min(SUBSCRIBERS, limit - 256));
  const idleCount = Math.max(10, Math.min(IDLE_WANTED, limit - 512));
  console.log(`Node ${process.version}, ulimit -n ${limit}: ${subscribers} subscribers for latency, ${idleCount} idle long-polls for memory (${ROUNDS - 1} measured rounds)`);

  const baseline = await startBaseline();
  const roster = await startRoster();
  const publisher = new Agent({ keepAlive: true });
  const publishTo = (target: Target, channel: string) => async (round: number) => {
    await get(publisher, `${target.url}${target.publishPath(channel, JSON.stringify({ round }))}`);
  };
  const setOn = (channel: string) => async (round: number) => {
    await new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({ name: `Room ${round}` });
      const req = request(`${roster.url}/v2/objects/demo/channels/${channel}`, { method: 'PATCH', agent: publisher, headers: { 'content-type': 'application/json' } }, (response) => {
        response.resume();
        response.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(body);
    });
  };

  try {
    // Memory first, on fresh servers, so earlier phases' garbage does not blur the growth.
    const bareMemory = await idleMemory(baseline, idleCount);
    const rosterMemory = await idleMemory(roster, idleCount);
    const bare = await deliveryLatency(baseline, { channel: 'room', subscribers, trigger: publishTo(baseline, 'room') });
    const published = await deliveryLatency(roster, { channel: 'room', subscribers, trigger: publishTo(roster, 'room') });
    const set = await deliveryLatency(roster, { channel: 'lobby', subscribers, trigger: setOn('lobby') });

    const ms = (value: number) => `${value.toFixed(2)} ms`;
    console.log('');
    console.log(`delivery latency to ${subscribers} long-polling subscribers (trigger sent → answer received), ${set.samples} samples each`);
    const row = (label: string, latency: Latency) => console.log(`  ${label.padEnd(52)} p50 ${ms(latency.p50).padStart(9)}   p99 ${ms(latency.p99).padStart(9)}`);
    row(`baseline (${baseline.name}): publish → deliver`, bare);
    row('Roster: publish → deliver', published);
    row('Roster: set (channel PATCH) → App Context event', set);
    console.log(`  ratio Roster publish / baseline:  p50 ${(published.p50 / bare.p50).toFixed(2)}x   p99 ${(published.p99 / bare.p99).toFixed(2)}x`);
    console.log(`  ratio Roster set / Roster publish: p50 ${(set.p50 / published.p50).toFixed(2)}x   p99 ${(set.p99 / published.p99).toFixed(2)}x`);
    console.log('');
    console.log(`memory per idle subscriber (server RSS growth over ${idleCount} held long-polls)`);
    console.log(`  ${`baseline (${baseline.name})`.padEnd(52)} ${(bareMemory / 1024).toFixed(1)} KiB`);
    console.log(`  ${'Roster'.padEnd(52)} ${(rosterMemory / 1024).toFixed(1)} KiB`);
    console.log(`  ratio Roster / baseline: ${(rosterMemory / bareMemory).toFixed(2)}x`);
  } finally {
    publisher.destroy();
    await roster.stop();
    await baseline.stop();
  }
}

if (process.argv[2] === 'baseline-server') runBaselineServer();
else await main();
