import { execFile } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = resolve(fileURLToPath(new URL('../bin/roster.js', import.meta.url)));
const execute = promisify(execFile);

const dir = mkdtempSync(join(tmpdir(), 'roster-cli-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `roster serve ...args` in `cwd` and expects it to exit by itself. */
async function serveUntilExit(args: string[], options: { cwd?: string; uid?: number | undefined } = {}): Promise<Run> {
  const ids = options.uid === undefined ? {} : { uid: options.uid, gid: options.uid };
  try {
    const { stdout, stderr } = await execute(process.execPath, [BIN, 'serve', ...args], { cwd: options.cwd ?? dir, timeout: 25_000, ...ids });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as Run;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The one line a failed start printed last on stderr, after checking it printed no stack trace and never listened. */
function failure(run: Run): string {
  expect(run.code).toBe(1);
  expect(run.stdout).not.toContain('listening');
  expect(run.stderr).not.toMatch(/^\s+at /m);
  return run.stderr.trim().split('\n').at(-1)!;
}

/** A TCP server holding a loopback port, as another program would. */
async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { port: (server.address() as { port: number }).port, server };
}

/** Whether this process can run the node as an unprivileged user (root can; `nobody` may not bind port 80). */
function unprivilegedUser(): number | undefined {
  const unprivilegedFrom = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
  if (unprivilegedFrom <= 80) return undefined; // anyone may bind port 80 here
  const uid = process.getuid?.();
  return uid === 0 ? 65534 : uid;
}
const asUser = unprivilegedUser();

describe('roster serve names the setting when it cannot listen', () => {
  it('says the port is in use and how to change it', async () => {
    const { port, server } = await occupiedPort();
    try {
      const run = await serveUntilExit(['--port', String(port), '--db', join(dir, 'in-use.db')]);
      expect(failure(run)).toBe(
        `Cannot listen: port ${port} on 127.0.0.1 is already in use, by another program or another Roster node (set by --port / ROSTER_PORT / "port" in the config file; 0 picks any free port)`,
      );
    } finally {
      server.close();
    }
  });

  it.skipIf(asUser === undefined)('says a privileged port needs privileges', async () => {
    const run = await serveUntilExit(['--port', '80', '--db', ':memory:'], { cwd: tmpdir(), uid: asUser });
    expect(failure(run)).toBe(
      'Cannot listen: port 80 on 127.0.0.1 needs privileges this process does not have; ports below 1024 usually need root or CAP_NET_BIND_SERVICE (set by --port / ROSTER_PORT / "port" in the config file)',
    );
  });

  it('says a host is not an address of this machine', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
    const foreign = await serveUntilExit(['--port', '0', '--host', '192.0.2.1', '--db', ':memory:']);
    expect(failure(foreign)).toBe('Cannot listen on 192.0.2.1: it is not an address of this machine (set by --host / ROSTER_HOST / "host" in the config file)');
  });

  it('says a host name does not resolve', async () => {
    const unknown = await serveUntilExit(['--port', '0', '--host', 'no-such-host.invalid', '--db', ':memory:']);
    expect(failure(unknown)).toMatch(
      /^Cannot listen on no-such-host\.invalid: the host name does not resolve to an address \((ENOTFOUND|EAI_AGAIN); set by --host \/ ROSTER_HOST \/ "host" in the config file\)$/,
    );
  });
});

describe('roster serve names the database file it cannot use', () => {
  it('says a file that is not SQLite is not a database, by its absolute path', async () => {
    const cwd = join(dir, 'notadb');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'notes.txt'), 'These are my notes, not a database. '.repeat(20));
    const run = await serveUntilExit(['--port', '0', '--db', 'notes.txt'], { cwd });
    expect(failure(run)).toBe(
      `The database ${join(cwd, 'notes.txt')} is not a SQLite database file (SQLITE_NOTADB: file is not a database); give a new or a Roster database file with --db / ROSTER_DB / "db" in the config file`,
    );
  });

  it('says a damaged database is damaged', async () => {
    const path = join(dir, 'damaged.db');
    const db = new Database(path);
    db.exec('CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES (1)');
    db.close();
    const file = openSync(path, 'r+');
    writeSync(file, Buffer.alloc(200, 0x41), 0, 200, 100); // the schema page, just after the 100-byte header
    closeSync(file);
    const run = await serveUntilExit(['--port', '0', '--db', path]);
    expect(failure(run)).toBe(
      `The database ${path} is damaged (SQLITE_CORRUPT: database disk image is malformed); restore it from a backup, or give another file with --db / ROSTER_DB / "db" in the config file`,
    );
  });
});
