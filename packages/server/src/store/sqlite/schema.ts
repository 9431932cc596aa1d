import type Database from 'better-sqlite3';

/**
 * Versioned migrations, applied in order inside one transaction each; `user_version` records
 * how far a database has come.
 *
 * Sort indexes hold exactly the expressions `list-sql.ts` orders by (null flag, folded value,
 * exact value, id), so a sorted page is an index range scan wherever it starts.
 */
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
    etag TEXT NOT NULL,
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
    etag TEXT NOT NULL,
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
    etag TEXT NOT NULL,
    PRIMARY KEY (sub_key, uuid_id, channel_id)
  ) WITHOUT ROWID;

  ${['uuids', 'channels'].map(objectIndexes).join('\n')}

  CREATE INDEX memberships_by_user ON memberships (sub_key, uuid_id, fold(channel_id), channel_id);
  CREATE INDEX memberships_by_channel ON memberships (sub_key, channel_id, fold(uuid_id), uuid_id);
  CREATE INDEX memberships_by_user_updated ON memberships (sub_key, uuid_id, updated, channel_id);
  CREATE INDEX memberships_by_channel_updated ON memberships (sub_key, channel_id, updated, uuid_id);
  `,
];

function objectIndexes(table: string): string {
  const nullable = (column: string) =>
    `CREATE INDEX ${table}_by_${column} ON ${table} (sub_key, (${column} IS NOT NULL), COALESCE(fold(${column}), ''), COALESCE(${column}, ''), id);`;
  return [
    `CREATE INDEX ${table}_by_id ON ${table} (sub_key, fold(id), id);`,
    `CREATE INDEX ${table}_by_updated ON ${table} (sub_key, updated, id);`,
    nullable('name'),
    nullable('status'),
    nullable('type'),
  ].join('\n');
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
