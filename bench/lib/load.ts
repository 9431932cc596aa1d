import autocannon from 'autocannon';
import { cpuMicros } from './processes.ts';

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

function run(options: LoadOptions, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    connections: options.connections ?? 50,
    duration: seconds,
    ...(options.next && { requests: varied(options.next) }),
  });
}

/** Drives `options.url` at full speed with autocannon, after a warm-up whose figures are dropped. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  await run(options, Math.max(1, Math.round(options.seconds / 3)));
  const cpuBefore = cpuMicros(options.pid);
  const result = await run(options, options.seconds);
  const cpu = cpuMicros(options.pid) - cpuBefore;
  return {
    requestsPerSecond: result.requests.total / result.duration,
    mean: result.latency.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
    cpuMicrosPerRequest: cpu / result.requests.total,
  };
}
