import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/**
 * The PostgreSQL server tests run against: `TEST_POSTGRES_URL`, by default the local server
 * with trust authentication that `.ci/run` starts. Tests create their own databases on it and
 * drop them afterwards.
 */
export const SERVER_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** `SERVER_URL` with another database. */
export function databaseUrl(database: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

const admin = () => postgres(SERVER_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });

/**
 * Why the PostgreSQL tests cannot run here (one line for the test report), or undefined when
 * the server answers and lets us create databases.
 */
export async function postgresUnavailable(): Promise<string | undefined> {
  const sql = admin();
  try {
    const [role] = await sql`SELECT rolcreatedb OR rolsuper AS can FROM pg_roles WHERE rolname = current_user`;
    return role?.['can'] ? undefined : `the role of ${new URL(SERVER_URL).username} at ${SERVER_URL} may not create databases`;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return `PostgreSQL is not reachable at ${new URL(SERVER_URL).host} (${code ?? (error as Error).message}); set TEST_POSTGRES_URL or start it`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** A test title that carries the reason its tests are skipped, so the report shows it. */
export function titled(title: string, unavailable: string | undefined): string {
  return unavailable === undefined ? title : `${title} (skipped: ${unavailable})`;
}

/** A database made for one test run, under a random name. */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates a database under `name` (a plain lower-case identifier), by default a random `roster_test_…` one. */
export async function createDatabase(name = `roster_test_${randomBytes(6).toString('hex')}`): Promise<TestDatabase> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`createDatabase(): ${name} is not a plain identifier`);
  const sql = admin();
  try {
    // A locale whose order is not code point order (PostgreSQL 15+), as production databases
    // often have: every comparison the store relies on must say its collation itself.
    await sql.unsafe(`CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`).catch(async () => {
      await sql.unsafe(`CREATE DATABASE ${name}`);
    });
  } finally {
    await sql.end({ timeout: 1 });
  }
  return {
    name,
    url: databaseUrl(name),
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

/** Drops every database whose name starts with `prefix` (what a test run left behind); returns their names. */
export async function dropDatabases(prefix: string): Promise<string[]> {
  const sql = admin();
  try {
    const rows = await sql<{ datname: string }[]>`SELECT datname FROM pg_database WHERE starts_with(datname, ${prefix})`;
    for (const { datname } of rows) await sql.unsafe(`DROP DATABASE IF EXISTS "${datname.replaceAll('"', '""')}" WITH (FORCE)`);
    return rows.map((row) => row.datname);
  } finally {
    await sql.end({ timeout: 1 });
  }
}
