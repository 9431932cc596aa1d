import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startServer, useServer, type RunningServer } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { objectsClient } from './http.ts';

/** A CLI run starts a Node process that compiles TypeScript: seconds each on a loaded machine. */
const CLI_TIMEOUT = 60_000;
const BIN = resolve(fileURLToPath(new URL('../bin/roster.js', import.meta.url)));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `roster backup …` as its own process, as an operator would. */
function roster(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'roster-backup-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every user a node serves: id → name, read page by page over HTTP. */
async function allUsers(server: RunningServer): Promise<Map<string, string>> {
  const api = objectsClient(server);
  const users = new Map<string, string>();
  let next: string | undefined;
  do {
    const reply = await api.get('uuids', { query: { limit: 100, ...(next === undefined ? {} : { start: next }) } });
    expect(reply.status).toBe(200);
    for (const user of reply.body.data as { id: string; name: string }[]) users.set(user.id, user.name);
    next = reply.body.next as string | undefined;
  } while (next !== undefined);
  return users;
}

const WRITERS = 4;
/** Ids each writer cycles through, so it both creates users and updates them. */
const IDS_PER_WRITER = 40;
const SEEDS = 150;
/** Makes rows span pages, so the database has a few hundred of them to copy. */
const PAD = 'p'.repeat(600);

/** A write the origin answered 200: user `id` got name `${writer}:${seq}`. */
interface Ack {
  id: string;
  seq: number;
  at: number;
}

describe('roster backup of a node that serves writes', () => {
  it('holds every write acknowledged before it began, and a node restored from it serves only acknowledged states', async () => {
    const origin = await startServer();
    const api = objectsClient(origin);
    try {
      for (let start = 0; start < SEEDS; start += 10) {
        const batch = Array.from({ length: 10 }, (_, i) => api.patch(`uuids/seed-${start + i}`, { name: `seed ${start + i}`, custom: { pad: PAD } }));
        for (const reply of await Promise.all(batch)) expect(reply.status).toBe(200);
      }

      const acks: Ack[] = [];
      const failures: string[] = [];
      let stop = false;
      const writer = async (k: number) => {
        for (let seq = 0; !stop; seq++) {
          const id = `w${k}-${seq % IDS_PER_WRITER}`;
          const reply = await api.patch(`uuids/${id}`, { name: `${k}:${seq}`, custom: { pad: PAD } });
          if (reply.status === 200) acks.push({ id, seq, at: performance.now() });
          else failures.push(`${id} #${seq}: ${reply.status} ${JSON.stringify(reply.body)}`);
        }
      };
      const writers = Array.from({ length: WRITERS }, (_, k) => writer(k));
      const acked = (k: number) => acks.filter((ack) => ack.id.startsWith(`w${k}-`)).length;
      while (Array.from({ length: WRITERS }, (_, k) => acked(k)).some((n) => n < 20) && failures.length === 0) await sleep(20);

      const target = join(scratch, 'under-load.db');
      const startedAt = performance.now();
      // Pages one at a time: the copy spans many steps, so the writers restart it.
      const run = await roster(['backup', '--db', join(origin.dir, 'roster.db'), target, '--pages-per-step', '1']);
      const endedAt = performance.now();
      const duringBackup = acks.filter((ack) => ack.at > startedAt && ack.at < endedAt).length;
      stop = true;
      await Promise.all(writers);

      expect(failures).toEqual([]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        new RegExp(`^backed up ${escape(join(origin.dir, 'roster.db'))} to ${escape(target)}: \\d+ pages of \\d+ bytes .*integrity check ok`),
      );
      expect(duringBackup).toBeGreaterThan(0); // the node really was writing while the backup ran
      expect(readdirSync(scratch).filter((name) => name.endsWith('.partial'))).toEqual([]);

      // Restore: the backup file is the database of a fresh data directory.
      const restoredDir = mkdtempSync(join(tmpdir(), 'roster-restored-'));
      copyFileSync(target, join(restoredDir, 'roster.db'));
      const restored = await startServer({ dir: restoredDir });
      let served: Map<string, string>;
      try {
        served = await allUsers(restored);
      } finally {
        await restored.close();
        rmSync(restoredDir, { recursive: true, force: true });
      }

      for (let i = 0; i < SEEDS; i++) expect(served.get(`seed-${i}`)).toBe(`seed ${i}`);
      const before = new Map<string, number>();
      for (const ack of acks) if (ack.at < startedAt) before.set(ack.id, Math.max(before.get(ack.id) ?? -1, ack.seq));
      const ackedSeqs = new Map<string, Set<number>>();
      for (const ack of acks) ackedSeqs.set(ack.id, (ackedSeqs.get(ack.id) ?? new Set()).add(ack.seq));

      const missing = [...before].filter(([id, seq]) => {
        const name = served.get(id);
        return name === undefined || seqOf(name) < seq;
      });
      expect(missing, 'writes acknowledged before the backup began but absent from it').toEqual([]);
      const unacknowledged = [...served].filter(([id, name]) => !id.startsWith('seed-') && !ackedSeqs.get(id)?.has(seqOf(name)));
      expect(unacknowledged, 'states in the backup the origin never acknowledged').toEqual([]);
      expect(served.size).toBeLessThanOrEqual(SEEDS + WRITERS * IDS_PER_WRITER);
    } finally {
      await origin.close();
    }
  }, 180_000);
});

describe('roster backup refusals', () => {
  const server = useServer();
  const db = () => join(server.dir, 'roster.db');

  it(
    'refuses to overwrite a file unless given --force, and leaves the file untouched',
    async () => {
      const target = join(scratch, 'exists.db');
      writeFileSync(target, 'an older backup');
      const refused = await roster(['backup', '--db', db(), target]);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toBe(`The backup path ${target} already exists; give --force to replace it`);
      expect(readFileSync(target, 'utf8')).toBe('an older backup');

      const forced = await roster(['backup', '--db', db(), target, '--force']);
      expect(forced.stderr).toBe('');
      expect(forced.code).toBe(0);
      expect(statSync(target).size).toBeGreaterThan(4096);
      expect(readFileSync(target).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    },
    2 * CLI_TIMEOUT,
  );

  it(
    'names a backup directory that does not exist',
    async () => {
      const target = join(scratch, 'no-such-dir', 'b.db');
      const run = await roster(['backup', '--db', db(), target]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(`The backup directory ${join(scratch, 'no-such-dir')} does not exist`);
    },
    CLI_TIMEOUT,
  );

  it(
    'names a database that does not exist, and creates none',
    async () => {
      const missing = join(scratch, 'missing.db');
      const run = await roster(['backup', '--db', missing, join(scratch, 'of-missing.db')]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(`The database ${missing} does not exist: give the node's database with --db, --config or ROSTER_DB`);
      expect(readdirSync(scratch)).not.toContain('missing.db');
      expect(readdirSync(scratch)).not.toContain('of-missing.db');
    },
    CLI_TIMEOUT,
  );

  it(
    'names a file that is not a SQLite database',
    async () => {
      const text = join(scratch, 'notes.txt');
      writeFileSync(text, 'not a database, but long enough to have a header of sorts........');
      const run = await roster(['backup', '--db', text, join(scratch, 'of-notes.db')]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(`Cannot read the database ${text}: file is not a database`);
    },
    CLI_TIMEOUT,
  );

  it(
    'refuses to write the backup over the database itself',
    async () => {
      const run = await roster(['backup', '--db', db(), db(), '--force']);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(`The backup path ${db()} is the database itself; give another file`);
    },
    CLI_TIMEOUT,
  );

  it(
    'refuses the files the node keeps beside its database, even with --force, and a FIFO or device --force would replace',
    async () => {
      for (const suffix of ['-wal', '-shm', '-lock']) {
        const target = `${db()}${suffix}`;
        const before = statSync(target).ino;
        const run = await roster(['backup', '--db', db(), target, '--force']);
        expect(run.code).toBe(1);
        expect(run.stderr.trim()).toBe(`The backup path ${target} is ${target}, a file the node keeps beside its database; give another file`);
        expect(statSync(target).ino).toBe(before);
      }
      const fifo = join(scratch, 'backup.fifo');
      execFileSync('mkfifo', [fifo]);
      const run = await roster(['backup', '--db', db(), fifo, '--force']);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(`The backup path ${fifo} is not a regular file (a device, FIFO or socket), which --force would replace; give a file`);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
    },
    4 * CLI_TIMEOUT,
  );

  it(
    'points a PostgreSQL store at pg_dump',
    async () => {
      const run = await roster(['backup', join(scratch, 'pg.db')], { ROSTER_STORE: 'postgres://roster@127.0.0.1:1/roster' });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('pg_dump');
      expect(readdirSync(scratch)).not.toContain('pg.db');
    },
    CLI_TIMEOUT,
  );
});

function seqOf(name: string): number {
  return Number(name.split(':')[1]);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
