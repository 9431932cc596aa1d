import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { PrivateServerProcess } from './private-server.ts';

/** Where the NATS server binary is, as Debian installs it (`ROSTER_TEST_NATS_SERVER` overrides). */
export const NATS_SERVER = process.env['ROSTER_TEST_NATS_SERVER'] ?? '/usr/sbin/nats-server';

/** Why a private NATS server cannot run here (one line for the test report), or `undefined`. */
export function privateNatsUnavailable(): string | undefined {
  return existsSync(NATS_SERVER) ? undefined : `no nats-server binary at ${NATS_SERVER} (set ROSTER_TEST_NATS_SERVER)`;
}

/**
 * A NATS JetStream server of one test's own, on a free loopback port with its own store
 * directory, so that the test can stop and start it without disturbing the machine's NATS.
 * `stop` then `start` bring it back on the same port over the same store (the streams survive).
 */
export class PrivateNats {
  readonly port: number;
  readonly dir: string;
  readonly #process: PrivateServerProcess;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
    this.#process = new PrivateServerProcess(NATS_SERVER, ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], port);
  }

  /** Starts one, and resolves once it accepts connections. */
  static async start(): Promise<PrivateNats> {
    const nats = new PrivateNats(await freePort(), mkdtempSync(join(tmpdir(), 'roster-nats-')));
    await nats.start();
    return nats;
  }

  /** `nats://127.0.0.1:PORT` */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts the server again (after `stop`) on the same port and store directory. */
  start(): Promise<void> {
    return this.#process.start();
  }

  /** SIGTERM (NATS's clean shutdown), and waits for the process to exit. */
  stop(): Promise<void> {
    return this.#process.stop('SIGTERM');
  }

  /** Stops it and removes its store. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
