import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The server's entry point, found through the workspace link rather than a relative path. */
const MAIN = join(dirname(createRequire(import.meta.url).resolve('@roster/server/package.json')), 'src', 'main.ts');

export interface KeysetConfig {
  publishKey: string;
  subscribeKey: string;
  secretKey?: string;
  referentialIntegrity?: boolean;
  [option: string]: unknown;
}

export interface StartOptions {
  /** Keysets for the config file; default: one keyset whose keys are both `demo`. */
  keysets?: KeysetConfig[];
  /** Reuse a data directory (to restart over the same database). */
  dir?: string;
  /** Extra CLI arguments. */
  args?: string[];
  /** Extra Node.js options, such as `--cpu-prof` (env ROSTER_NODE_OPTIONS adds to them). */
  nodeOptions?: string[];
}

/** A real Roster process on a free loopback port with its own database. */
export interface RunningServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, the form the official PubNub SDK takes as `origin`. */
  origin: string;
  dir: string;
  process: ChildProcess;
  /** SIGTERM and wait for a clean exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Stops and removes the data directory. */
  close(): Promise<void>;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'roster-test-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ keysets: options.keysets ?? [{ publishKey: 'demo', subscribeKey: 'demo' }] }));
  const child = spawn(
    process.execPath,
    [...nodeOptions(options), '--import', 'tsx', MAIN, 'serve', '--port', '0', '--db', join(dir, 'roster.db'), '--config', config, ...(options.args ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ROSTER_LOG_LEVEL: process.env['ROSTER_LOG_LEVEL'] ?? 'warn' } },
  );
  const url = await listeningUrl(child);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return {
    url,
    origin: url.replace(/^http:\/\//, ''),
    dir,
    process: child,
    stop,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    close: async () => {
      await stop();
      if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function nodeOptions(options: StartOptions): string[] {
  const fromEnv = process.env['ROSTER_NODE_OPTIONS']?.split(' ').filter(Boolean) ?? [];
  return [...(options.nodeOptions ?? []), ...fromEnv];
}

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((done, fail) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (?:on|at) (http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        done(match[1]!);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => fail(new Error(`roster exited with ${code} before listening:\n${output}`)));
  });
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS; Linux only). */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
