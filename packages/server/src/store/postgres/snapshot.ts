import { channelFromValues, membershipFromValues, uuidFromValues, type SqlValues } from '../sql/rows.ts';
import { MEMBERSHIP_COLUMNS, OBJECT_COLUMNS } from '../sql/tables.ts';
import type { StoredItem, StoredKind, StoreSnapshot } from '../store.ts';
import type { Database } from './connection.ts';

interface Read {
  table: string;
  columns: readonly string[];
  /** The key columns pages seek on, in order. */
  keys: readonly string[];
  item: (subKey: string, row: SqlValues) => StoredItem;
}

const READS: Record<StoredKind, Read> = {
  user: { table: 'uuids', columns: OBJECT_COLUMNS.uuid, keys: ['id'], item: (subKey, row) => ({ kind: 'user', subKey, record: uuidFromValues(row) }) },
  channel: {
    table: 'channels',
    columns: OBJECT_COLUMNS.channel,
    keys: ['id'],
    item: (subKey, row) => ({ kind: 'channel', subKey, record: channelFromValues(row) }),
  },
  membership: {
    table: 'memberships',
    columns: MEMBERSHIP_COLUMNS,
    keys: ['uuid_id', 'channel_id'],
    item: (subKey, row) => ({ kind: 'membership', subKey, record: membershipFromValues(row) }),
  },
  revocation: {
    table: 'revoked_tokens',
    columns: ['signature', 'expires_at'],
    keys: ['signature'],
    item: (subKey, row) => {
      const [signature, expiresAt] = row as unknown as [Buffer, string];
      return { kind: 'revocation', subKey, record: { signature, expiresAt: Number(expiresAt) } };
    },
  },
};

/**
 * A consistent read of a PostgreSQL store: one connection of the pool held in a `REPEATABLE READ
 * READ ONLY` transaction, so every page sees the database as it was when the snapshot began
 * while nodes go on writing. Pages are keyset seeks on the primary key (`COLLATE "C"`: code point
 * order, as SQLite's BINARY). Signatures are read as raw `bytea` (`encode(…, 'hex')`), as the
 * pool's codec reads `bytea` as text.
 */
export async function openPostgresSnapshot(db: Database): Promise<StoreSnapshot> {
  const tx = await db.reserve();
  try {
    await tx.unsafe('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await tx.unsafe('SELECT 1');
  } catch (error) {
    tx.release();
    throw error;
  }
  const selected = (read: Read) => read.columns.map((column) => (column === 'signature' ? `encode(signature, 'hex')` : column));
  return {
    keysets: async () => {
      const tables = Object.values(READS).map((read) => read.table);
      const sql = `SELECT min(k) FROM (${tables.map((t) => `SELECT min(sub_key) AS k FROM ${t} WHERE sub_key > $1`).join(' UNION ALL ')}) AS keys`;
      const keysets: string[] = [];
      for (let last = ''; ;) {
        const [row] = await tx.unsafe(sql, [last]).values();
        const found = row?.[0];
        if (typeof found !== 'string') return keysets;
        keysets.push(found);
        last = found;
      }
    },
    count: async (subKey, kind) => {
      const [row] = await tx.unsafe(`SELECT count(*) FROM ${READS[kind].table} WHERE sub_key = $1`, [subKey]).values();
      return Number(row?.[0] ?? 0);
    },
    pages: async function* (subKey, kind, pageSize) {
      const read = READS[kind];
      const keys = read.keys.length;
      const first = `SELECT ${selected(read).join(', ')} FROM ${read.table} WHERE sub_key = $1 ORDER BY ${read.keys.join(', ')} LIMIT ${pageSize}`;
      const seek = read.keys.map((_, i) => `$${i + 2}`).join(', ');
      const keyed = kind === 'revocation' ? `decode($2, 'hex')` : seek;
      const next = `SELECT ${selected(read).join(', ')} FROM ${read.table} WHERE sub_key = $1 AND (${read.keys.join(', ')}) > (${keyed}) ORDER BY ${read.keys.join(', ')} LIMIT ${pageSize}`;
      const at = read.keys.map((key) => read.columns.indexOf(key));
      let after: unknown[] | undefined;
      for (;;) {
        const rows = (await tx.unsafe(after ? next : first, [subKey, ...(after ?? [])] as never[], { prepare: true }).values()) as unknown as SqlValues[];
        if (rows.length === 0) return;
        const last = rows.at(-1)!;
        after = at.map((index) => last[index]);
        yield rows.map((row) => (kind === 'revocation' ? read.item(subKey, [Buffer.from(String(row[0]), 'hex') as never, row[1]!]) : read.item(subKey, row)));
        if (rows.length < pageSize) return;
      }
    },
    close: async () => {
      try {
        await tx.unsafe('COMMIT');
      } finally {
        tx.release();
      }
    },
  };
}
