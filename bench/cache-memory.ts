/**
 * What a node's caches hold when clients fill records to the limit: `users` users of about 30 KB
 * each are written, each is read with every include set (8), and lists of up to 100 (the first
 * page of overlapping `name like` filters) are read with 4 include sets. The node's resident memory is printed after the writes and after the
 * reads; what the reads add is what the record cache, the kept pages and their texts hold (their
 * bounds: docs/decisions.md, "Memory kept for reuse").
 *
 *   node --import tsx bench/cache-memory.ts [users] [--heap-mib N]
 *
 * `--heap-mib N` starts the node with `--max-old-space-size=N`, as a container's memory limit
 * would bound it: a node whose caches grow with what clients store runs out of heap and dies.
 */
import { residentBytes } from '@roster/testing/server';
import { startRoster } from './lib/processes.ts';
import { sendAll } from './lib/seed.ts';

const args = process.argv.slice(2);
const heapAt = args.indexOf('--heap-mib');
const heapMiB = heapAt === -1 ? undefined : Number(args[heapAt + 1]);
const users = Number(args.find((arg, n) => !arg.startsWith('--') && n !== heapAt + 1) ?? 3000);
const INCLUDES = ['custom', 'status', 'type'];
/** Every subset of `INCLUDES`, as `include` values. */
const includeSets = Array.from({ length: 1 << INCLUDES.length }, (_, mask) => INCLUDES.filter((_, bit) => mask & (1 << bit)).join(','));
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

const roster = await startRoster(heapMiB === undefined ? {} : { nodeOptions: [`--max-old-space-size=${heapMiB}`] });
try {
  const bio = 'x'.repeat(30_000);
  await sendAll(
    roster.url,
    users,
    (n) => ({ method: 'PATCH', path: `/v2/objects/demo/uuids/big-${n}`, body: JSON.stringify({ name: `Big ${n}`, custom: { bio } }) }),
    8,
  );
  const written = residentBytes(roster.pid);
  await sendAll(roster.url, users * includeSets.length, (n) => ({
    method: 'GET',
    path: `/v2/objects/demo/uuids/big-${n % users}?include=${includeSets[Math.floor(n / users)]}`,
  }));
  const pages = Math.ceil(users / 100);
  await sendAll(
    roster.url,
    pages * 4,
    (n) => ({
      method: 'GET',
      path: `/v2/objects/demo/uuids?limit=100&include=${includeSets[4 + (n % 4)]}&filter=${encodeURIComponent(`name like "Big ${Math.floor(n / 4)}*"`)}`,
    }),
    4,
  );
  const read = residentBytes(roster.pid);
  console.log(`${users} users of about 30 KB: resident ${mib(written)} after the writes, ${mib(read)} after the reads (+${mib(read - written)})`);
} catch (error) {
  await new Promise((settled) => setTimeout(settled, 2000)); // a node that died has exited by now
  const { exitCode, signalCode } = roster.server.process;
  if (exitCode === null && signalCode === null) throw error;
  console.log(`${users} users of about 30 KB: the node died (${signalCode ?? `exit code ${exitCode}`}) while they were read or written`);
  process.exitCode = 1;
} finally {
  await roster.stop();
}
