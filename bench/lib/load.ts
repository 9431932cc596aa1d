import autocannon from 'autocannon';
import { blockingWaits, cpuMicros, cpuTimes } from './processes.ts';
import { readSharedCpu, type SharedCpu, type SharedProcesses } from './shared-cpu.ts';

export interface LoadOptions {
  url: string;
  /** Seconds of measured load (a warm-up of a third as long, at least 1 s, runs first). */
  seconds: number;
  connections?: number;
  /** GET when missing; `undefined` passes a scenario's missing method through. */
  method?: 'GET' | 'PATCH' | 'POST' | 'DELETE' | undefined;
  headers?: Record<string, string> | undefined;
  body?: string | undefined;
  /** The server's process id: its CPU time per request is measured too (Linux). */
  pid?: number;
  /** Varies each request: returns the path (and body) of the next one. */
  next?: () => { path: string; body?: string };
  /** Seconds before a request counts as timed out (autocannon's default: 10). */
  timeout?: number;
  /** Processes the server works through (its database's backends, NATS): their CPU per request is measured too. */
  shared?: SharedProcesses;
}

/** What one load run measured: throughput, latency in ms, and everything that went wrong. */
export interface LoadResult {
  requestsPerSecond: number;
  /** Mean latency, ms. */
  mean: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** Server CPU time (user + system) per request, in µs; NaN without a pid. */
  cpuMicrosPerRequest: number;
  /** The part of `cpuMicrosPerRequest` spent in the kernel (sockets, wake-ups), µs; NaN without a pid. */
  systemMicrosPerRequest: number;
  /**
   * How often the load generator blocked waiting, per request: the voluntary context switches of
   * wrk's process, or of this process's main thread, where autocannon runs; NaN without /proc. On
   * loopback the server's write of an answer wakes a blocked client in the server's own system
   * time: a client that often waits makes each answer cost the server more.
   */
  clientWaitsPerRequest: number;
  /** CPU µs per request of each group of `shared` processes, by name (`postgres`, `nats`); empty without `shared`. */
  sharedMicrosPerRequest: SharedCpu;
  /** When the measured run began and ended, `performance.now()` ms (the warm-up before it left out). */
  measuredWindow: MeasuredWindow;
}

/** `[from, to]`, `performance.now()` ms. */
export type MeasuredWindow = readonly [number, number];

/**
 * Runs a load's measured run, reading the CPU the server and its `shared` processes spend on it
 * (µs per request of that run), and how often the client blocked: `clientWaits` where `run`
 * reports it (a client in a process of its own), else this process's main thread's (autocannon's).
 */
export async function measured<R extends { requests: number; clientWaits?: number }>(
  options: Pick<LoadOptions, 'pid' | 'shared'>,
  run: () => Promise<R>,
): Promise<R & Pick<LoadResult, 'cpuMicrosPerRequest' | 'systemMicrosPerRequest' | 'clientWaitsPerRequest' | 'sharedMicrosPerRequest' | 'measuredWindow'>> {
  const endShared = await readSharedCpu(options.shared ?? {});
  const cpuBefore = cpuTimes(options.pid);
  const waitsBefore = blockingWaits(process.pid, process.pid);
  const from = performance.now();
  const result = await run();
  const to = performance.now();
  const cpu = cpuTimes(options.pid);
  const clientWaits = result.clientWaits ?? blockingWaits(process.pid, process.pid) - waitsBefore;
  const shared = Object.entries(await endShared()).map(([name, micros]) => [name, micros / result.requests] as const);
  return {
    ...result,
    cpuMicrosPerRequest: (cpu.user + cpu.system - cpuBefore.user - cpuBefore.system) / result.requests,
    systemMicrosPerRequest: (cpu.system - cpuBefore.system) / result.requests,
    clientWaitsPerRequest: clientWaits / result.requests,
    sharedMicrosPerRequest: Object.fromEntries(shared),
    measuredWindow: [from, to],
  };
}

/** Autocannon's per-request hook that takes each request's path (and body) from `next`. */
function varied(next: NonNullable<LoadOptions['next']>): autocannon.Request[] {
  return [
    {
      setupRequest: (request) => {
        const { path, body } = next();
        return body === undefined ? { ...request, path } : { ...request, path, body };
      },
    },
  ];
}

/** The warm-up before a measured run of `seconds`, whose figures are dropped: a third as long, at least 1 s. */
export const warmupSeconds = (seconds: number) => Math.max(1, Math.round(seconds / 3));

function run(options: LoadOptions, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    connections: options.connections ?? 50,
    duration: seconds,
    ...(options.timeout !== undefined && { timeout: options.timeout }),
    ...(options.next && { requests: varied(options.next) }),
  });
}

/** Drives `options.url` at full speed with autocannon, after a warm-up whose figures are dropped. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  await run(options, warmupSeconds(options.seconds));
  const { result, ...cpu } = await measured(options, async () => {
    const result = await run(options, options.seconds);
    return { result, requests: result.requests.total };
  });
  return {
    requestsPerSecond: result.requests.total / result.duration,
    mean: result.latency.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
    cpuMicrosPerRequest: cpu.cpuMicrosPerRequest,
    systemMicrosPerRequest: cpu.systemMicrosPerRequest,
    clientWaitsPerRequest: cpu.clientWaitsPerRequest,
    sharedMicrosPerRequest: cpu.sharedMicrosPerRequest,
    measuredWindow: cpu.measuredWindow,
  };
}

/** One server of several under one load, and how many of the connections go to it. */
export interface SpreadTarget {
  url: string;
  pid: number;
}

/** What a load spread over several servers measured, in all and per server. */
export interface SpreadResult {
  requestsPerSecond: number;
  /** Mean latency over every request, ms; p99 is the worst server's. */
  mean: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** Per server, in the order given: requests served and its CPU µs per request. */
  servers: { requests: number; cpuMicrosPerRequest: number }[];
  /** CPU µs per request (of all servers' requests) of the other processes watched: PostgreSQL's backends, NATS. */
  shared: Record<string, number>;
}

/**
 * Drives several servers at once, the connections spread evenly over them (as a load balancer
 * spreading connections round-robin would), with a warm-up whose figures are dropped. The CPU
 * time of each server is read, and of the `shared` processes (by name: their pids, read after the
 * warm-up, when every pooled connection is open).
 */
export async function loadSpread(
  targets: SpreadTarget[],
  options: Omit<LoadOptions, 'url' | 'pid'> & { path: string },
  shared: Record<string, () => Promise<number[]>> = {},
): Promise<SpreadResult> {
  const connections = options.connections ?? 50;
  const each = (target: SpreadTarget, index: number): LoadOptions => ({
    ...options,
    url: `${target.url}${options.path}`,
    connections: Math.floor(connections / targets.length) + (index < connections % targets.length ? 1 : 0),
  });
  const warmup = warmupSeconds(options.seconds);
  await Promise.all(targets.map((target, index) => run(each(target, index), warmup)));
  const sharedPids = Object.fromEntries(await Promise.all(Object.entries(shared).map(async ([name, pids]) => [name, await pids()] as const)));
  const cpuOf = (pids: number[]) => pids.map((pid) => cpuMicros(pid)).reduce((sum, micros) => sum + (Number.isFinite(micros) ? micros : 0), 0);
  const serverBefore = targets.map((target) => cpuMicros(target.pid));
  const sharedBefore = Object.fromEntries(Object.entries(sharedPids).map(([name, pids]) => [name, cpuOf(pids)]));
  const results = await Promise.all(targets.map((target, index) => run(each(target, index), options.seconds)));
  const serverCpu = targets.map((target, index) => cpuMicros(target.pid) - serverBefore[index]!);
  const requests = results.reduce((sum, result) => sum + result.requests.total, 0);
  const duration = Math.max(...results.map((result) => result.duration));
  return {
    requestsPerSecond: requests / duration,
    mean: results.reduce((sum, result) => sum + result.latency.average * result.requests.total, 0) / requests,
    p99: Math.max(...results.map((result) => result.latency.p99)),
    requests,
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    non2xx: results.reduce((sum, result) => sum + result.non2xx, 0),
    servers: results.map((result, index) => ({ requests: result.requests.total, cpuMicrosPerRequest: serverCpu[index]! / result.requests.total })),
    shared: Object.fromEntries(Object.entries(sharedPids).map(([name, pids]) => [name, (cpuOf(pids) - sharedBefore[name]!) / requests])),
  };
}
