import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { channelFromValues, membershipFromValues, uuidFromValues, type SqlValues } from '../sql/rows.ts';
import { MEMBERSHIP_COLUMNS, OBJECT_COLUMNS } from '../sql/tables.ts';
import type { StoredItem, StoredKind, StoreSnapshot } from '../store.ts';

/** Each kind's table, the columns read (in the order rows.ts reads them) and the order of its ids. */
const READS: Record<StoredKind, { table: string; columns: readonly string[]; order: string; item: (subKey: string, row: unknown[]) => StoredItem }> = {
  user: {
    table: 'uuids',
    columns: OBJECT_COLUMNS.uuid,
    order: 'id',
    item: (subKey, row) => ({ kind: 'user', subKey, record: uuidFromValues(row as SqlValues) }),
  },
  channel: {
    table: 'channels',
    columns: OBJECT_COLUMNS.channel,
    order: 'id',
    item: (subKey, row) => ({ kind: 'channel', subKey, record: channelFromValues(row as SqlValues) }),
  },
  membership: {
    table: 'memberships',
    columns: MEMBERSHIP_COLUMNS,
    order: 'uuid_id, channel_id',
    item: (subKey, row) => ({ kind: 'membership', subKey, record: membershipFromValues(row as SqlValues) }),
  },
  revocation: {
    table: 'revoked_tokens',
    columns: ['signature', 'expires_at'],
    order: 'signature',
    item: (subKey, row) => ({ kind: 'revocation', subKey, record: { signature: row[0] as Buffer, expiresAt: Number(row[1]) } }),
  },
};

/**
 * Opens SQLite database `path` read-only and reads it in one read transaction: in WAL mode that
 * is a consistent snapshot of the last commit before it began, while a node serving the file
 * goes on writing (it never waits for this reader; the WAL only grows until the snapshot ends).
 * It takes no lock (lock.ts) and writes nothing. Ids come in BINARY order, which for UTF-8 text
 * is code point order, as PostgreSQL's `COLLATE "C"`. Throws when the file does not exist or
 * is not a Roster database.
 */
export function openSqliteSnapshot(path: string): StoreSnapshot {
  const file = resolve(path);
  if (!existsSync(file)) throw new Error(`The database ${file} does not exist`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < 2) throw new Error(`The database ${file} is not a Roster database (or was never opened by a node)`);
    db.exec('BEGIN');
    // The first read starts the transaction's snapshot: everything below reads this one.
    db.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
  } catch (error) {
    db.close();
    throw error;
  }
  return {
    keysets: async () => {
      const tables = Object.values(READS).map((read) => read.table);
      const next = db.prepare(`SELECT min(k) FROM (${tables.map((t) => `SELECT min(sub_key) AS k FROM ${t} WHERE sub_key > ?`).join(' UNION ALL ')})`).pluck();
      const keysets: string[] = [];
      for (let last = ''; ;) {
        const found = next.get(...tables.map(() => last)) as string | null;
        if (found === null) return keysets;
        keysets.push(found);
        last = found;
      }
    },
    count: async (subKey, kind) => db.prepare(`SELECT count(*) FROM ${READS[kind].table} WHERE sub_key = ?`).pluck().get(subKey) as number,
    pages: async function* (subKey, kind, pageSize) {
      const read = READS[kind];
      const rows = db
        .prepare(`SELECT ${read.columns.join(', ')} FROM ${read.table} WHERE sub_key = ? ORDER BY ${read.order}`)
        .raw()
        .iterate(subKey);
      let page: StoredItem[] = [];
      for (const row of rows) {
        page.push(read.item(subKey, row as unknown[]));
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    },
    close: async () => {
      if (db.inTransaction) db.exec('COMMIT');
      db.close();
    },
  };
}
