import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { commandMissing } from './commands.ts';

/**
 * What `roster import` shows while it runs (cli/progress.ts): on a terminal, cli-progress's bar
 * with percentage, records, rate and ETA, redrawn in place; anywhere else, plain lines a log can
 * hold. The terminal is a real pseudo-terminal, made by util-linux's `script`.
 */

const SERVER = resolve(fileURLToPath(new URL('..', import.meta.url)));
const ROSTER = [process.execPath, '--import', 'tsx', join(SERVER, 'src', 'main.ts')];
const ENV = { ...process.env, ROSTER_LOG_LEVEL: 'warn' };

const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'roster-import-progress-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `count` user records of the transfer format, one a line, numbered from `from`. */
function userLines(count: number, from = 0): string {
  let text = '';
  for (let n = from; n < from + count; n++) {
    const user = {
      kind: 'user',
      keyset: 'demo',
      id: `user-${n}`,
      name: `User ${n}`,
      externalId: null,
      profileUrl: null,
      email: null,
      type: null,
      status: null,
      custom: null,
      updated: '2024-01-01T00:00:00.000000Z',
      eTag: `e${n}`,
    };
    text += `${JSON.stringify(user)}\n`;
  }
  return text;
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** Runs `roster …` with stdout and stderr on a pseudo-terminal; resolves with everything it wrote there. */
function rosterOnTerminal(...args: string[]): Promise<string> {
  const command = [...ROSTER, ...args].map(quote).join(' ');
  return new Promise((done, fail) => {
    // -q: no "Script started" lines; -f: flush as written; -e: the command's exit status; -c: the command.
    execFile('script', ['-qfec', command, '/dev/null'], { cwd: SERVER, env: ENV, timeout: 60_000 }, (error, stdout) =>
      error ? fail(new Error(`${String(error)}\n${stdout}`)) : done(stdout),
    );
  });
}

/** Runs `roster …` with pipes for stdout and stderr, as a log collector or CI would. */
function rosterPiped(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    execFile(ROSTER[0]!, [...ROSTER.slice(1), ...args], { cwd: SERVER, env: ENV, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? fail(new Error(`${String(error)}\n${stderr}`)) : done({ stdout, stderr }),
    );
  });
}

const PLAIN_LINE = /^imported \d+ records \(\d+%, \d+\/s, ETA \d+ s\)$/;

const unavailable = commandMissing('script', ['--version'], 'util-linux `script` is not installed, so no pseudo-terminal can be made');

describe('roster import progress', () => {
  it.skipIf(unavailable !== undefined)(
    `on a terminal, draws a bar with percentage, records, rate and ETA, hiding the cursor while it runs${unavailable ? ` (skipped: ${unavailable})` : ''}`,
    async () => {
      const dir = scratch();
      const file = join(dir, 'users.ndjson');
      writeFileSync(file, userLines(3_000));
      const output = await rosterOnTerminal('import', file, '--db', join(dir, 'roster.db'));
      const text = stripVTControlCharacters(output);
      // The last drawing of the bar, at the end: the whole file, all records, a rate above zero.
      const bars = [...text.matchAll(/imported \[([█░]+)\] (\d+)% \| (\d+) records \| (\d+)\/s \| ETA (\d+s)/g)];
      expect(bars.length, text).toBeGreaterThan(0);
      const [, bar, percent, records, rate, eta] = bars.at(-1)!;
      expect(bar).toMatch(/^█+$/);
      expect({ percent, records }).toEqual({ percent: '100', records: '3000' });
      expect(Number(rate)).toBeGreaterThan(0);
      expect(eta).toMatch(/^\d+s$/);
      // cli-progress hides the cursor while it draws and shows it again when done.
      expect(output).toContain('\x1b[?25l');
      expect(output.lastIndexOf('\x1b[?25h')).toBeGreaterThan(output.lastIndexOf('\x1b[?25l'));
      // No plain progress lines on a terminal; the summary follows the bar.
      expect(text).not.toMatch(/imported \d+ records \(/);
      expect(text).toContain('users: 3000 created, 0 updated, 0 unchanged');
    },
    90_000,
  );

  it('without a terminal, writes plain progress lines with rate and ETA, and no bar or terminal codes', async () => {
    const dir = scratch();
    // A pipe (as `roster import <(zcat dump.gz)` gives), fed 1,000 records, then 1,000 more after
    // the 2 s between plain lines: the second batch's line is due.
    const fifo = join(dir, 'users.ndjson');
    execFileSync('mkfifo', [fifo]);
    const run = rosterPiped('import', fifo, '--db', join(dir, 'roster.db'));
    const writer = await open(fifo, 'w');
    await writer.write(userLines(1_000));
    await sleep(2_500);
    await writer.write(userLines(1_000, 1_000));
    await writer.close();
    const { stdout, stderr } = await run;
    const lines = stderr.split('\n').filter((line) => line !== '');
    expect(lines.length, stderr).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(PLAIN_LINE);
    expect(lines.at(-1)).toMatch(/^imported 2000 records /);
    expect(stderr).not.toMatch(/[█░\x1b]/);
    expect(stdout).toContain('users: 2000 created, 0 updated, 0 unchanged');
  }, 60_000);
});
