import { randomBytes } from 'node:crypto';
import { defineConfig } from 'vitest/config';
import { clusterUnavailable } from './packages/testing/src/cluster.ts';

/**
 * `npm run test:cluster`: the black-box HTTP suites, the same files as `npm test`, with each test
 * server a cluster — two nodes sharing a PostgreSQL database, a NATS JetStream stream and presence
 * keys in Redis (`--presence`) made for that server, behind a proxy that sends each connection to
 * one node or the other (TEST_ROSTER_TARGET=cluster, packages/testing/src/server.ts). Without
 * PostgreSQL, NATS or Redis it prints one line per missing service and runs nothing.
 */

/** Suites of those folders that the cluster run leaves out, and why. */
const EXCLUDED: Record<string, string> = {
  'packages/server/test/cluster.test.ts': 'starts its own three-node cluster on PostgreSQL and NATS; `npm test` runs it',
  'packages/server/test/cluster-failure.test.ts': 'starts its own cluster and stops PostgreSQL or NATS under it; `npm test` runs it',
  'packages/server/test/cluster-races.test.ts': 'starts its own cluster for racing writers; `npm test` runs it',
  'packages/server/test/outbox.test.ts':
    'writes the SQLite file of a stopped node by hand; its PostgreSQL + NATS half starts its own nodes; `npm test` runs it',
  'packages/server/test/single-writer.test.ts': "SQLite's single-writer lock on the database file",
  'packages/server/test/sqlite-writes-attack.test.ts':
    "SQLite's group commits, outbox rows and schema migration 9, read through /metrics and the file: `npm test` runs it",
  'packages/server/test/backup.test.ts': '`roster backup` copies a SQLite database file',
  'packages/server/test/transfer.test.ts': '`roster export` / `import` on SQLite files, and on a PostgreSQL database of its own: it picks `--store` itself',
  'packages/server/test/cli.test.ts': '`roster serve` run by hand: `--db` and ROSTER_DB paths and the startup summary naming the SQLite file',
  'packages/server/test/cli-database.test.ts': '`--db` paths SQLite cannot open (missing directory, read-only directory)',
  'packages/server/test/cli-startup.test.ts': '`roster serve` failing at start: port in use, SQLite files that are not databases or are damaged',
  'packages/server/test/keys-cli.test.ts': 'the `roster keys` command and a node refusing a bad config, started by hand: no test server',
  'packages/server/test/docs-links.test.ts': 'checks the documentation: starts no server',
  'packages/server/test/build.test.ts': 'the compiled server (dist/) started by hand on SQLite: no test server',
  'packages/server/test/tls.test.ts': 'HTTPS of a node started by hand on SQLite: no test server',
  'packages/server/test/listen-backlog.test.ts': "reads a node's listening socket; on a cluster the test server's port is the balancer's",
  'packages/sdk/test/transport.test.ts': "the SDK's transport against a local stub socket: starts no Roster server",
  'packages/sdk/test/official-sdk-requests.test.ts': "compares the SDK's requests with the official SDK's: starts no Roster server",
};

const unavailable = await clusterUnavailable();
for (const reason of unavailable) console.log(`test:cluster skipped: ${reason}`);

const run = randomBytes(3).toString('hex');
// Read by the global setup (this process) and the test workers, which inherit it.
process.env['TEST_ROSTER_CLUSTER_RUN'] = run;

export default defineConfig({
  test: {
    include: unavailable.length > 0 ? [] : ['packages/server/test/*.test.ts', 'packages/sdk/test/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', ...Object.keys(EXCLUDED)],
    passWithNoTests: true,
    env: { TEST_ROSTER_TARGET: 'cluster', TEST_ROSTER_CLUSTER_RUN: run },
    globalSetup: ['packages/testing/src/cluster-setup.ts'],
    // Each test server is two Node.js processes plus PostgreSQL and NATS work: two files at a time
    // keep a 2-core machine busy without starving the long-poll timings.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
