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
    systemMicrosPerRequest: weighted((turn) => turn.systemMicrosPerRequest),
    clientWaitsPerRequest: weighted((turn) => turn.clientWaitsPerRequest),
    sharedMicrosPerRequest: Object.fromEntries(
      Object.keys(turns[0]?.sharedMicrosPerRequest ?? {}).map((name) => [name, weighted((turn) => turn.sharedMicrosPerRequest[name] ?? Number.NaN)]),
    ),
    measuredWindow: [Math.min(...turns.map((turn) => turn.measuredWindow[0])), Math.max(...turns.map((turn) => turn.measuredWindow[1]))],
  };
}

/**
 * Runs each of `loads` in `rounds` turns, the order alternating (first to last, then last to
 * first, …), so that whatever else the machine does falls on all alike; resolves with each one's
 * turns combined, in the order of `loads`.
 */
export async function inTurnsEach(rounds: number, loads: readonly (() => Promise<LoadResult>)[]): Promise<LoadResult[]> {
  const turns = loads.map((): LoadResult[] => []);
  for (let round = 0; round < rounds; round++) {
    const order = loads.map((_load, index) => (round % 2 === 0 ? index : loads.length - 1 - index));
    for (const index of order) turns[index]!.push(await loads[index]!());
  }
  return turns.map(combined);
}

/** `inTurnsEach` for two loads: a b, b a, a b, … */
export async function inTurns(rounds: number, a: () => Promise<LoadResult>, b: () => Promise<LoadResult>): Promise<[LoadResult, LoadResult]> {
  const [first, second] = await inTurnsEach(rounds, [a, b]);
  return [first!, second!];
}
