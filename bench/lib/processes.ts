import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer, type StartOptions } from '@roster/testing/server';

/** A server under test: its base URL and process id, for RSS readings. */
export interface Target {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The bare `node:http` baseline (see `baseline-server.ts`), in its own process as Roster is; `spinMicros` of busy loop before each answer. */
export function startBaseline(spinMicros = 0): Promise<Target> {
  return startScript('./baseline-server.ts', spinMicros > 0 ? ['--spin', String(spinMicros)] : []);
}

/** The bare `node:http` long-poll server (`long-poll-baseline.ts`): the real-time baseline. */
export function startLongPollBaseline(): Promise<Target> {
  return startScript('./long-poll-baseline.ts');
}

/** The same route on bare Fastify (see `fastify-floor-server.ts`). */
export function startFastifyFloor(): Promise<Target> {
  return startScript('./fastify-floor-server.ts');
}

/**
 * The SQLite write floor (`sqlite-write-floor-server.ts`) on database `file`, seeded with `users`
 * users; on Fastify with `fastify`, on Roster's own database and statements with `rosterSchema`.
 */
export function startSqliteWriteFloor(file: string, users: number, { fastify = false, rosterSchema = false } = {}): Promise<Target> {
  return startScript('./sqlite-write-floor-server.ts', [file, String(users), ...(fastify ? ['--fastify'] : []), ...(rosterSchema ? ['--roster-schema'] : [])]);
}

/** The PostgreSQL write floor (`postgres-write-floor-server.ts`) on the database at `url`, seeded with `users` users. */
export function startPostgresWriteFloor(url: string, users: number): Promise<Target> {
  return startScript('./postgres-write-floor-server.ts', [url, String(users)]);
}

/** Runs a server script of this folder in its own process; it prints `listening on URL`. */
async function startScript(relative: string, args: string[] = []): Promise<Target> {
  const script = fileURLToPath(new URL(relative, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const match = /listening on (\S+)/.exec(chunk.toString());
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${relative} exited with ${code}`)));
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    url,
    pid: child.pid ?? 0,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A Roster node on its own database, as `startServer` in the server's tests starts it. */
export async function startRoster(options: StartOptions = {}): Promise<Target & { server: RunningServer }> {
  const server = await startServer(options);
  return { url: server.url, pid: server.process.pid ?? 0, server, stop: () => server.close() };
}

/** CPU time (user + system) a process has used, in µs, from /proc (NaN where that is missing). */
export function cpuMicros(pid: number | undefined): number {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

/** CPU time a process has used in its own code (`user`) and in the kernel on its behalf (`system`), in µs, from /proc (NaN where that is missing). */
export function cpuTimes(pid: number | undefined): { user: number; system: number } {
  if (pid === undefined) return { user: Number.NaN, system: Number.NaN };
  try {
    // Fields after the command name (which may hold spaces) start at state; utime and stime are 14th and 15th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { user: (Number(fields[11]) * 1e6) / CLOCK_TICKS, system: (Number(fields[12]) * 1e6) / CLOCK_TICKS };
  } catch {
    return { user: Number.NaN, system: Number.NaN };
  }
}

/**
 * How many times a process's threads (or only `thread`, by its id) have blocked waiting so far:
 * their voluntary context switches, summed, from /proc; NaN where the process is missing. A thread
 * that ends between listing and reading is left out, and one that has ended takes its count with it.
 */
export function blockingWaits(pid: number, thread?: number): number {
  let threads: string[];
  try {
    threads = thread === undefined ? readdirSync(`/proc/${pid}/task`) : [String(thread)];
  } catch {
    return Number.NaN;
  }
  let waits = 0;
  for (const task of threads) {
    try {
      waits += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8'))?.[1] ?? Number.NaN);
    } catch {
      if (thread !== undefined) return Number.NaN;
    }
  }
  return waits;
}

/** Linux reports process times in clock ticks, 100 per second on every mainstream build. */
const CLOCK_TICKS = 100;
