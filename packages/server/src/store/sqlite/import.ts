import { CHANNEL_RESOURCE, MEMBERSHIP_RESOURCE, UUID_RESOURCE } from '../../model/resources.ts';
import type { ImportOutcome, StoredItem, StoredKind } from '../store.ts';
import type { SqliteParts } from './executor.ts';
import { keyedRow, type KeyedRow } from './keyed-row.ts';

type Value = string | number | Buffer | null;

/** How one kind of item is stored: its table, its key columns and the values of every column, keys first. */
interface Target {
  table: string;
  keys: readonly string[];
  columns: readonly string[];
  values: (item: StoredItem) => Value[];
}

/** The columns of a record with its key columns moved to the front. */
const keysFirst = (columns: readonly string[], keys: readonly string[]) => [...keys, ...columns.filter((c) => !keys.includes(c))];

/** A record's table, by its columns and their sort keys (keyed-row.ts): compared and written whole. */
function target<R>(table: string, { columns, values: write }: KeyedRow<R>, keys: readonly string[]): Target {
  const order = keysFirst(columns, keys).map((column) => columns.indexOf(column));
  return {
    table,
    keys,
    columns: keysFirst(columns, keys),
    values: (item) => {
      const values = write(item.record as R);
      return order.map((index) => values[index]!);
    },
  };
}

const TARGETS: Record<StoredKind, Target> = {
  user: target('uuids', keyedRow(UUID_RESOURCE), ['id']),
  channel: target('channels', keyedRow(CHANNEL_RESOURCE), ['id']),
  membership: target('memberships', keyedRow(MEMBERSHIP_RESOURCE), ['uuid_id', 'channel_id']),
  revocation: {
    table: 'revoked_tokens',
    keys: ['signature'],
    columns: ['signature', 'expires_at'],
    values: (item) => {
      const token = item.record as { signature: Buffer; expiresAt: number };
      return [token.signature, token.expiresAt];
    },
  },
};

function statementsOf({ table, keys, columns }: Target) {
  const where = ['sub_key', ...keys].map((column) => `${column} = ?`).join(' AND ');
  const rest = columns.slice(keys.length);
  return {
    get: `SELECT ${columns.join(', ')} FROM ${table} WHERE ${where}`,
    insert: `INSERT INTO ${table} (sub_key, ${columns.join(', ')}) VALUES (?, ${columns.map(() => '?').join(', ')})`,
    update: `UPDATE ${table} SET ${rest.map((column) => `${column} = ?`).join(', ')} WHERE ${where}`,
  };
}

const SQL = Object.fromEntries(Object.entries(TARGETS).map(([kind, t]) => [kind, statementsOf(t)])) as Record<StoredKind, ReturnType<typeof statementsOf>>;

const same = (a: Value | undefined, b: Value): boolean => (Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : a === b);

/** Thrown out of the write to roll a dry run back, carrying what it found. */
class DryRun {
  constructor(readonly outcomes: ImportOutcome[]) {}
}

/**
 * `Store.import` on SQLite: all `items` in one transaction of the store's group commit. Each
 * item's row is read by its key; a missing row is inserted, a differing one updated whole, an
 * identical one left alone. `forgetCached` runs first in that transaction: writes later in the
 * same group read their records from the cache (object-store.ts), which this one writes past.
 * The caller drops the record caches again afterwards.
 */
export async function importItems(parts: SqliteParts, items: readonly StoredItem[], dryRun: boolean, forgetCached: () => void): Promise<ImportOutcome[]> {
  try {
    return await parts.writes.run(() => {
      forgetCached();
      const outcomes = items.map((item) => importOne(parts, item));
      if (dryRun) throw new DryRun(outcomes);
      return outcomes;
    });
  } catch (error) {
    if (error instanceof DryRun) return error.outcomes;
    throw error;
  }
}

function importOne(parts: SqliteParts, item: StoredItem): ImportOutcome {
  const sql = SQL[item.kind];
  const values = TARGETS[item.kind].values(item);
  const keyCount = TARGETS[item.kind].keys.length;
  const key = values.slice(0, keyCount);
  const current = parts.statements.values(sql.get).get(item.subKey, ...key) as Value[] | undefined;
  if (current === undefined) {
    parts.statements.get(sql.insert).run(item.subKey, ...values);
    return 'created';
  }
  if (values.every((value, index) => same(current[index], value))) return 'unchanged';
  parts.statements.get(sql.update).run(...values.slice(keyCount), item.subKey, ...key);
  return 'updated';
}
