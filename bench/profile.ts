/**
 * Where a scenario's server time goes: runs one HTTP scenario against a Roster node started with
 * `--cpu-prof`, then prints the functions that took the most time over the measured run, by self time.
 *
 *   node --import tsx bench/profile.ts get|list|set [seconds] [--postgres] [--no-profile]
 *
 * `--postgres`: the node runs on a cluster's store and bus (`--store postgres://… --bus nats://…`),
 * a database and JetStream stream of the profile's own (lib/services.ts), dropped afterwards; the
 * CPU of PostgreSQL's backends and of the NATS server over the measured run is printed too.
 * `--no-profile`: the node runs without `--cpu-prof`, for CPU figures the profiler does not inflate.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarios } from './http.ts';
import { load } from './lib/load.ts';
import { startRoster } from './lib/processes.ts';
import { seedUsers } from './lib/seed.ts';
import { benchStream, createDatabase, servicesUnavailable, type BenchDatabase, type BenchStream } from './lib/services.ts';

interface Profile {
  startTime: number;
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

const USERS = 10_000;

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

/** Self time per function within `window`, as a share of it. */
function topFunctions(profile: Profile, count: number, [from, to]: [number, number]): string[] {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const self = new Map<string, number>();
  let total = 0;
  let time = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    if (time < from || time > to) return;
    const frame = frames.get(id)!;
    const where = frame.url.replace(/^.*\/node_modules\//, '').replace(/^.*\/packages\//, '');
    const name = `${frame.functionName || '(anonymous)'} ${where}${where ? `:${frame.lineNumber + 1}` : ''}`;
    self.set(name, (self.get(name) ?? 0) + delta);
    total += delta;
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, time]) => `${((100 * time) / total).toFixed(1).padStart(5)}%  ${name}`);
}

const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const [name = 'get', seconds = '6'] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const onPostgres = flags.includes('--postgres');
const profiling = !flags.includes('--no-profile');
const scenario = scenarios(USERS).find((candidate) => candidate.name.startsWith(name));
if (!scenario) throw new Error(`no scenario named ${name}: use get, list or set`);
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
  const seeder = await startRoster({ dir, args });
  await seedUsers(seeder.url, USERS);
  await seeder.server.stop();
  await database?.analyze();
  const profiles = mkdtempSync(join(tmpdir(), 'roster-cpuprofile-'));
  const roster = await startRoster({ dir, args, nodeOptions: profiling ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : [] });
  const shared = database && { shared: { postgres: database, nats: true } };
  const result = await load({ ...scenario.roster, url: `${roster.url}${scenario.sample.path}`, seconds: Number(seconds), pid: roster.pid, ...shared });
  await roster.stop();
  const store = onPostgres ? 'PostgreSQL + NATS' : 'SQLite';
  console.log(`${scenario.name} (${store}): ${Math.round(result.requestsPerSecond)} req/s, ${result.cpuMicrosPerRequest.toFixed(0)} µs node CPU per request`);
  for (const [name, micros] of Object.entries(result.sharedMicrosPerRequest)) console.log(`  ${name}: ${Math.round(micros)} µs CPU per request`);
  const main = profiling
    ? readdirSync(profiles)
        .sort()
        .find((file) => file.endsWith('.cpuprofile'))
    : undefined;
  if (main) {
    const profile = JSON.parse(readFileSync(join(profiles, main), 'utf8')) as Profile;
    console.log(`profile: ${join(profiles, main)}; self time over the measured run (main thread):`);
    for (const line of topFunctions(profile, 30, loadWindow(profile, Number(seconds)))) console.log(line);
  }
} finally {
  await database?.drop();
  await stream?.delete();
}
