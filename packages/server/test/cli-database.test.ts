import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = resolve(fileURLToPath(new URL('../bin/roster.js', import.meta.url)));
const execute = promisify(execFile);

/** Runs `roster serve --db <db>` and expects it to exit by itself: its code and stderr. */
async function serveUntilExit(db: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execute(process.execPath, [BIN, 'serve', '--port', '0', '--db', db], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * A directory on a read-only file system holding an (empty) database file, or why there is none:
 * `chmod` does not stop root, so this mounts a tmpfs and remounts it read-only, which needs root.
 */
function readOnlyDirectory(): { dir: string } | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'needs root to mount a read-only tmpfs' };
  const dir = mkdtempSync(join(tmpdir(), 'roster-ro-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    writeFileSync(join(dir, 'roster.db'), '');
    execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    unmount(dir);
    return { skip: `cannot mount a read-only tmpfs: ${String(error).split('\n')[0]}` };
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    // not mounted
  }
  rmSync(dir, { recursive: true, force: true });
}

const readOnly = readOnlyDirectory();
if ('skip' in readOnly) console.log(`skipped: read-only database directory (${readOnly.skip})`);
afterAll(() => {
  if ('dir' in readOnly) unmount(readOnly.dir);
});

/** The last line a failed start printed on stderr, and that it printed no stack trace. */
function lastLine(stderr: string): string {
  expect(stderr).not.toMatch(/^\s+at /m);
  return stderr.trim().split('\n').at(-1)!;
}

describe('roster serve with a database path it cannot use', () => {
  it('names a database directory it cannot create, before listening', async () => {
    const run = await serveUntilExit('/proc/roster-cli-test/data/roster.db');
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('listening');
    expect(lastLine(run.stderr)).toBe('Cannot create the database directory /proc/roster-cli-test: it cannot be created there (ENOENT)');
  });

  it.skipIf('skip' in readOnly)('names a read-only database directory, before listening', async () => {
    const dir = (readOnly as { dir: string }).dir;
    const run = await serveUntilExit(join(dir, 'roster.db'));
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('listening');
    expect(lastLine(run.stderr)).toBe(`The database directory ${dir} is not writable: read-only file system (EROFS)`);
  });
});
