import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = resolve(fileURLToPath(new URL('../bin/roster.js', import.meta.url)));

/** Runs `roster serve` in a fresh directory with the given env, as a user would. */
function serve(env: Record<string, string>, args: string[] = []) {
  const cwd = mkdtempSync(join(tmpdir(), 'roster-cli-'));
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const listening = new Promise<string>((done, fail) => {
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) done(match[1]!);
    };
    child.stdout.on('data', check);
    void exited.then(() => fail(new Error(`exited early:\n${output}`)));
  });
  listening.catch(() => {}); // a test that expects an early exit awaits `exited` instead
  return { cwd, child, exited, listening, output: () => output, cleanup: () => rmSync(cwd, { recursive: true, force: true }) };
}

describe('roster serve', () => {
  it('starts from env vars with the default database path and the demo keyset, and stops cleanly on SIGTERM', async () => {
    const run = serve({ ROSTER_PORT: '0', ROSTER_HOST: '127.0.0.1' });
    try {
      const url = await run.listening;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(existsSync(join(run.cwd, 'data', 'roster.db'))).toBe(true);
      const reply = await fetch(`${url}/v2/objects/demo/uuids/me`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"name":"Me"}' });
      expect(reply.status).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.output()).toContain('SIGTERM');
    } finally {
      run.cleanup();
    }
  });

  it('lets flags win over env vars', async () => {
    const run = serve({ ROSTER_PORT: '1', ROSTER_DB: '/nonexistent/x.db' }, ['--port', '0', '--db', 'here.db']);
    try {
      await run.listening;
      expect(existsSync(join(run.cwd, 'here.db'))).toBe(true);
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
    } finally {
      run.cleanup();
    }
  });

  it('fails with a clear message on a bad config file', async () => {
    const run = serve({}, ['--port', '0', '--config', 'missing.json']);
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('missing.json');
    run.cleanup();
  });
});
