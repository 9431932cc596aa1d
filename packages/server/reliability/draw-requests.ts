/**
 * Draws `runs` runs of every fuzzer group with fast-check's `seed`, as the fuzzer's `fc.assert`
 * draws them, and checks each URL is within the ceiling.
 * Run as its own process by fuzz-requests.test.ts, so that a draw that never ends can be stopped.
 *
 *   node --import tsx packages/server/reliability/draw-requests.ts <seed> <runs>
 */
import fc from 'fast-check';
import { GROUPS, MAX_FUZZ_URL, urlLength } from './fuzz-requests.ts';

const seed = Number(process.argv[2]);
const runs = Number(process.argv[3]);
for (const [group, draw] of Object.entries(GROUPS)) {
  const started = performance.now();
  fc.assert(
    fc.property(draw, (drawn) => drawn.every(({ request }) => urlLength(request) <= MAX_FUZZ_URL)),
    { seed, numRuns: runs },
  );
  console.log(`${group}: ${runs} drawn in ${Math.round(performance.now() - started)} ms`);
}
