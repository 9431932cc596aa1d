/**
 * Where a scenario's server time goes: runs one HTTP scenario against a Roster node started with
 * `--cpu-prof`, then prints the functions that took the most time over the measured run, by self time,
 * and Roster's own functions by time with what they called.
 *
 *   node --import tsx bench/profile.ts get|list|set|subscribe [seconds] [--postgres] [--no-profile] [--alloc] [--gc]
 *
 * `subscribe`: instead of an HTTP load, rounds of real-time delivery to 1,000 long-polling
 * subscribers of one channel (lib/fan-out.ts); its figures are per delivered answer.
 * `--postgres`: the node runs on a cluster's store and bus (`--store postgres://… --bus nats://…`),
 * a database and JetStream stream of the profile's own (lib/services.ts), dropped afterwards; the
 * CPU of PostgreSQL's backends and of the NATS server over the measured run is printed too.
 * `--no-profile`: the node runs without `--cpu-prof`, for CPU figures the profiler does not inflate.
 * `--alloc`: instead of CPU, what the node allocates per request over the measured run, in all and
 * by function (lib/allocation-sampler.ts), a figure that does not move with the host's speed.
 * `--gc`: instead of a CPU profile, V8's account of its garbage collections over the measured run
 * (lib/gc-log.ts): scavenges, their pauses, what they copy and promote, per request.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarios } from './http.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BASELINE_PATHS, fanOut, ROSTER_PATHS } from './lib/fan-out.ts';
import { CollectorLog } from './lib/gc-log.ts';
import { load, warmupSeconds, type LoadResult } from './lib/load.ts';
import { startFastifyFloor, startLongPollBaseline, startRoster, type Target } from './lib/processes.ts';
import { seedUsers } from './lib/seed.ts';
import { benchStream, createDatabase, servicesUnavailable, type BenchDatabase, type BenchStream } from './lib/services.ts';

interface Profile {
  startTime: number;
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

const USERS = 10_000;
const SUBSCRIBERS = 1_000;

/**
 * The measured run within the profile, as [start, end] in the profile's µs: the `seconds` before
 * the quiet stretch that follows the load (the node idles while the bench stops it; its last
 * moments close the pools and write this profile).
 */
function loadWindow(profile: Profile, seconds: number): [number, number] {
  const BUCKET = 250_000;
  const idle = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
  const busy: number[] = [];
  const all: number[] = [];
  let time = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    const bucket = Math.floor((time - profile.startTime) / BUCKET);
    all[bucket] = (all[bucket] ?? 0) + delta;
    if (!idle.has(id)) busy[bucket] = (busy[bucket] ?? 0) + delta;
  });
  const quiet = (bucket: number) => (busy[bucket] ?? 0) < 0.15 * (all[bucket] ?? 1);
  const last = all.length - 1;
  let end = last;
  while (end > last - 8 && end > 0 && !quiet(end)) end--; // the shutdown's own work, up to 2 s of it
  if (!quiet(end)) end = last; // no quiet stretch: the node stopped at once
  while (end > 0 && quiet(end)) end--; // the stop
  const endTime = profile.startTime + (end + 1) * BUCKET;
  return [endTime - seconds * 1e6, endTime];
}

type CallFrame = Profile['nodes'][number]['callFrame'];

/** `function file:line`, the file from its package on. */
function frameName(frame: CallFrame): string {
  const where = frame.url.replace(/^.*\/node_modules\//, '').replace(/^.*\/packages\//, '');
  return `${frame.functionName || '(anonymous)'} ${where}${where ? `:${frame.lineNumber + 1}` : ''}`;
}

/** Calls `visit` with each sample within `window`: its node's id and its time; returns their time in all. */
function eachSample(profile: Profile, [from, to]: [number, number], visit: (id: number, delta: number) => void): number {
  let total = 0;
  let time = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    if (time < from || time > to) return;
    total += delta;
    visit(id, delta);
  });
  return total;
}

/** The `count` largest of `times` as shares of `total`, largest first. */
function shareLines(times: Map<string, number>, total: number, count: number): string[] {
  return [...times]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, time]) => `${((100 * time) / total).toFixed(1).padStart(5)}%  ${name}`);
}

/** Self time per function within `window`, as a share of it. */
function topFunctions(profile: Profile, count: number, window: [number, number]): string[] {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const self = new Map<string, number>();
  const total = eachSample(profile, window, (id, delta) => {
    const name = frameName(frames.get(id)!);
    self.set(name, (self.get(name) ?? 0) + delta);
  });
  return shareLines(self, total, count);
}

/**
 * The busy time within `window` (all but `(idle)`) by whose code ran it (`ownerOf`), with native
 * code (no file), the garbage collector and V8's own `(program)` apart, as shares of the busy time.
 */
function busyByOwner(profile: Profile, window: [number, number]): string {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byOwner = new Map<string, number>();
  let busy = 0;
  eachSample(profile, window, (id, delta) => {
    const frame = frames.get(id)!;
    if (frame.functionName === '(idle)') return;
    const native = frame.functionName.startsWith('(') ? frame.functionName : 'native (builtins, Node bindings: writev…)';
    const owner = frame.url === '' ? native : ownerOf(frame.url);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + delta);
    busy += delta;
  });
  const shares = [...byOwner].sort((a, b) => b[1] - a[1]).map(([owner, time]) => `${owner} ${((100 * time) / busy).toFixed(1)}%`);
  return `busy time by whose code (self time): ${shares.join(', ')}`;
}

/**
 * Time per function with what it called (inclusive), within `window`, as a share of it: Roster's
 * own functions only (its files under packages/), the steps a request takes through its code, so
 * that work spread over many small callees shows up under the step that asks for it.
 */
function stepFunctions(profile: Profile, count: number, window: [number, number]): string[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const inclusive = new Map<string, number>();
  const total = eachSample(profile, window, (id, delta) => {
    const counted = new Set<string>(); // a recursive function counts once per sample
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const frame = nodes.get(at)!.callFrame;
      if (!frame.url.includes('/packages/')) continue;
      const name = frameName(frame);
      if (counted.has(name)) continue;
      counted.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + delta);
    }
  });
  return shareLines(inclusive, total, count);
}

/** A node of a sampling heap profile (lib/allocation-sampler.ts). */
interface AllocationNode {
  callFrame: CallFrame;
  selfSize: number;
  children: AllocationNode[];
}

const SAMPLER = fileURLToPath(new URL('./lib/allocation-sampler.ts', import.meta.url));

/** Requests the node has answered, from its `/metrics`. */
async function answered(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(/^roster_http_requests_total\{[^}]*\} (\d+)$/gm)) total += Number(match[1]);
  return total;
}

/**
 * Has the node's sampler (started with `ALLOCATION_PROFILE=file`) sample over the load's measured
 * run, which follows its warm-up; resolves with the requests answered meanwhile once `file` is written.
 */
async function sampleAllocations(url: string, pid: number, seconds: number, file: string): Promise<number> {
  await sleep(warmupSeconds(seconds) * 1000);
  const before = await answered(url);
  process.kill(pid, 'SIGUSR2');
  await sleep(seconds * 1000 - 250); // ends inside the load: no idle time in the sample
  const after = await answered(url);
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 60_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`no allocation profile at ${file} (the node's stderr says why)`);
    await sleep(50);
  }
  return after - before;
}

/** Whose code a frame runs: Roster's, a dependency's, Node's, or V8's own (builtins and the runtime, no file). */
function ownerOf(url: string): string {
  if (url.includes('/node_modules/')) return 'dependencies';
  if (url.includes('/packages/')) return 'Roster';
  return url.startsWith('node:') ? 'Node' : 'V8';
}

/** Bytes allocated per request, in all and by the function that allocated them, most first. */
function allocationLines(head: AllocationNode, requests: number, count: number): string[] {
  const self = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let total = 0;
  const visit = (node: AllocationNode): void => {
    if (node.selfSize > 0) {
      const name = frameName(node.callFrame);
      const owner = ownerOf(node.callFrame.url);
      self.set(name, (self.get(name) ?? 0) + node.selfSize);
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    node.children.forEach(visit);
  };
  visit(head);
  const perRequest = (bytes: number) => `${Math.round(bytes / requests)} B`.padStart(8);
  const owners = [...byOwner].sort((a, b) => b[1] - a[1]).map(([owner, bytes]) => `${owner} ${perRequest(bytes).trim()}`);
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, count);
  return [`${perRequest(total)}  per request in all: ${owners.join(', ')}`, ...top.map(([name, bytes]) => `${perRequest(bytes)}  ${name}`)];
}

/** The same rounds against a bare long-poll server: its CPU µs per answer. */
async function floorFanOut(start: () => Promise<Target>, seconds: number): Promise<number> {
  const floor = await start();
  try {
    return (await fanOut({ url: floor.url, pid: floor.pid, paths: BASELINE_PATHS, seconds, subscribers: SUBSCRIBERS })).cpuMicrosPerAnswer;
  } finally {
    await floor.stop();
  }
}

const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const [name = 'get', seconds = '6'] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const onPostgres = flags.includes('--postgres');
const allocating = flags.includes('--alloc');
const collecting = flags.includes('--gc');
const profiling = !flags.includes('--no-profile') && !allocating && !collecting;
const delivering = name === 'subscribe';
const scenario = scenarios(USERS).find((candidate) => candidate.name.startsWith(name));
if (!scenario && !delivering) throw new Error(`no scenario named ${name}: use get, list, set or subscribe`);
let database: BenchDatabase | undefined;
let stream: BenchStream | undefined;
if (onPostgres) {
  const unavailable = await servicesUnavailable();
  if (unavailable) throw new Error(`--postgres: ${unavailable}`);
  database = await createDatabase();
  stream = benchStream('profile');
}
try {
  const args = database && stream ? ['--store', database.url, '--bus', stream.url] : [];
  const dir = mkdtempSync(join(tmpdir(), 'roster-profile-'));
  const profiles = mkdtempSync(join(tmpdir(), 'roster-cpuprofile-'));
  const allocations = allocating ? join(mkdtempSync(join(tmpdir(), 'roster-allocations-')), 'allocations.heapprofile') : undefined;
  if (allocations) process.env['ALLOCATION_PROFILE'] = allocations;
  const nodeOptions = profiling
    ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`]
    : allocating
      ? ['--import', 'tsx', '--import', SAMPLER]
      : collecting
        ? ['--trace-gc-nvp']
        : [];
  const roster = await startRoster({ dir, args, nodeOptions });
  // Seeded through the node measured, as bench/http.ts seeds: on a cluster's bus it then knows
  // each channel's last message, where a node new to them would first look each one up.
  if (!delivering) await seedUsers(roster.url, USERS);
  await database?.analyze();
  const collections = collecting && roster.server.process.stdout ? new CollectorLog(roster.server.process.stdout) : undefined;
  const sampled = allocations ? sampleAllocations(roster.url, roster.pid, Number(seconds), allocations) : undefined;
  const shared = database && { shared: { postgres: database, nats: true } };
  const run = { url: roster.url, pid: roster.pid, seconds: Number(seconds) };
  const result: Pick<LoadResult, 'cpuMicrosPerRequest' | 'sharedMicrosPerRequest' | 'requests' | 'measuredWindow'> & {
    rate: string;
    systemMicrosPerRequest?: number;
  } = scenario
    ? await load({ ...scenario.roster, ...run, url: `${roster.url}${scenario.sample.path}`, ...shared }).then((done) => ({
        ...done,
        rate: `${Math.round(done.requestsPerSecond)} req/s`,
      }))
    : await fanOut({ ...run, paths: ROSTER_PATHS, subscribers: SUBSCRIBERS }).then((done) => ({
        cpuMicrosPerRequest: done.cpuMicrosPerAnswer,
        sharedMicrosPerRequest: {},
        requests: done.answers,
        measuredWindow: done.measuredWindow,
        rate: `${done.rounds} rounds of ${SUBSCRIBERS} answers`,
      }));
  const requests = await sampled;
  await roster.stop();
  const store = onPostgres ? 'PostgreSQL + NATS' : 'SQLite';
  const inflated = allocating ? ' (the sampler slows the node: these are no measure of speed)' : '';
  const title = scenario?.name ?? `subscribe: a message delivered to ${SUBSCRIBERS} long-polls`;
  const kernel = result.systemMicrosPerRequest === undefined ? '' : ` (${result.systemMicrosPerRequest.toFixed(0)} of them in the kernel)`;
  console.log(`${title} (${store}): ${result.rate}, ${result.cpuMicrosPerRequest.toFixed(0)} µs node CPU per request${kernel}${inflated}`);
  for (const [name, micros] of Object.entries(result.sharedMicrosPerRequest)) console.log(`  ${name}: ${Math.round(micros)} µs CPU per request`);
  if (delivering) {
    console.log(`  the bare node:http fan-out, same rounds: ${(await floorFanOut(startLongPollBaseline, Number(seconds))).toFixed(0)} µs CPU per answer`);
    console.log(`  the same on bare Fastify: ${(await floorFanOut(startFastifyFloor, Number(seconds))).toFixed(0)} µs CPU per answer`);
  }
  const main = profiling
    ? readdirSync(profiles)
        .sort()
        .find((file) => file.endsWith('.cpuprofile'))
    : undefined;
  if (collections) {
    for (const line of collections.summary(result.measuredWindow, result.requests)) console.log(line);
  }
  if (allocations && requests !== undefined) {
    const profile = JSON.parse(readFileSync(allocations, 'utf8')) as { head: AllocationNode };
    console.log(`allocation profile: ${allocations}; bytes allocated per request over ${requests} requests (main thread):`);
    for (const line of allocationLines(profile.head, requests, 30)) console.log(line);
  }
  if (main) {
    const profile = JSON.parse(readFileSync(join(profiles, main), 'utf8')) as Profile;
    console.log(`profile: ${join(profiles, main)}; self time over the measured run (main thread):`);
    const window = loadWindow(profile, Number(seconds));
    for (const line of topFunctions(profile, 30, window)) console.log(line);
    console.log(busyByOwner(profile, window));
    console.log("Roster's functions by time with what they called (inclusive), over the same run:");
    for (const line of stepFunctions(profile, 30, window)) console.log(line);
  }
} finally {
  await database?.drop();
  await stream?.delete();
}
