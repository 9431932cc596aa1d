import { CHANNEL_RESOURCE, columnsOf, MEMBERSHIP_RESOURCE, UUID_RESOURCE, type ResourceDescriptor } from '../../model/resources.ts';
import { COLLATION_STAMP } from '../../query/collation.ts';
import { rowReader, type SqlValues } from '../sql/rows.ts';
import type { Database, Runner } from './connection.ts';
import { storedShape } from './rows.ts';
import { MIGRATIONS, type Migration } from './schema.ts';

/** Where applied migrations are recorded; created by the first start on a database. */
const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS roster_schema (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * The advisory lock every start takes while it migrates: nodes starting at once take turns, and
 * each after the first finds nothing left to do. (A constant: "Roster" in ASCII.)
 */
export const MIGRATION_LOCK = 0x526f73746572n;

/** The ICU collation the dialect's LIKE folds case with (dialect.ts). */
const ICU_COLLATION = 'und-x-icu';

/** The migrations `db` has not applied yet, in order; none are applied. */
export async function pendingMigrations(db: Runner): Promise<Migration[]> {
  const [found] = await db.unsafe(`SELECT to_regclass('roster_schema') IS NOT NULL AS present`);
  if (!found?.['present']) return [...MIGRATIONS];
  const applied = new Set((await db.unsafe('SELECT version FROM roster_schema')).map((row) => Number(row['version'])));
  return MIGRATIONS.filter((migration) => !applied.has(migration.version));
}

/**
 * Brings `db` to the current schema and makes sure its stored sort keys are those of this
 * build's collation (`COLLATION_STAMP`), recomputing them otherwise, all in one transaction under
 * `MIGRATION_LOCK`. Safe when several nodes start at once, and a no-op when there is nothing to
 * do. Returns the migrations it applied.
 */
export async function migrate(db: Database): Promise<Migration[]> {
  await requireIcu(db);
  return (await db.begin(async (tx) => {
    await tx.unsafe('SELECT pg_advisory_xact_lock($1)', [String(MIGRATION_LOCK)]);
    await tx.unsafe(BOOKKEEPING);
    const pending = await pendingMigrations(tx);
    for (const migration of pending) {
      await tx.unsafe(migration.sql).simple();
      await tx.unsafe('INSERT INTO roster_schema (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    await refreshSortKeys(tx);
    return pending;
  })) as Migration[];
}

async function requireIcu(db: Runner): Promise<void> {
  const found = await db.unsafe('SELECT 1 FROM pg_collation WHERE collname = $1', [ICU_COLLATION]);
  if (found.length === 0) {
    throw new Error(
      `PostgreSQL has no collation "${ICU_COLLATION}": Roster needs a server built with ICU (--with-icu), as the Debian, Ubuntu, RHEL and Docker packages are`,
    );
  }
}

/** A table whose rows hold sort keys, with the columns that identify a row. */
interface KeyedTable<R> {
  resource: ResourceDescriptor<R>;
  identity: readonly string[];
}

const KEYED_TABLES: readonly KeyedTable<unknown>[] = [
  { resource: UUID_RESOURCE, identity: ['id'] },
  { resource: CHANNEL_RESOURCE, identity: ['id'] },
  { resource: MEMBERSHIP_RESOURCE, identity: ['uuid_id', 'channel_id'] },
] as KeyedTable<unknown>[];

const REKEY_BATCH = 1000;

/** Recomputes every stored key when they were computed with another collation or Unicode version. */
async function refreshSortKeys(tx: Runner): Promise<void> {
  const [stored] = await tx.unsafe(`SELECT value FROM roster_meta WHERE name = 'collation'`);
  if (stored?.['value'] === COLLATION_STAMP) return;
  for (const table of KEYED_TABLES) await rekey(tx, table);
  await tx.unsafe(`INSERT INTO roster_meta (name, value) VALUES ('collation', $1) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, [COLLATION_STAMP]);
}

async function rekey<R>(tx: Runner, { resource, identity }: KeyedTable<R>): Promise<void> {
  const shape = storedShape(resource);
  const read = rowReader(resource);
  const columns = columnsOf(resource);
  const key = ['sub_key', ...identity];
  const at = identity.map((column) => columns.indexOf(column));
  const select = (after: boolean) =>
    `SELECT sub_key, ${columns.join(', ')} FROM ${resource.table}` +
    (after ? ` WHERE (${key.join(', ')}) > (${key.map((_, i) => `$${i + 1}`).join(', ')})` : '') +
    ` ORDER BY ${key.join(', ')} LIMIT ${REKEY_BATCH}`;
  const keyParams = shape.keyColumns.map((_, i) => `$${key.length + i + 1}`);
  // A row whose keys come out the same is not written: most keys outlive a collation change.
  const update =
    `UPDATE ${resource.table} SET ${shape.keyColumns.map((column, i) => `${column} = ${keyParams[i]}`).join(', ')}` +
    ` WHERE ${key.map((column, i) => `${column} = $${i + 1}`).join(' AND ')}` +
    ` AND (${shape.keyColumns.join(', ')}) IS DISTINCT FROM (${keyParams.join(', ')})`;
  let last: string[] | undefined;
  for (;;) {
    const rows = (await tx.unsafe(select(last !== undefined), last ?? []).values()) as unknown as SqlValues[];
    if (rows.length === 0) return;
    await Promise.all(
      rows.map((row) => {
        const identityValues = [String(row[0]), ...at.map((index) => String(row[index + 1]))];
        return tx.unsafe(update, [...identityValues, ...shape.keyValues(read(row, 1))], { prepare: true });
      }),
    );
    const final = rows.at(-1)!;
    last = [String(final[0]), ...at.map((index) => String(final[index + 1]))];
  }
}

/**
 * What `roster migrate-schema` prints: with `dryRun`, the SQL of every migration the database
 * lacks, applying none; else the migrations it applied (migrate). Lines, ready for stdout.
 */
export async function migrateSchema(db: Database, dryRun: boolean): Promise<string[]> {
  if (!dryRun) {
    const applied = await migrate(db);
    if (applied.length === 0) return [`The schema is up to date (${MIGRATIONS.length} migrations); nothing was applied.`];
    return applied.map((migration) => `applied migration ${migration.version}: ${migration.name}`);
  }
  const pending = await pendingMigrations(db);
  if (pending.length === 0) return [`-- The schema is up to date (${MIGRATIONS.length} migrations); nothing to apply.`];
  return [
    `-- ${pending.length} of ${MIGRATIONS.length} migrations to apply (dry run: nothing is changed). A node applies them when it starts,`,
    `-- each in order, in one transaction under advisory lock ${MIGRATION_LOCK}, and records it in roster_schema.`,
    ...pending.flatMap((migration) => [`\n-- migration ${migration.version}: ${migration.name}`, migration.sql.trim()]),
  ];
}
