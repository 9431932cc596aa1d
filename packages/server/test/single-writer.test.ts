import { execFile } from 'node:child_process';
import { linkSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { objectsClient } from './http.ts';

const BIN = resolve(fileURLToPath(new URL('../bin/roster.js', import.meta.url)));
const execute = promisify(execFile);
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs `roster serve` on the database of `dir` and expects it to exit by itself: its code and output. */
async function serveUntilExit(dir: string, db = join(dir, 'roster.db')): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [BIN, 'serve', '--port', '0', '--db', db, '--config', join(dir, 'config.json')];
  try {
    const { stdout, stderr } = await execute(process.execPath, args, { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers.reverse()) await server.close();
});

describe('one node per database file', () => {
  it('refuses a second node on the same file before it listens, naming the file and the holder; a restart after kill -9 starts at once', async () => {
    const first = await startServer();
    servers.push(first);
    const api = objectsClient(first);
    expect((await api.patch('uuids/alice', { name: 'Alice' })).status).toBe(200);

    const second = await serveUntilExit(first.dir);
    const database = join(first.dir, 'roster.db');
    expect(second.code).toBe(1);
    expect(second.stdout).not.toContain('listening');
    expect(second.stderr.trim()).toMatch(
      new RegExp(
        `^The database ${literally(database)} is in use by another Roster node \\(pid ${first.process.pid} on host ${literally(hostname())}, since \\d{4}-\\d\\d-\\d\\dT[^)]+\\)\\. One database file serves one node`,
      ),
    );

    // The first node is untouched: it reads its own writes and keeps writing.
    expect((await api.patch('uuids/alice', { name: 'Alice 2' })).status).toBe(200);
    expect((await api.delete('uuids/alice')).status).toBe(200);
    expect((await api.get('uuids/alice')).status).toBe(404);

    // The lock never waits (it is taken at once or refused), so a node that starts at all did not
    // wait for a stale lock: the operating system released it with the killed process.
    await first.kill();
    const third = await startServer({ dir: first.dir });
    servers.push(third);
    const holder = JSON.parse(readFileSync(`${database}-holder.json`, 'utf8')) as { pid: number };
    expect(holder.pid).toBe(third.process.pid);
    expect((await objectsClient(third).get('uuids/alice')).status).toBe(404);
  });

  it('refuses a second name for the database file: a hard link would take a lock of its own', async () => {
    const first = await startServer();
    servers.push(first);
    const database = join(first.dir, 'roster.db');
    const other = join(first.dir, 'other-name.db');
    linkSync(database, other);
    const second = await serveUntilExit(first.dir, other);
    expect(second.code).toBe(1);
    expect(second.stdout).not.toContain('listening');
    expect(second.stderr.trim()).toMatch(new RegExp(`^The database file ${literally(other)} has 2 hard links`));
    expect((await objectsClient(first).patch('uuids/alice', { name: 'Alice' })).status).toBe(200);
  });

  it('refuses a node on the target of a symbolic link another node opened before the file existed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-test-'));
    symlinkSync(join(dir, 'target.db'), join(dir, 'link.db')); // dangling until the node creates target.db
    const first = await startServer({ dir, args: ['--db', join(dir, 'link.db')] });
    servers.push(first);
    expect((await objectsClient(first).patch('uuids/alice', { name: 'Alice' })).status).toBe(200);
    const second = await serveUntilExit(first.dir, join(first.dir, 'target.db'));
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toMatch(
      new RegExp(`^The database ${literally(join(first.dir, 'target.db'))} is in use by another Roster node \\(pid ${first.process.pid}`),
    );
  });
});
