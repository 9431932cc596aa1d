import { CHANNEL_RESOURCE, columnsOf, MEMBERSHIP_RESOURCE, UUID_RESOURCE, type ResourceDescriptor } from '../../model/resources.ts';
import { COLLATION_STAMP } from '../../query/collation.ts';
import { rowReader, type SqlValues } from '../sql/rows.ts';
import type { Database, Runner } from './connection.ts';
import { placeholders, storedShape, type StoredValue } from './rows.ts';
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

const REKEY_BATCH = 5000;

/** Recomputes every stored key when they were computed with another collation or Unicode version. */
async function refreshSortKeys(tx: Runner): Promise<void> {
  const [stored] = await tx.unsafe(`SELECT value FROM roster_meta WHERE name = 'collation'`);
  if (stored?.['value'] === COLLATION_STAMP) return;
  for (const table of KEYED_TABLES) await rekey(tx, table);
  await tx.unsafe(`INSERT INTO roster_meta (name, value) VALUES ('collation', $1) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, [COLLATION_STAMP]);
}

/** The SQL type of a key column: `custom_k` is `jsonb`, every `*_key` column `bytea`. */
const keyColumnType = (column: string) => (column === 'custom_k' ? 'jsonb' : 'bytea');

/**
 * A key column as `rekey` reads it to compare: `custom_k` as postgres.js parses `jsonb` (an
 * object), a `bytea` key as hex, since its bytes need not decode as UTF-8 exactly.
 */
const storedKey = (column: string) => (keyColumnType(column) === 'jsonb' ? column : `encode(${column}, 'hex')`);

/**
 * Whether a key computed now (as `storedShape` binds it) is the one stored (as `storedKey` reads
 * it): `jsonb` compares by value, as PostgreSQL does; a `bytea` key by the UTF-8 bytes the
 * binding would store (connection.ts).
 */
function sameKey(type: 'jsonb' | 'bytea', computed: StoredValue, stored: SqlValues[number] | object): boolean {
  if (computed === null || stored === null) return computed === stored;
  if (type === 'bytea') return Buffer.from(String(computed), 'utf8').toString('hex') === stored;
  if (typeof computed !== 'object' || typeof stored !== 'object') return false;
  const storedEntries = stored as Record<string, unknown>;
  const entries = Object.entries(computed);
  return entries.length === Object.keys(storedEntries).length && entries.every(([name, value]) => storedEntries[name] === value);
}

/**
 * Reads the rows of `resource` in keyset pages of `REKEY_BATCH`, computes their keys again and
 * writes, in one statement per page, only the rows whose keys differ from the stored ones. The
 * keys are bound as arrays of the very values (so through the very serializers, connection.ts)
 * a normal write binds one by one, so the stored bytes are the same.
 */
async function rekey<R>(tx: Runner, { resource, identity }: KeyedTable<R>): Promise<void> {
  const shape = storedShape(resource);
  const read = rowReader(resource);
  const columns = columnsOf(resource);
  const types = shape.keyColumns.map(keyColumnType);
  const key = ['sub_key', ...identity];
  const at = [-1, ...identity.map((column) => columns.indexOf(column))];
  const keyOf = (row: SqlValues) => at.map((index) => String(row[index + 1]));
  const storedFrom = 1 + columns.length;
  const select = (after: boolean) =>
    `SELECT sub_key, ${columns.join(', ')}, ${shape.keyColumns.map(storedKey).join(', ')} FROM ${resource.table}` +
    (after ? ` WHERE (${key.join(', ')}) > (${placeholders(key.length)})` : '') +
    ` ORDER BY ${key.join(', ')} LIMIT ${REKEY_BATCH}`;
  const update = batchUpdate(resource.table, key, shape.keyColumns);
  let last: string[] | undefined;
  for (;;) {
    const rows = (await tx.unsafe(select(last !== undefined), last ?? []).values()) as unknown as SqlValues[];
    if (rows.length === 0) return;
    const first = keyOf(rows[0]!);
    last = keyOf(rows.at(-1)!);
    const changed: { key: string[]; values: StoredValue[] }[] = [];
    for (const row of rows) {
      const values = shape.keyValues(read(row, 1));
      if (!values.every((value, i) => sameKey(types[i]!, value, row[storedFrom + i]!))) changed.push({ key: keyOf(row), values });
    }
    if (changed.length === 0) continue;
    const arrays = [...key.map((_, i) => changed.map((row) => row.key[i]!)), ...shape.keyColumns.map((_, i) => changed.map((row) => row.values[i] ?? null))];
    await tx.unsafe(update, [...first, ...last, ...arrays] as never[], { prepare: true });
  }
}

/**
 * One page's `UPDATE`: `$1…` the page's first row key, then its last (so the rows are found by a
 * range of the primary key), then one array per key column and per key value. A row whose keys
 * are already those is left alone (`rekey` sends only changed rows; this makes sure of it).
 */
function batchUpdate(table: string, key: readonly string[], keyColumns: readonly string[]): string {
  const n = key.length;
  const arrays = [...key.map(() => 'text'), ...keyColumns.map(keyColumnType)].map((type, i) => `$${2 * n + i + 1}::${type}[]`);
  const both = [...key, ...keyColumns];
  const t = (columns: readonly string[]) => columns.map((column) => `t.${column}`).join(', ');
  const v = (columns: readonly string[]) => columns.map((column) => `v.${column}`).join(', ');
  return (
    `UPDATE ${table} AS t SET ${keyColumns.map((column) => `${column} = v.${column}`).join(', ')}` +
    ` FROM unnest(${arrays.join(', ')}) AS v(${both.join(', ')})` +
    ` WHERE ${key.map((column) => `t.${column} = v.${column} COLLATE "C"`).join(' AND ')}` +
    ` AND (${t(key)}) >= (${placeholders(n)}) AND (${t(key)}) <= (${placeholders(n, n + 1)})` +
    ` AND (${t(keyColumns)}) IS DISTINCT FROM (${v(keyColumns)})`
  );
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
