import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { startBalancer } from './balancer.ts';
import { clusterPlace } from './cluster.ts';
import { onCluster } from './target.ts';

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

/** A real Roster server on a free loopback port with its own data (one process, or a cluster: see startServer). */
export interface RunningServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, the form the official PubNub SDK takes as `origin`. */
  origin: string;
  /** Each node's own `http://127.0.0.1:PORT`: `[url]` for one node; on a cluster, the nodes behind `url`. */
  nodes: string[];
  dir: string;
  /** The node's process; on a cluster, the first node's. */
  process: ChildProcess;
  /** SIGTERM and wait for a clean exit; returns the exit code (on a cluster, the first that is not 0). */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Stops and removes the data directory. */
  close(): Promise<void>;
  /**
   * The last lines each node wrote (its log: warnings and errors at the tests' `warn` level),
   * prefixed with the node's pid; `useServer` prints them when a test fails.
   */
  recentOutput(): string;
}

/** The most of a node's output `recentOutput` keeps, in characters: its end. */
const KEPT_OUTPUT_CHARS = 32 * 1024;

/** The end of what a process wrote, at most `KEPT_OUTPUT_CHARS`. */
class OutputTail {
  #text = '';

  add(chunk: Buffer): void {
    this.#text += chunk.toString();
    if (this.#text.length > 2 * KEPT_OUTPUT_CHARS) this.#text = this.#text.slice(-KEPT_OUTPUT_CHARS);
  }

  get text(): string {
    return this.#text.slice(-KEPT_OUTPUT_CHARS);
  }
}

/**
 * Starts a server with its own data and resolves once it listens. With `TEST_ROSTER_TARGET=cluster`
 * (target.ts) the server is two nodes on a PostgreSQL database, a NATS stream and Redis presence
 * keys of its own, behind a proxy that sends each connection to one node or the other in turn; the
 * database, stream and key prefix are named in `dir`, so a restart over the same `dir` finds them,
 * and `close()` removes them. A test that picks `--store` or `--bus` itself gets one node as asked.
 */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'roster-test-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ keysets: options.keysets ?? [{ publishKey: 'demo', subscribeKey: 'demo' }] }));
  const args = ['--db', join(dir, 'roster.db'), '--config', config, ...(options.args ?? [])];
  const owned = options.dir === undefined;
  const removeDir = () => {
    if (owned) rmSync(dir, { recursive: true, force: true });
  };
  if (!onCluster || args.some((arg) => /^--(store|bus)(=|$)/.test(arg))) {
    const node = await startNode(options, args);
    const close = async () => {
      await node.stop();
      removeDir();
    };
    return { ...node, origin: node.url.replace(/^http:\/\//, ''), nodes: [node.url], dir, close, recentOutput: () => node.output() };
  }

  const place = await clusterPlace(dir);
  // A test that picks `--presence` itself (to see a node without Redis, say) keeps its own.
  const presence = args.some((arg) => /^--presence(=|$)/.test(arg)) ? [] : ['--presence', place.presence];
  const nodes = await Promise.allSettled([0, 1].map(() => startNode(options, [...args, '--store', place.store, '--bus', place.bus, ...presence])));
  const started = nodes.flatMap((node) => (node.status === 'fulfilled' ? [node.value] : []));
  const failed = nodes.find((node) => node.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(started.map((node) => node.kill()));
    if (owned) await place.remove();
    removeDir();
    throw failed.reason;
  }
  const balancer = await startBalancer(started.map((node) => Number(new URL(node.url).port)));
  const [first] = started as [Node, Node];
  const url = `http://127.0.0.1:${balancer.port}`;
  const stop = async () => {
    const codes = await Promise.all(started.map((node) => node.stop()));
    await balancer.close();
    return codes.find((code) => code !== 0) ?? 0;
  };
  return {
    url,
    origin: url.replace(/^http:\/\//, ''),
    nodes: started.map((node) => node.url),
    dir,
    process: first.process,
    stop,
    kill: async () => {
      await Promise.all(started.map((node) => node.kill()));
      await balancer.close();
    },
    close: async () => {
      await stop();
      if (owned) await place.remove();
      removeDir();
    },
    recentOutput: () => started.map((node) => node.output()).join(''),
  };
}

/** One `roster serve` process. */
interface Node {
  url: string;
  process: ChildProcess;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
  /** The end of what it wrote, each line prefixed with its pid. */
  output(): string;
}

async function startNode(options: StartOptions, args: string[]): Promise<Node> {
  const child = spawn(process.execPath, [...nodeOptions(options), '--import', 'tsx', MAIN, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...nodeEnvironment(), ROSTER_LOG_LEVEL: process.env['ROSTER_LOG_LEVEL'] ?? 'warn' },
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const prefixed = (text: string) => text.replace(/^(?=.)/gm, `[node ${child.pid}] `);
  const tail = new OutputTail();
  // TEST_ROSTER_NODE_OUTPUT=1 shows what the nodes write as they write it.
  const show = process.env['TEST_ROSTER_NODE_OUTPUT'] === '1';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      tail.add(chunk);
      if (show) process.stderr.write(prefixed(chunk.toString()));
    });
  }
  const url = await listeningUrl(child, tail);
  return {
    url,
    process: child,
    output: () => prefixed(tail.text),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The test's environment without the tests' own `ROSTER_TEST_*` variables (`ROSTER_TEST_NATS_URL`), which the node would warn about. */
function nodeEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ROSTER_TEST_')));
}

function nodeOptions(options: StartOptions): string[] {
  const fromEnv = process.env['ROSTER_NODE_OPTIONS']?.split(' ').filter(Boolean) ?? [];
  return [...(options.nodeOptions ?? []), ...fromEnv];
}

function listeningUrl(child: ChildProcess, tail: OutputTail): Promise<string> {
  return new Promise((done, fail) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (?:on|at) (http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        done(match[1]!);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`roster exited with ${code} before listening:\n${tail.text}`)));
  });
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS; Linux only). */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
