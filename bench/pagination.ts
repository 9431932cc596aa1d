/**
 * Keyset pagination is flat: page 1 and page 5,000 of a 1,000,000-user keyset cost the same,
 * on a SQLite node and on a PostgreSQL one. Also measured on that keyset: reading one user chosen at random, almost always a cache miss
 * (the record cache holds 10,000 per table), against the same-size bare route.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../packages/server/src/model/keyset.ts';
import { decideObject } from '../packages/server/src/objects/apply.ts';
import type { UuidRecord } from '../packages/server/src/model/records.ts';
import { SqliteStore } from '../packages/server/src/store/sqlite/index.ts';
import { load } from './lib/load.ts';
import { seedPostgresUsers } from './lib/postgres-keyset.ts';
import { startBaseline, startRoster, type Target } from './lib/processes.ts';
import { createDatabase, postgresUnavailable } from './lib/services.ts';
import type { LoadResult } from './lib/load.ts';
import { assertClean, check, type Check } from './lib/report.ts';
import { inTurns } from './lib/turns.ts';
import { send, userBody } from './lib/seed.ts';

export interface PaginationOptions {
  users: number;
  /** The deep page to compare with page 1. */
  page: number;
  /** Length of each turn, in seconds. */
  seconds: number;
  connections: number;
  /** Turns of page 1 and of the deep page, the order alternating (turns.ts). */
  rounds: number;
}

export interface PageOrder {
  sort: string;
  first: LoadResult;
  deep: LoadResult;
  /** Mean latency of the deep page over page 1's. */
  ratio: number;
  check: Check;
  /** Wall time to walk from page 1 to the deep page following `next`, per page, in ms. */
  walkMsPerPage: number;
}

/** What one node answers over the keyset. */
export interface KeysetFigures {
  orders: PageOrder[];
  coldGet: { roster: LoadResult; baseline: LoadResult; ratio: number; responseBytes: number };
}

/** The SQLite node's figures, and the PostgreSQL node's on the same keyset (or why they were skipped). */
export interface PaginationResult extends KeysetFigures {
  users: number;
  page: number;
  /** Turns of each page, the order alternating; the ratio is of their combined mean latencies. */
  turns: number;
  /** The PostgreSQL node's, with the seconds its keyset took to seed. */
  postgres?: (KeysetFigures & { seedSeconds: number }) | { skipped: string };
}

const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };

/**
 * A database of `users` users, built once through the store (as the server would write them)
 * in groups of 1,000 per commit, and kept in the temp folder for later runs.
 */
async function keysetDatabase(users: number): Promise<string> {
  const dir = join(tmpdir(), `roster-bench-${users}-users`);
  const path = join(dir, 'roster.db');
  if (existsSync(path)) return dir;
  mkdirSync(dir, { recursive: true });
  const building = join(dir, 'building.db');
  const store = new SqliteStore({ path: building, synchronous: 'normal' });
  for (let start = 0; start < users; start += 1_000) {
    const writes = [];
    for (let index = start; index < Math.min(users, start + 1_000); index++) {
      const id = `user-${index}`;
      const patch = JSON.parse(userBody(index)) as Partial<UuidRecord>;
      writes.push(store.uuids.write('demo', id, decideObject<UuidRecord>('uuid', id, patch, rules)));
    }
    await Promise.all(writes);
    if (start % 100_000 === 0) process.stdout.write(`  building a ${users.toLocaleString('en-US')}-user keyset: ${start.toLocaleString('en-US')}\r`);
  }
  await store.close();
  renameSync(building, path);
  return dir;
}

async function measureOrder(url: string, pid: number, sort: string, options: PaginationOptions): Promise<PageOrder> {
  const first = `/v2/objects/demo/uuids?limit=100&include=custom,status,type${sort ? `&sort=${sort}` : ''}`;
  let path = first;
  const walkStarted = performance.now();
  for (let page = 1; page < options.page; page++) {
    const body = JSON.parse(await send(undefined, `${url}${path}`)) as { next?: string };
    if (!body.next) throw new Error(`the keyset ended at page ${page}`);
    path = `${first}&start=${encodeURIComponent(body.next)}`;
  }
  const walkMsPerPage = (performance.now() - walkStarted) / Math.max(1, options.page - 1);
  const common = { seconds: options.seconds, connections: options.connections, pid };
  const deep = path;
  const [firstResult, deepResult] = await inTurns(
    options.rounds,
    () => load({ ...common, url: `${url}${first}` }),
    () => load({ ...common, url: `${url}${deep}` }),
  );
  assertClean(`page 1 (${sort || 'id'})`, firstResult);
  assertClean(`page ${options.page} (${sort || 'id'})`, deepResult);
  const ratio = deepResult.mean / firstResult.mean;
  return {
    sort: sort || 'id (default)',
    first: firstResult,
    deep: deepResult,
    ratio,
    walkMsPerPage,
    check: check({ measure: `page ${options.page} latency vs page 1`, atMost: 1.3, unit: 'factor' }, ratio),
  };
}

/** Pages 1 and `options.page` in both orders, and a get of a random user, on one node over the keyset. */
async function measureKeyset(roster: Target, baseline: Target, options: PaginationOptions): Promise<KeysetFigures> {
  const orders: PageOrder[] = [];
  for (const sort of ['', 'name:desc']) orders.push(await measureOrder(roster.url, roster.pid, sort, options));
  const sample = `/v2/objects/demo/uuids/user-1?include=custom,status,type`;
  const responseBytes = Buffer.byteLength(await send(undefined, `${roster.url}${sample}`));
  const randomUser = () => `/v2/objects/demo/uuids/user-${Math.floor(Math.random() * options.users)}?include=custom,status,type`;
  const common = { seconds: options.seconds, connections: options.connections };
  const coldRoster = await load({ ...common, url: `${roster.url}${sample}`, pid: roster.pid, next: () => ({ path: randomUser() }) });
  const coldBaseline = await load({ ...common, url: `${baseline.url}/bytes/${responseBytes}`, pid: baseline.pid });
  assertClean(`get one of ${options.users} users`, coldRoster);
  return {
    orders,
    coldGet: { roster: coldRoster, baseline: coldBaseline, ratio: coldRoster.requestsPerSecond / coldBaseline.requestsPerSecond, responseBytes },
  };
}

/**
 * The same keyset in a PostgreSQL database made for the run (seeded as `seedPostgresUsers`
 * says) and dropped after it, measured on a node with `--store` on it; or why it was skipped.
 */
async function measurePostgres(baseline: Target, options: PaginationOptions): Promise<NonNullable<PaginationResult['postgres']>> {
  const unavailable = await postgresUnavailable();
  if (unavailable) {
    console.log(`  PostgreSQL pagination skipped: ${unavailable}`);
    return { skipped: unavailable };
  }
  const database = await createDatabase();
  try {
    const started = performance.now();
    await seedPostgresUsers(database.url, options.users);
    const seedSeconds = (performance.now() - started) / 1000;
    const roster = await startRoster({ args: ['--store', database.url] });
    try {
      return { ...(await measureKeyset(roster, baseline, options)), seedSeconds };
    } finally {
      await roster.stop();
    }
  } finally {
    await database.drop();
  }
}

export async function runPagination(options: PaginationOptions): Promise<PaginationResult> {
  const dir = await keysetDatabase(options.users);
  const baseline = await startBaseline();
  try {
    const roster = await startRoster({ dir });
    let sqlite: KeysetFigures;
    try {
      sqlite = await measureKeyset(roster, baseline, options);
    } finally {
      await roster.stop();
    }
    const postgres = await measurePostgres(baseline, options);
    return { users: options.users, page: options.page, turns: options.rounds, ...sqlite, postgres };
  } finally {
    await baseline.stop();
  }
}
