import { cpuMicros } from './processes.ts';
import { natsServerPids, type BenchDatabase } from './services.ts';

/** The processes a server under load works through besides its own: a database's backends, the NATS server. */
export interface SharedProcesses {
  /** The database whose backends (the server's pooled connections) are counted. */
  postgres?: BenchDatabase;
  /** Whether the local NATS server is counted. */
  nats?: boolean;
}

/** CPU µs spent by each group of shared processes over a reading, by name (`postgres`, `nats`). */
export type SharedCpu = Record<string, number>;

/**
 * Starts a reading of the CPU the `shared` processes spend; the function it returns ends it.
 * Read the end before the server stops: its pooled connections' backends end with it. A backend
 * that ended in between is left out; one that opened in between counts whole, all of its life
 * falling within the reading.
 */
export async function readSharedCpu(shared: SharedProcesses): Promise<() => Promise<SharedCpu>> {
  const groups = await pidsOf(shared);
  const before = new Map(Object.values(groups).flatMap((pids) => pids.map((pid) => [pid, cpuMicros(pid)] as const)));
  return async () => {
    const spent: SharedCpu = {};
    for (const [name, pids] of Object.entries(await pidsOf(shared))) {
      spent[name] = pids.reduce((sum, pid) => {
        const micros = cpuMicros(pid) - (before.get(pid) ?? 0);
        return sum + (Number.isFinite(micros) ? micros : 0);
      }, 0);
    }
    return spent;
  };
}

async function pidsOf(shared: SharedProcesses): Promise<Record<string, number[]>> {
  const groups: Record<string, number[]> = {};
  if (shared.postgres) groups['postgres'] = await shared.postgres.backendPids();
  if (shared.nats) groups['nats'] = natsServerPids();
  return groups;
}
