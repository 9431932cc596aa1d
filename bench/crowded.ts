/**
 * What one busy channel or record costs on a node that also holds many others: server CPU per
 * request for a publish, a subscribe handshake and a set on one channel or user, measured on a
 * fresh node (quiet), then again once `crowd` other channels were subscribed to and published on
 * and `crowd` other users set (crowded). The crowded figure over the quiet one should stay near
 * 1: a node's cost per request should not grow with what else it holds.
 *
 *   node --import tsx bench/crowded.ts [seconds] [crowd]
 *
 * autocannon, 10 connections, `seconds` (default 5) of measured load a scenario, `crowd` default
 * 10,000. Each set changes the user (its name counts up), so every one is a write.
 */
import { load, type LoadOptions } from './lib/load.ts';
import { startRoster } from './lib/processes.ts';
import { seedUsers, sendAll } from './lib/seed.ts';

const [seconds = 5, crowd = 10_000] = process.argv.slice(2).map(Number);

let sets = 0;
const scenarios: { name: string; options: Omit<LoadOptions, 'url' | 'seconds' | 'pid'> & { path: string } }[] = [
  { name: 'publish to one channel', options: { path: '/publish/demo/demo/0/room/0/%22hi%22?uuid=bench' } },
  { name: 'subscribe handshake on one channel', options: { path: '/v2/subscribe/demo/room/0?tt=0&uuid=bench' } },
  {
    name: 'set one user',
    options: {
      path: '/v2/objects/demo/uuids/hot',
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      next: () => ({ path: '/v2/objects/demo/uuids/hot', body: JSON.stringify({ name: `Hot ${sets++}` }) }),
    },
  },
];

const roster = await startRoster();
try {
  const measure = async () => {
    const micros: number[] = [];
    for (const { options } of scenarios) {
      const { path, ...rest } = options;
      const result = await load({ ...rest, url: `${roster.url}${path}`, seconds, connections: 10, pid: roster.pid });
      if (result.errors + result.non2xx > 0) throw new Error(`${path}: ${result.errors} errors, ${result.non2xx} non-2xx`);
      micros.push(result.cpuMicrosPerRequest);
    }
    return micros;
  };
  const quiet = await measure();
  await seedUsers(roster.url, crowd);
  await sendAll(roster.url, crowd, (index) => ({ method: 'GET', path: `/v2/subscribe/demo/crowd-${index}/0?tt=0&uuid=member-${index}` }));
  await sendAll(roster.url, crowd, (index) => ({ method: 'GET', path: `/publish/demo/demo/0/crowd-${index}/0/%22hi%22?uuid=member-${index}` }));
  const crowded = await measure();
  console.log(`server CPU µs per request, on a quiet node and beside ${crowd} other channels and users (${seconds} s a scenario)`);
  console.log('| request | quiet | crowded | crowded / quiet |\n| --- | --- | --- | --- |');
  scenarios.forEach(({ name }, index) => {
    const [before, after] = [quiet[index]!, crowded[index]!];
    console.log(`| ${name} | ${before.toFixed(0)} | ${after.toFixed(0)} | ${(after / before).toFixed(2)}× |`);
  });
} finally {
  await roster.stop();
}
