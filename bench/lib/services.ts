/**
 * The shared services a cluster runs on, as the bench uses them: a PostgreSQL database made for
 * one scenario and dropped after it, and a NATS JetStream stream and subject prefix of the
 * bench's own, deleted after it. Where either is missing, the scenarios that need it are skipped
 * with the reason `servicesUnavailable` gives.
 *
 *   BENCH_POSTGRES_URL  a role that may create databases; default postgres://postgres@127.0.0.1:5432/postgres
 *   BENCH_NATS_URL      a NATS server with JetStream; default nats://127.0.0.1:4222
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { natsUnavailable as natsUnavailableAt } from '@roster/testing/nats';
import postgres from 'postgres';

export const POSTGRES_URL = process.env['BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = process.env['BENCH_NATS_URL'] ?? 'nats://127.0.0.1:4222';

const admin = () => postgres(POSTGRES_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });

/** Why PostgreSQL cannot be used here, in one line, or undefined when it answers and lets us create databases. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const sql = admin();
  try {
    const [role] = await sql`SELECT rolcreatedb OR rolsuper AS can FROM pg_roles WHERE rolname = current_user`;
    return role?.['can'] ? undefined : `the role at ${new URL(POSTGRES_URL).host} may not create databases (BENCH_POSTGRES_URL)`;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return `no PostgreSQL at ${new URL(POSTGRES_URL).host} (${code ?? (error as Error).message}; set BENCH_POSTGRES_URL)`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Why NATS JetStream cannot be used here, in one line, or undefined when it answers. */
export const natsUnavailable = (): Promise<string | undefined> => natsUnavailableAt(NATS_URL, 'BENCH_NATS_URL');

/** The first reason PostgreSQL or NATS cannot be used, or undefined when both can. */
export async function servicesUnavailable(): Promise<string | undefined> {
  return (await postgresUnavailable()) ?? (await natsUnavailable());
}

/** A database of the bench's own. */
export interface BenchDatabase {
  name: string;
  /** The URL `--store` takes. */
  url: string;
  /** The backend processes serving this database now (the nodes' pooled connections), for CPU readings. */
  backendPids(): Promise<number[]>;
  /**
   * Gathers the planner's statistics of every table, as autovacuum does once a table has grown;
   * the plans connections cached before (made while the tables were nearly empty) are made again.
   */
  analyze(): Promise<void>;
  drop(): Promise<void>;
}

export async function createDatabase(): Promise<BenchDatabase> {
  const name = `roster_bench_${randomBytes(5).toString('hex')}`;
  const sql = admin();
  try {
    await sql.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await sql.end({ timeout: 1 });
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    backendPids: async () => {
      const reading = admin();
      try {
        const rows = await reading`SELECT pid FROM pg_stat_activity WHERE datname = ${name}`;
        return rows.map((row) => Number(row['pid']));
      } finally {
        await reading.end({ timeout: 1 });
      }
    },
    analyze: async () => {
      const analyzing = postgres(url.toString(), { max: 1, onnotice: () => {} });
      try {
        await analyzing`ANALYZE`;
      } finally {
        await analyzing.end({ timeout: 1 });
      }
    },
    drop: async () => {
      const dropping = admin();
      try {
        await dropping.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropping.end({ timeout: 1 });
      }
    },
  };
}

/** A JetStream stream and subject prefix of the bench's own; `url` is what `--bus` takes. */
export interface BenchStream {
  url: string;
  delete(): Promise<void>;
}

export function benchStream(name: string): BenchStream {
  const run = `${process.pid}_${Date.now().toString(36)}_${name}`;
  const stream = `ROSTER_BENCH_${run}`;
  return {
    url: `${NATS_URL}?stream=${stream}&prefix=rosterbench.${run}`,
    delete: async () => {
      const nc = await connect({ servers: NATS_URL });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.delete(stream).catch(() => false);
      } finally {
        await nc.close();
      }
    },
  };
}

/** The process ids of the local NATS server (by command name), for CPU readings; none when it runs elsewhere. */
export function natsServerPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'nats-server') pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}
