/**
 * Where a scenario's server time goes: runs one HTTP scenario against a Roster node started with
 * `--cpu-prof`, then prints the functions that took the most time, by self time.
 *
 *   node --import tsx bench/profile.ts get|list|set [seconds]
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarios } from './http.ts';
import { load } from './lib/load.ts';
import { startRoster } from './lib/processes.ts';
import { seedUsers } from './lib/seed.ts';

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

const USERS = 10_000;

/** Self time per function, as a share of the whole profile. */
function topFunctions(profile: Profile, count: number): string[] {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const frame = frames.get(id)!;
    const where = frame.url.replace(/^.*\/node_modules\//, '').replace(/^.*\/packages\//, '');
    const name = `${frame.functionName || '(anonymous)'} ${where}${where ? `:${frame.lineNumber + 1}` : ''}`;
    const delta = profile.timeDeltas[index] ?? 0;
    self.set(name, (self.get(name) ?? 0) + delta);
    total += delta;
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, time]) => `${((100 * time) / total).toFixed(1).padStart(5)}%  ${name}`);
}

const name = process.argv[2] ?? 'get';
const scenario = scenarios(USERS).find((candidate) => candidate.name.startsWith(name));
if (!scenario) throw new Error(`no scenario named ${name}: use get, list or set`);
const dir = mkdtempSync(join(tmpdir(), 'roster-profile-'));
const seeder = await startRoster({ dir });
await seedUsers(seeder.url, USERS);
await seeder.server.stop();
const profiles = join(dir, 'profiles');
const roster = await startRoster({ dir, nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${profiles}`] });
const result = await load({ ...scenario.roster, url: `${roster.url}${scenario.sample.path}`, seconds: Number(process.argv[3] ?? 6), pid: roster.pid });
await roster.stop();
console.log(`${scenario.name}: ${Math.round(result.requestsPerSecond)} req/s, ${result.cpuMicrosPerRequest.toFixed(0)} µs server CPU per request`);
const main = readdirSync(profiles)
  .sort()
  .find((file) => file.endsWith('.cpuprofile'))!;
for (const line of topFunctions(JSON.parse(readFileSync(join(profiles, main), 'utf8')) as Profile, 25)) console.log(line);
