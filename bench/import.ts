/**
 * How long `roster import` takes for 1,000,000 users, into SQLite and into PostgreSQL (when
 * TEST_POSTGRES_URL's server answers), and a second time over the same data (every record
 * unchanged). Run once by hand; the figures go in docs/data.md:
 *
 *   node --import tsx bench/import.ts [--users 1000000]
 */
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, postgresUnavailable } from '../packages/server/test/store-contract/postgres.ts';

const SERVER = resolve(fileURLToPath(new URL('../packages/server', import.meta.url)));
const at = process.argv.indexOf('--users');
const USERS = at > 0 ? Number(process.argv[at + 1]) : 1_000_000;

/** Users shaped like real ones: a name, an email on some, a status and a small custom object on others. */
async function generate(file: string, users: number): Promise<void> {
  const out = createWriteStream(file);
  let chunk = '';
  for (let n = 0; n < users; n++) {
    const id = `user-${String(n).padStart(7, '0')}`;
    const line = {
      kind: 'user',
      keyset: 'demo',
      id,
      name: `User ${n}`,
      externalId: null,
      profileUrl: null,
      email: n % 2 === 0 ? `${id}@example.com` : null,
      type: null,
      status: n % 3 === 0 ? 'active' : null,
      custom: n % 4 === 0 ? { team: `team-${n % 50}`, score: n % 1000 } : null,
      updated: `2024-01-01T00:00:00.${String(n % 1_000_000).padStart(6, '0')}Z`,
      eTag: n.toString(16).padStart(32, '0'),
    };
    chunk += `${JSON.stringify(line)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'close');
}

function importRun(file: string, target: string[]): Promise<{ wall: number; summary: string }> {
  const started = performance.now();
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(SERVER, 'src', 'main.ts'), 'import', file, ...target],
      { cwd: SERVER, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) fail(new Error(`${error.message}\n${stderr}`));
        else done({ wall: (performance.now() - started) / 1000, summary: stdout.trim().split('\n')[0]! });
      },
    );
  });
}

async function measure(name: string, file: string, target: string[]): Promise<void> {
  for (const pass of ['first import', 'second import (all unchanged)']) {
    const { wall, summary } = await importRun(file, target);
    console.log(`${name}, ${pass}: ${wall.toFixed(1)} s wall, ${Math.round(USERS / wall)} users/s — ${summary}`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'roster-bench-import-'));
try {
  const file = join(dir, 'users.ndjson');
  await generate(file, USERS);
  console.log(`${USERS} users, ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB of NDJSON; ${cpus().length} cores, Node ${process.version}`);
  await measure('SQLite', file, ['--db', join(dir, 'roster.db')]);
  const unavailable = await postgresUnavailable();
  if (unavailable !== undefined) console.log(`PostgreSQL skipped: ${unavailable}`);
  else {
    const database = await createDatabase();
    try {
      await measure('PostgreSQL', file, ['--store', database.url]);
    } finally {
      await database.drop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
