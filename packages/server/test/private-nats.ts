import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.ts';

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
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
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
  async start(): Promise<void> {
    if (this.#child) return;
    const child = spawn(NATS_SERVER, ['-js', '-sd', this.dir, '-a', '127.0.0.1', '-p', String(this.port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    this.#child = child;
    this.#exited = new Promise((done) => child.once('exit', () => done()));
    await waitFor(`nats-server on port ${this.port}`, 15_000, async () => {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}:\n${output}`);
      return accepts(this.port);
    });
  }

  /** SIGTERM (NATS's clean shutdown), and waits for the process to exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await this.#exited;
  }

  /** Stops it and removes its store. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Whether something accepts TCP connections on the loopback port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}
