import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const SERVER_ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(SERVER_ROOT, 'dist', 'main.js');
const execute = promisify(execFile);

/** Plain Node: no loader from the test runner's environment may help the compiled server run. */
const PLAIN_ENV: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };

const dir = mkdtempSync(join(tmpdir(), 'roster-build-test-'));
let child: ChildProcess | undefined;
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((done) => child!.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Waits for the line naming the URL the server listens on; rejects with its output if it exits first. */
function listening(server: ChildProcess): Promise<string> {
  return new Promise((done, fail) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (?:on|at) (http:\/\/[^\s"]+)/.exec(output);
      if (match) done(match[1]!);
    };
    server.stdout?.on('data', onData);
    server.stderr?.on('data', onData);
    server.once('exit', (code) => fail(new Error(`dist/main.js exited with ${code} before listening:\n${output}`)));
  });
}

describe('the compiled server (npm run build)', () => {
  it('builds dist/main.js, which plain node runs: serve answers real requests', async () => {
    await execute(process.execPath, ['--import', 'tsx', join(SERVER_ROOT, 'scripts', 'build.ts')], { cwd: SERVER_ROOT, timeout: 60_000 });
    const compiled = readFileSync(MAIN, 'utf8');
    expect(compiled).not.toMatch(/from\s+["'][^"']+\.ts["']/); // nothing left for a TypeScript loader
    expect(compiled).not.toMatch(/from\s+["']@roster\//); // the workspace's TypeScript packages are bundled in

    const version = await execute(process.execPath, [MAIN, '--version'], { env: PLAIN_ENV, timeout: 30_000 });
    const { version: expected } = JSON.parse(readFileSync(join(SERVER_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(expected);

    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ keysets: [{ publishKey: 'pub-build', subscribeKey: 'sub-build' }] }));
    child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--db', join(dir, 'roster.db'), '--config', config, '--log-level', 'warn'], {
      env: PLAIN_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await listening(child);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    // The console the compiled node serves is the one `npm install` built (vitest's global setup too).
    const served = await fetch(`${url}/console/`);
    expect(served.status).toBe(200);
    expect(await served.text()).toContain('<div id="app">');

    const time = await fetch(`${url}/time/0`);
    expect(time.status).toBe(200);
    expect(await time.json()).toEqual([expect.any(Number)]);

    const created = await fetch(`${url}/v2/objects/sub-build/uuids/built-user`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Built', custom: { from: 'dist' } }),
    });
    expect(created.status).toBe(200);
    const read = await fetch(`${url}/v2/objects/sub-build/uuids/built-user?include=custom`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ status: 200, data: { id: 'built-user', name: 'Built', custom: { from: 'dist' } } });
  }, 120_000);
});
