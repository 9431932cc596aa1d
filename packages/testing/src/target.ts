/**
 * What the black-box suites run against, from `TEST_ROSTER_TARGET`:
 *
 * - `sqlite` (the default, `npm test`): each `startServer()` is one node on its own SQLite file
 *   with the in-process bus.
 * - `cluster` (`npm run test:cluster`): each `startServer()` is two nodes sharing a PostgreSQL
 *   database, a NATS JetStream stream and presence keys in Redis made for that server, behind a
 *   connection-balancing proxy (see cluster.ts).
 */
export type TestTarget = 'sqlite' | 'cluster';

function target(value: string | undefined): TestTarget {
  if (value === undefined || value === '' || value === 'sqlite') return 'sqlite';
  if (value === 'cluster') return 'cluster';
  throw new Error(`TEST_ROSTER_TARGET=${value}: expected sqlite or cluster`);
}

export const TEST_TARGET: TestTarget = target(process.env['TEST_ROSTER_TARGET']);

/** True when `startServer()` starts a PostgreSQL + NATS + Redis cluster (`TEST_ROSTER_TARGET=cluster`). */
export const onCluster = TEST_TARGET === 'cluster';

/**
 * Runs `check` (assertions about what only a single SQLite node shows, such as the database file
 * in the startup summary) unless the suite runs on a cluster. `why` says what is SQLite-only, for
 * the reader; it is not printed.
 */
export function sqliteOnly(why: string, check: () => void): void {
  void why;
  if (!onCluster) check();
}

/** A subscribe answer, as far as `pollFor` reads it. */
export interface PollAnswer<T> {
  t: { t: string; r?: number };
  m: T[];
}

/**
 * A subscribe poll made right after writes. On one node its answer carries every envelope the
 * writes made: the in-process bus hands them over before the writes are answered. On a cluster
 * they reach the node that answers the poll a moment later, possibly over several answers: there
 * `pollFor` polls on from each answer's cursor until `count` envelopes came or `timeoutMs` passed,
 * and returns them all with the last answer's cursor (an `m` with fewer than `count` then fails
 * the test's own check). On SQLite it polls once, so the test still checks that one answer holds
 * them all.
 */
export async function pollFor<T>(poll: (tt: string) => Promise<PollAnswer<T>>, tt: string, count: number, timeoutMs = 15_000): Promise<PollAnswer<T>> {
  let answer = await poll(tt);
  if (!onCluster) return answer;
  const envelopes = [...answer.m];
  const deadline = Date.now() + timeoutMs;
  while (envelopes.length < count && Date.now() < deadline) {
    answer = await poll(answer.t.t);
    envelopes.push(...answer.m);
  }
  return { ...answer, m: envelopes };
}
