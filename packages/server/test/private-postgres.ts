import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';

const run = promisify(execFile);

/** Debian's PostgreSQL binaries, newest version first (`ROSTER_TEST_POSTGRES_BIN` overrides). */
function binDir(): string | undefined {
  const fromEnv = process.env['ROSTER_TEST_POSTGRES_BIN'];
  if (fromEnv !== undefined) return existsSync(join(fromEnv, 'initdb')) ? fromEnv : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** PostgreSQL refuses to run as root: as root, every command runs as this OS user. */
const OS_USER = 'postgres';
const isRoot = process.getuid?.() === 0;

async function osUser(): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', OS_USER]), run('id', ['-g', OS_USER])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/** Why a private PostgreSQL cannot run here (one line for the test report), or `undefined`. */
export async function privatePostgresUnavailable(): Promise<string | undefined> {
  if (binDir() === undefined) return 'no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql (set ROSTER_TEST_POSTGRES_BIN)';
  if (isRoot && (await osUser()) === undefined) return `running as root and there is no '${OS_USER}' OS user to run PostgreSQL as`;
  return undefined;
}

/**
 * A PostgreSQL server of one test's own (initdb in a temporary directory, trust authentication,
 * on a free loopback port), so that the test can stop and start it without disturbing the
 * machine's PostgreSQL. Runs as the `postgres` OS user when the tests run as root.
 */
export class PrivatePostgres {
  readonly port: number;
  readonly dir: string;
  readonly #bin: string;

  private constructor(bin: string, port: number, dir: string) {
    this.#bin = bin;
    this.port = port;
    this.dir = dir;
  }

  /** initdb, then start; resolves once it accepts connections. */
  static async start(): Promise<PrivatePostgres> {
    const bin = binDir();
    if (bin === undefined) throw new Error(String(await privatePostgresUnavailable()));
    const dir = mkdtempSync(join(tmpdir(), 'roster-pg-'));
    if (isRoot) {
      const owner = await osUser();
      if (!owner) throw new Error(String(await privatePostgresUnavailable()));
      chownSync(dir, owner.uid, owner.gid);
    }
    const postgres = new PrivatePostgres(bin, await freePort(), dir);
    await postgres.#as('initdb', ['-D', postgres.#data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C.UTF-8']);
    await postgres.start();
    return postgres;
  }

  get #data(): string {
    return join(this.dir, 'data');
  }

  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Starts the server (again, after `stop`) on the same port and data; waits until it accepts connections. */
  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
    await this.#as('pg_ctl', ['-D', this.#data, '-l', join(this.dir, 'log'), '-o', options, '-w', '-t', '60', 'start']);
  }

  /**
   * Stops the server: `fast` closes every connection and shuts down cleanly, `immediate` drops
   * everything as a crash would (it recovers on the next start).
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.#as('pg_ctl', ['-D', this.#data, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** Stops it (if running) and removes its data. */
  async close(): Promise<void> {
    await this.stop('immediate').catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #as(command: string, args: string[]): Promise<void> {
    const path = join(this.#bin, command);
    try {
      if (isRoot) await run('runuser', ['-u', OS_USER, '--', path, ...args], { cwd: this.dir });
      else await run(path, args, { cwd: this.dir });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`${command} failed: ${(error as Error).message}\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
    }
  }
}
