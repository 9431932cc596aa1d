import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { waitFor } from './ports.ts';

/**
 * A server process of one test's own (NATS, Redis) listening on a fixed loopback port: started
 * on demand (again after `stop`), ready once the port accepts connections, stopped with the
 * signal the test chooses. Its last 4000 characters of stderr are kept for the error when it
 * exits before it is ready.
 */
export class PrivateServerProcess {
  readonly #command: string;
  readonly #args: readonly string[];
  readonly #port: number;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(command: string, args: readonly string[], port: number) {
    this.#command = command;
    this.#args = args;
    this.#port = port;
  }

  /** Spawns it unless running, and resolves once it accepts connections (15 s at most). */
  async start(): Promise<void> {
    if (this.#child) return;
    const child = spawn(this.#command, this.#args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const name = this.#command.split('/').pop();
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    this.#child = child;
    this.#exited = new Promise((done) => child.once('exit', () => done()));
    await waitFor(`${name} on port ${this.#port}`, 15_000, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
      return accepts(this.#port);
    });
  }

  /** Sends `signal` unless it has exited already, and waits for the process to exit. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await this.#exited;
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
