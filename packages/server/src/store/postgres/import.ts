import { CHANNEL_RESOURCE, columnsOf, MEMBERSHIP_RESOURCE, UUID_RESOURCE, type ResourceDescriptor } from '../../model/resources.ts';
import { STORED_KINDS, type ImportOutcome, type RevokedToken, type StoredItem, type StoredKind } from '../store.ts';
import { transaction, type Database, type Runner } from './connection.ts';
import { storedShape, type StoredValue } from './rows.ts';

/** Rows per INSERT: 1,000 users bind 20,000 values, well under PostgreSQL's 65,535. */
const ROWS_PER_STATEMENT = 1000;

type Value = StoredValue | number | Buffer;

/** How one kind is upserted: its table and key, every stored column, the columns compared, and the values of an item. */
interface Target {
  table: string;
  keys: readonly string[];
  columns: readonly string[];
  compared: readonly string[];
  values: (item: StoredItem) => Value[];
  /** The item's key as `RETURNING` spells it (`returned`). */
  key: (item: StoredItem) => string;
  returned: string;
}

function objectTarget<R>(resource: ResourceDescriptor<R>, keys: readonly string[]): Target {
  const shape = storedShape(resource);
  const own = columnsOf(resource);
  const at = keys.map((column) => own.indexOf(column));
  const fields = at.map((index) => resource.fields[index]!.name);
  return {
    table: resource.table,
    keys,
    columns: shape.columns,
    // The derived columns (comparable forms, sort keys) follow from these.
    compared: own.filter((column) => !keys.includes(column)),
    values: (item) => shape.values(item.record as R),
    key: (item) => fields.map((field) => (item.record as unknown as Record<string, string>)[field]).join('\n'),
    returned: keys.map((column) => `t.${column}`).join(` || E'\\n' || `),
  };
}

const TARGETS: Record<StoredKind, Target> = {
  user: objectTarget(UUID_RESOURCE, ['id']),
  channel: objectTarget(CHANNEL_RESOURCE, ['id']),
  membership: objectTarget(MEMBERSHIP_RESOURCE, ['uuid_id', 'channel_id']),
  revocation: {
    table: 'revoked_tokens',
    keys: ['signature'],
    columns: ['signature', 'expires_at'],
    compared: ['expires_at'],
    values: (item) => [(item.record as RevokedToken).signature, (item.record as RevokedToken).expiresAt],
    key: (item) => (item.record as RevokedToken).signature.toString('hex'),
    returned: `encode(t.signature, 'hex')`,
  },
};

/** The tables `importItems` writes (uuids, channels, memberships, revoked_tokens), for `ANALYZE` after a bulk load. */
export const IMPORTED_TABLES: readonly string[] = STORED_KINDS.map((kind) => TARGETS[kind].table);

/**
 * One multi-row upsert: a new row is inserted, a stored one updated only when a compared column
 * differs (`IS DISTINCT FROM`, so NULLs compare as values). Rows it inserted or updated come
 * back with whether they were new (`xmax = 0`); a row that does not come back was unchanged.
 */
function upsertSql(target: Target, rows: number): string {
  const width = target.columns.length + 1;
  const tuples = Array.from({ length: rows }, (_, row) => `(${Array.from({ length: width }, (_, i) => `$${row * width + i + 1}`).join(', ')})`);
  const updated = target.columns.filter((column) => !target.keys.includes(column));
  const mine = target.compared.map((column) => `t.${column}`).join(', ');
  const theirs = target.compared.map((column) => `EXCLUDED.${column}`).join(', ');
  return (
    `INSERT INTO ${target.table} AS t (sub_key, ${target.columns.join(', ')}) VALUES ${tuples.join(', ')}` +
    ` ON CONFLICT (sub_key, ${target.keys.join(', ')}) DO UPDATE SET ${updated.map((column) => `${column} = EXCLUDED.${column}`).join(', ')}` +
    ` WHERE ROW(${mine}) IS DISTINCT FROM ROW(${theirs})` +
    ` RETURNING t.sub_key, ${target.returned}, (t.xmax = 0) AS created`
  );
}

/** Thrown out of the transaction to roll a dry run back, carrying what it found. */
class DryRun {
  constructor(readonly outcomes: ImportOutcome[]) {}
}

/**
 * `Store.import` on PostgreSQL: all `items` in one transaction, each kind as multi-row upserts
 * (`upsertSql`). A key met twice goes to a later statement, so the later item wins as it would
 * one by one. Nodes may serve the database meanwhile: they keep no cache, so they read the
 * imported rows as soon as the transaction commits.
 */
export async function importItems(db: Database, items: readonly StoredItem[], dryRun: boolean): Promise<ImportOutcome[]> {
  try {
    return await transaction(db, async (tx) => {
      const outcomes: ImportOutcome[] = items.map(() => 'unchanged');
      for (const kind of STORED_KINDS) {
        const indexes = items.flatMap((item, index) => (item.kind === kind ? [index] : []));
        for (const chunk of chunks(indexes, (index) => `${items[index]!.subKey}\n${TARGETS[kind].key(items[index]!)}`)) {
          await upsert(tx, TARGETS[kind], chunk, items, outcomes);
        }
      }
      if (dryRun) throw new DryRun(outcomes);
      return outcomes;
    });
  } catch (error) {
    if (error instanceof DryRun) return error.outcomes;
    throw error;
  }
}

/** `indexes` in runs of at most `ROWS_PER_STATEMENT` in which no key repeats (one statement may not touch a row twice). */
function chunks(indexes: number[], keyOf: (index: number) => string): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  let keys = new Set<string>();
  for (const index of indexes) {
    const key = keyOf(index);
    if (run.length >= ROWS_PER_STATEMENT || keys.has(key)) {
      runs.push(run);
      run = [];
      keys = new Set();
    }
    run.push(index);
    keys.add(key);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

async function upsert(tx: Runner, target: Target, chunk: number[], items: readonly StoredItem[], outcomes: ImportOutcome[]): Promise<void> {
  const params = chunk.flatMap((index) => [items[index]!.subKey, ...target.values(items[index]!)]);
  const rows = await tx.unsafe(upsertSql(target, chunk.length), params as never[], { prepare: chunk.length === ROWS_PER_STATEMENT }).values();
  const written = new Map(rows.map((row) => [`${String(row[0])}\n${String(row[1])}`, row[2] === true]));
  for (const index of chunk) {
    const created = written.get(`${items[index]!.subKey}\n${target.key(items[index]!)}`);
    if (created !== undefined) outcomes[index] = created ? 'created' : 'updated';
  }
}
