import type Database from 'better-sqlite3';

/**
 * Versioned migrations, applied in order inside one transaction each; `user_version` records
 * how far a database has come.
 *
 * Every sortable text column has a generated `<column>_key` (see `sortKey`): one plain column
 * whose byte order is the collation we answer in, so an index on (key, id) serves keyset pages
 * as a row-value seek wherever the page starts.
 */
export const SORT_KEY_COLUMNS = {
  uuids: ['id', 'name', 'external_id', 'profile_url', 'email', 'status', 'type'],
  channels: ['id', 'name', 'description', 'status', 'type'],
  memberships: ['uuid_id', 'channel_id', 'status', 'type'],
} as const;

/**
 * NULL sorts first (''), then by the case-folded text, then by the exact text; char(1) keeps
 * "abc" before "abcd" and both before "abc_x".
 */
function sortKey(column: string): string {
  return `${column}_key TEXT GENERATED ALWAYS AS (CASE WHEN ${column} IS NULL THEN '' ELSE fold(${column}) || char(1) || ${column} END) VIRTUAL`;
}

const keys = (table: keyof typeof SORT_KEY_COLUMNS) => SORT_KEY_COLUMNS[table].map((c) => `,\n    ${sortKey(c)}`).join('');

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE uuids (
    sub_key TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT,
    external_id TEXT,
    profile_url TEXT,
    email TEXT,
    status TEXT,
    type TEXT,
    custom TEXT,
    updated TEXT NOT NULL,
    etag TEXT NOT NULL${keys('uuids')},
    PRIMARY KEY (sub_key, id)
  ) WITHOUT ROWID;

  CREATE TABLE channels (
    sub_key TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT,
    description TEXT,
    status TEXT,
    type TEXT,
    custom TEXT,
    updated TEXT NOT NULL,
    etag TEXT NOT NULL${keys('channels')},
    PRIMARY KEY (sub_key, id)
  ) WITHOUT ROWID;

  CREATE TABLE memberships (
    sub_key TEXT NOT NULL,
    uuid_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    status TEXT,
    type TEXT,
    custom TEXT,
    updated TEXT NOT NULL,
    etag TEXT NOT NULL${keys('memberships')},
    PRIMARY KEY (sub_key, uuid_id, channel_id)
  ) WITHOUT ROWID;

  ${['uuids', 'channels'].map(objectIndexes).join('\n')}

  CREATE INDEX memberships_by_user ON memberships (sub_key, uuid_id, channel_id_key, channel_id);
  CREATE INDEX memberships_by_channel ON memberships (sub_key, channel_id, uuid_id_key, uuid_id);
  CREATE INDEX memberships_by_user_updated ON memberships (sub_key, uuid_id, updated, channel_id);
  CREATE INDEX memberships_by_channel_updated ON memberships (sub_key, channel_id, updated, uuid_id);
  `,
  // 2: revoked Access Manager tokens, by the token's signature (auth/revocations.ts).
  `
  CREATE TABLE revoked_tokens (
    sub_key TEXT NOT NULL,
    signature BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (sub_key, signature)
  ) WITHOUT ROWID;
  `,
];

function objectIndexes(table: string): string {
  return ['id', 'name', 'status', 'type']
    .map((column) => `CREATE INDEX ${table}_by_${column} ON ${table} (sub_key, ${column}_key, id);`)
    .concat(`CREATE INDEX ${table}_by_updated ON ${table} (sub_key, updated, id);`)
    .join('\n');
}

export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number; // SQLite answers an integer
  for (const [index, sql] of MIGRATIONS.entries()) {
    if (index < version) continue;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${index + 1}`);
    }).immediate();
  }
}
