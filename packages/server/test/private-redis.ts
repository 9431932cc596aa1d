import { spawnSync } from 'node:child_process';
import { freePort } from './ports.ts';
import { PrivateServerProcess } from './private-server.ts';

/** The Redis server binary (`ROSTER_TEST_REDIS_SERVER` overrides; by default found on the PATH). */
export const REDIS_SERVER = process.env['ROSTER_TEST_REDIS_SERVER'] ?? 'redis-server';

/** Why a private Redis cannot run here (one line for the test report), or `undefined`. */
export function privateRedisUnavailable(): string | undefined {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0 ? undefined : `no ${REDIS_SERVER} binary to run (set ROSTER_TEST_REDIS_SERVER)`;
}

/**
 * A Redis server of one test's own, on a free loopback port, keeping nothing on disk: the test
 * may kill it (as a crash would) and start it again, empty, on the same port, without
 * disturbing the machine's Redis.
 */
export class PrivateRedis {
  readonly port: number;
  readonly #process: PrivateServerProcess;

  private constructor(port: number) {
    this.port = port;
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.#process = new PrivateServerProcess(REDIS_SERVER, args, port);
  }

  /** Starts one, and resolves once it accepts connections. */
  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  /** `redis://127.0.0.1:PORT` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again, after `kill`) on the same port, empty. */
  start(): Promise<void> {
    return this.#process.start();
  }

  /** SIGKILL, as a crash would, and waits for the process to exit. */
  kill(): Promise<void> {
    return this.#process.stop('SIGKILL');
  }
}
