/**
 * A 3-node cluster: three Roster nodes on one PostgreSQL database and one NATS JetStream stream
 * (both of the bench's own, removed afterwards), under the HTTP scenarios' load, first on one
 * node alone, then with the connections spread evenly over the three.
 *
 * On a machine with few cores this shows what a cluster costs, not how it scales: the nodes,
 * PostgreSQL, NATS and the load generator all share the same cores. What carries over to a real
 * deployment is CPU time per request, read for each node and for PostgreSQL's backends and NATS,
 * from which the capacity of N nodes on their own cores can be worked out (see `capacity`).
 */
import { cpus } from 'node:os';
import { scenarios } from './http.ts';
import { loadSpread, type SpreadResult } from './lib/load.ts';
import { startRoster, type Target } from './lib/processes.ts';
import { seedUsers } from './lib/seed.ts';
import { benchStream, createDatabase, natsServerPids, servicesUnavailable } from './lib/services.ts';

export interface ClusterOptions {
  nodes: number;
  seconds: number;
  users: number;
  connections: number;
}

export interface ClusterScenario {
  name: string;
  /** The scenario on the first node alone. */
  single: SpreadResult;
  /** The same load spread over every node. */
  cluster: SpreadResult;
}

export type ClusterResult = { nodes: number; cpus: number; scenarios: ClusterScenario[] } | { skipped: string };

export async function runCluster(options: ClusterOptions): Promise<ClusterResult> {
  const unavailable = await servicesUnavailable();
  if (unavailable) {
    console.log(`  cluster skipped: ${unavailable}`);
    return { skipped: unavailable };
  }
  const database = await createDatabase();
  const stream = benchStream('cluster');
  const nodes: Target[] = [];
  try {
    const args = ['--store', database.url, '--bus', stream.url];
    // All at once, as a deployment may start them: the migration lock lets one migrate the fresh database.
    const started = await Promise.allSettled(Array.from({ length: options.nodes }, () => startRoster({ args })));
    for (const node of started) if (node.status === 'fulfilled') nodes.push(node.value);
    const failed = started.find((node) => node.status === 'rejected');
    if (failed) throw failed.reason;
    await seedUsers(nodes[0]!.url, options.users);
    await database.analyze();
    // NATS's CPU is read only where its server runs on this machine.
    const shared: Record<string, () => Promise<number[]>> = { postgres: () => database.backendPids() };
    if (natsServerPids().length > 0) shared['nats'] = async () => natsServerPids();
    const results: ClusterScenario[] = [];
    for (const scenario of scenarios(options.users)) {
      const load = { seconds: options.seconds, connections: options.connections, ...scenario.roster, path: scenario.sample.path };
      const spread = async (targets: Target[]) => {
        const result = await loadSpread(targets, load, shared);
        if (result.errors > 0 || result.non2xx > 0)
          throw new Error(`${scenario.name} on ${targets.length} node(s): ${result.errors} errors, ${result.non2xx} non-2xx`);
        return result;
      };
      results.push({ name: scenario.name, single: await spread(nodes.slice(0, 1)), cluster: await spread(nodes) });
    }
    return { nodes: options.nodes, cpus: cpus().length, scenarios: results };
  } finally {
    for (const node of nodes) await node.stop();
    await database.drop();
    await stream.delete();
  }
}

/**
 * Capacity on paper, for one scenario, when every node and service has cores of its own: one
 * node core serves `1e6 / node µs` requests a second, and PostgreSQL's backends (`1e6 /
 * postgres µs` a core) and NATS are what every node shares. Figures in requests a second.
 */
export function capacity(result: SpreadResult): { perNodeCore: number; perPostgresCore: number; perNatsCore: number } {
  const nodeMicros = result.servers.reduce((sum, server) => sum + server.cpuMicrosPerRequest * server.requests, 0) / result.requests;
  return {
    perNodeCore: 1e6 / nodeMicros,
    perPostgresCore: 1e6 / (result.shared['postgres'] ?? Number.NaN),
    perNatsCore: 1e6 / (result.shared['nats'] ?? Number.NaN),
  };
}
