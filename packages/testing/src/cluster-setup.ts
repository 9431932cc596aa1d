import { removeClusterRun } from './cluster.ts';

/**
 * vitest global setup of the cluster run (vitest.cluster.config.ts): after every file has run,
 * removes the databases, streams and Redis presence keys of this run that a test left behind (a server it never closed,
 * a worker that crashed). Each test server removes its own on `close()`.
 */
export default function setup(): () => Promise<void> {
  const run = process.env['TEST_ROSTER_CLUSTER_RUN'];
  return async () => {
    if (run === undefined) return;
    const left = await removeClusterRun(run);
    if (left.length > 0) process.stderr.write(`test:cluster removed what tests left behind: ${left.join(', ')}\n`);
  };
}
