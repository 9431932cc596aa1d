/**
 * wrk as the load generator: a C client in its own process, one thread, so that the client's
 * CPU, which autocannon spends in the bench's own Node process, does not cap the figures.
 * Requests vary in Lua (`wrk/*.lua`), as `next` varies them for autocannon.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { measured, warmupSeconds, type LoadOptions, type LoadResult } from './load.ts';
import { blockingWaits } from './processes.ts';

/** How each request varies, done in Lua by wrk. */
export interface WrkVary {
  /**
   * `random-user`: `path` with `{user}` replaced by `user-<n>`, n drawn at random below `users`.
   * `set-user`: the same, as a PATCH (unless `method` says otherwise) whose JSON body changes every
   * request (a counter in the name and in custom), with `content-type: application/json` unless
   * `headers` name one.
   */
  script: 'random-user' | 'set-user';
  /** The request path, with `{user}` where the user id goes; `url`'s own path is then unused. */
  path: string;
  users: number;
}

/** `load`'s options, `vary` standing for `next`. */
export interface WrkOptions extends Omit<LoadOptions, 'next'> {
  /** Without it every request is the same: `url`'s path, `method`, `headers` and `body`. */
  vary?: WrkVary | undefined;
}

export const WRK_MISSING = 'wrk is not installed (Debian: apt-get install wrk)';

/** Whether the `wrk` command runs here. */
export function wrkInstalled(): boolean {
  return spawnSync('wrk', ['-v'], { stdio: 'ignore' }).error === undefined;
}

const SCRIPTS = fileURLToPath(new URL('./wrk/', import.meta.url));

/** Each set-user run writes its own tag into the names; every bench run seeds fresh databases. */
let runs = 0;

/** What the scripts' `done` hook prints: durations and latencies in µs, errors by kind. */
interface WrkFigures {
  duration: number;
  requests: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
  /** Answers with a status above 399. */
  status: number;
  mean: number;
  p50: number;
  p99: number;
  /** wrk's blocking waits over the run (read off /proc while it runs; added here, not printed by the scripts). */
  clientWaits: number;
}

function environment(options: WrkOptions): NodeJS.ProcessEnv {
  const settings: Record<string, string | undefined> = {
    WRK_METHOD: options.method,
    WRK_BODY: options.vary ? undefined : options.body,
    WRK_PATH: options.vary?.path,
    WRK_USERS: options.vary && String(options.vary.users),
    WRK_TAG: options.vary && `w${++runs}`,
  };
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(settings)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** One wrk run of `seconds`; rejects on anything on stderr (wrk goes on with a plain GET after a script error). */
function run(options: WrkOptions, seconds: number): Promise<WrkFigures> {
  const script = `${SCRIPTS}${options.vary?.script ?? 'fixed'}.lua`;
  const args = [
    '-t1',
    `-c${options.connections ?? 50}`,
    `-d${seconds}s`,
    `--timeout`,
    `${options.timeout ?? 10}s`,
    '--latency',
    '-s',
    script,
    ...Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    options.url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { env: environment(options), stdio: ['ignore', 'pipe', 'pipe'] });
    // Read while wrk runs (an exited process's counts are gone). Its worker thread ends before the
    // process does and takes its count with it, so the highest reading is the run's: at most the
    // worker's last 20 ms are missed.
    let clientWaits = Number.NaN;
    const reading = setInterval(() => {
      const read = child.pid === undefined ? Number.NaN : blockingWaits(child.pid);
      if (Number.isFinite(read) && (Number.isNaN(clientWaits) || read > clientWaits)) clientWaits = read;
    }, 20);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearInterval(reading);
      reject(error.code === 'ENOENT' ? new Error(WRK_MISSING) : error);
    });
    child.once('close', (code) => {
      clearInterval(reading);
      const line = /^wrk-figures (\{.*\})$/m.exec(stdout);
      if (code !== 0 || stderr.trim() !== '' || !line) {
        reject(new Error(`wrk ${args.join(' ')} failed (exit ${code}): ${stderr.trim() || stdout.trim() || 'no figures printed'}`));
        return;
      }
      resolve({ ...(JSON.parse(line[1]!) as Omit<WrkFigures, 'clientWaits'>), clientWaits });
    });
  });
}

/**
 * Drives `options.url` at full speed with `wrk -t1 -c<connections> -d<seconds>s --latency`, after a
 * warm-up whose figures are dropped, and reads the server's CPU time over the measured run.
 * Latencies are in ms (fractions kept: wrk measures µs). `errors` counts socket errors and
 * timeouts, `non2xx` answers with a status above 399 (wrk does not count 3xx).
 * Throws `WRK_MISSING` when wrk is not installed, and wrk's message when a run fails.
 */
export async function wrkLoad(options: WrkOptions): Promise<LoadResult> {
  await run(options, warmupSeconds(options.seconds));
  const { cpuMicrosPerRequest, systemMicrosPerRequest, clientWaitsPerRequest, sharedMicrosPerRequest, measuredWindow, ...figures } = await measured(
    options,
    () => run(options, options.seconds),
  );
  return {
    requestsPerSecond: figures.requests / (figures.duration / 1e6),
    mean: figures.mean / 1000,
    p50: figures.p50 / 1000,
    p99: figures.p99 / 1000,
    requests: figures.requests,
    errors: figures.connect + figures.read + figures.write + figures.timeout,
    non2xx: figures.status,
    cpuMicrosPerRequest,
    systemMicrosPerRequest,
    clientWaitsPerRequest,
    sharedMicrosPerRequest,
    measuredWindow,
  };
}
