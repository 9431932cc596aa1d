/** Every example under examples/ runs to completion against a real Roster server. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';

const SDK_ROOT = fileURLToPath(new URL('..', import.meta.url));

const server = useServer();

function runExample(name: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], {
      cwd: SDK_ROOT,
      env: { ...process.env, ROSTER_ORIGIN: server.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => done({ code, output }));
  });
}

describe('examples', () => {
  for (const name of ['users', 'channels', 'memberships', 'members', 'events', 'messages', 'presence']) {
    it(`${name}.ts runs`, async () => {
      const { code, output } = await runExample(name);
      expect(output).toContain(`${name}: done`);
      expect(code, output).toBe(0);
    });
  }
});
