import type { LoadResult } from './load.ts';

/** Turns of one load as one result: rates averaged, mean latency and CPU weighted by requests, percentiles the worst turn's; the window from the first turn's start to the last one's end. */
export function combined(turns: LoadResult[]): LoadResult {
  const requests = turns.reduce((sum, turn) => sum + turn.requests, 0);
  const weighted = (pick: (turn: LoadResult) => number) => turns.reduce((sum, turn) => sum + pick(turn) * turn.requests, 0) / requests;
  return {
    requestsPerSecond: turns.reduce((sum, turn) => sum + turn.requestsPerSecond, 0) / turns.length,
    mean: weighted((turn) => turn.mean),
    p50: Math.max(...turns.map((turn) => turn.p50)),
    p99: Math.max(...turns.map((turn) => turn.p99)),
    requests,
    errors: turns.reduce((sum, turn) => sum + turn.errors, 0),
    non2xx: turns.reduce((sum, turn) => sum + turn.non2xx, 0),
    cpuMicrosPerRequest: weighted((turn) => turn.cpuMicrosPerRequest),
    sharedMicrosPerRequest: Object.fromEntries(
      Object.keys(turns[0]?.sharedMicrosPerRequest ?? {}).map((name) => [name, weighted((turn) => turn.sharedMicrosPerRequest[name] ?? Number.NaN)]),
    ),
    measuredWindow: [Math.min(...turns.map((turn) => turn.measuredWindow[0])), Math.max(...turns.map((turn) => turn.measuredWindow[1]))],
  };
}

/**
 * Runs the loads `a` and `b` in `rounds` turns each, the order alternating (a b, b a, a b, …), so
 * that whatever else the machine does falls on both alike; resolves with each one's turns combined.
 */
export async function inTurns(rounds: number, a: () => Promise<LoadResult>, b: () => Promise<LoadResult>): Promise<[LoadResult, LoadResult]> {
  const turns: [LoadResult[], LoadResult[]] = [[], []];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      turns[0].push(await a());
      turns[1].push(await b());
    } else {
      turns[1].push(await b());
      turns[0].push(await a());
    }
  }
  return [combined(turns[0]), combined(turns[1])];
}
