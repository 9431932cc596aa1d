import type Database from 'better-sqlite3';
import { CHANNEL_RESOURCE, MEMBERSHIP_RESOURCE, sortKeyColumnsOf, UUID_RESOURCE } from '../../model/resources.ts';
import { COLLATION_STAMP } from '../../query/collation.ts';

/**
 * Versioned migrations, applied in order inside one transaction each; `user_version` records
 * how far a database has come. Migrations are history: a database made by an older release
 * runs the ones it lacks, so their text never changes once released.
 *
 * Every sortable text column has a stored `<column>_key` the store writes with it: one column whose byte order
 * is the collation we answer in (query/collation.ts), so an index on (key, id) serves keyset
 * pages as a row-value seek wherever the page starts. Which columns have one is said by
 * model/resources.ts (`sortKey`); the dialect sorts any other text column on a computed key.
 */
export const SORT_KEY_COLUMNS: Record<KeyedTable, readonly string[]> = {
  uuids: sortKeyColumnsOf(UUID_RESOURCE),
  channels: sortKeyColumnsOf(CHANNEL_RESOURCE),
  memberships: sortKeyColumnsOf(MEMBERSHIP_RESOURCE),
};

type KeyedTable = 'uuids' | 'channels' | 'memberships';

/**
 * The key columns migrations 1 and 3 create. History: a field added to model/resources.ts
 * later gets its key column in a new migration (schema.test.ts checks every `SORT_KEY_COLUMNS`
 * entry exists), never by editing these.
 */
const MIGRATED_KEY_COLUMNS: Record<KeyedTable, readonly string[]> = {
  uuids: ['id', 'name', 'external_id', 'profile_url', 'email', 'status', 'type'],
  channels: ['id', 'name', 'description', 'status', 'type'],
  memberships: ['uuid_id', 'channel_id', 'status', 'type'],
};

/**
 * The SQL function (registered by connection.ts) computing `sortKey` of query/collation.ts:
 * '' for NULL, below every text's key.
 */
export const SORT_KEY_FUNCTION = 'sort_key';

/** The key column as migration 3 defines it. */
function keyColumn(column: string): string {
  return `${column}_key TEXT GENERATED ALWAYS AS (${SORT_KEY_FUNCTION}(${column})) VIRTUAL`;
}

/**
 * The key column as migration 8 defines it: a plain column the store writes with the record
 * (keyed-row.ts computes it in JavaScript for the columns a write changes), so neither a write
 * nor a read (a filter on a key, a page's sort values) has SQLite call `sort_key` per row.
 */
function storedKeyColumn(column: string): string {
  return `${column}_key TEXT NOT NULL`;
}

/** The plain columns of the keyed tables and their primary keys, as migration 1 made them. */
const TABLE_COLUMNS: Record<KeyedTable, { columns: string; primaryKey: string }> = {
  uuids: {
    columns:
      'sub_key TEXT NOT NULL, id TEXT NOT NULL, name TEXT, external_id TEXT, profile_url TEXT, email TEXT, status TEXT, type TEXT, custom TEXT, updated TEXT NOT NULL, etag TEXT NOT NULL',
    primaryKey: 'sub_key, id',
  },
  channels: {
    columns:
      'sub_key TEXT NOT NULL, id TEXT NOT NULL, name TEXT, description TEXT, status TEXT, type TEXT, custom TEXT, updated TEXT NOT NULL, etag TEXT NOT NULL',
    primaryKey: 'sub_key, id',
  },
  memberships: {
    columns:
      'sub_key TEXT NOT NULL, uuid_id TEXT NOT NULL, channel_id TEXT NOT NULL, status TEXT, type TEXT, custom TEXT, updated TEXT NOT NULL, etag TEXT NOT NULL',
    primaryKey: 'sub_key, uuid_id, channel_id',
  },
};

/**
 * Migration 8's rebuild of `table` with stored key columns (SQLite cannot turn a generated column
 * into a plain one): a new table, every row copied with its keys computed once, here, the old one
 * dropped with its indexes, the new one renamed.
 */
function withStoredKeys(table: KeyedTable): string {
  const { columns, primaryKey } = TABLE_COLUMNS[table];
  const keyed = MIGRATED_KEY_COLUMNS[table];
  const keys = keyed.map((c) => `, ${storedKeyColumn(c)}`).join('');
  const names = columns
    .split(', ')
    .map((definition) => definition.split(' ')[0])
    .join(', ');
  const keyNames = keyed.map((c) => `${c}_key`).join(', ');
  const computed = keyed.map((c) => `${SORT_KEY_FUNCTION}(${c})`).join(', ');
  return `
  CREATE TABLE ${table}_stored_keys (${columns}${keys}, PRIMARY KEY (${primaryKey})) WITHOUT ROWID;
  INSERT INTO ${table}_stored_keys (${names}, ${keyNames}) SELECT ${names}, ${computed} FROM ${table};
  DROP TABLE ${table};
  ALTER TABLE ${table}_stored_keys RENAME TO ${table};`;
}

/**
 * The key column of migration 1: '' for NULL, else the upper-cased text, char(1), the text.
 * Migration 3 replaces it.
 */
function foldedKeyColumn(column: string): string {
  return `${column}_key TEXT GENERATED ALWAYS AS (CASE WHEN ${column} IS NULL THEN '' ELSE fold(${column}) || char(1) || ${column} END) VIRTUAL`;
}

const foldedKeys = (table: KeyedTable) => MIGRATED_KEY_COLUMNS[table].map((c) => `,\n    ${foldedKeyColumn(c)}`).join('');

/** Every index holding sort keys: each must be rebuilt when the keys' function changes. */
export const KEY_INDEXES: readonly { name: string; on: string }[] = [
  ...(['uuids', 'channels'] as const).flatMap((table) =>
    ['id', 'name', 'status', 'type'].map((column) => ({ name: `${table}_by_${column}`, on: `${table} (sub_key, ${column}_key, id)` })),
  ),
  { name: 'memberships_by_user', on: 'memberships (sub_key, uuid_id, channel_id_key, channel_id)' },
  { name: 'memberships_by_channel', on: 'memberships (sub_key, channel_id, uuid_id_key, uuid_id)' },
];

const createKeyIndexes = (): string => KEY_INDEXES.map(({ name, on }) => `CREATE INDEX ${name} ON ${on};`).join('\n');

/** The keyed tables' other indexes (migration 1). */
const UPDATED_INDEXES = `
  CREATE INDEX uuids_by_updated ON uuids (sub_key, updated, id);
  CREATE INDEX channels_by_updated ON channels (sub_key, updated, id);
  CREATE INDEX memberships_by_user_updated ON memberships (sub_key, uuid_id, updated, channel_id);
  CREATE INDEX memberships_by_channel_updated ON memberships (sub_key, channel_id, updated, uuid_id);`;

/** Where the stamp of the collation the stored keys were computed with is kept. */
const META_TABLE = 'roster_meta';
const COLLATION_ENTRY = 'collation';

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
    etag TEXT NOT NULL${foldedKeys('uuids')},
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
    etag TEXT NOT NULL${foldedKeys('channels')},
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
    etag TEXT NOT NULL${foldedKeys('memberships')},
    PRIMARY KEY (sub_key, uuid_id, channel_id)
  ) WITHOUT ROWID;

  ${createKeyIndexes()}
  ${UPDATED_INDEXES}
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
  // 3: sort keys in the collation of query/collation.ts (accents and case below the base letter).
  `
  ${KEY_INDEXES.map(({ name }) => `DROP INDEX ${name};`).join('\n')}
  ${Object.entries(MIGRATED_KEY_COLUMNS)
    .flatMap(([table, columns]) => columns.map((c) => `ALTER TABLE ${table} DROP COLUMN ${c}_key;\nALTER TABLE ${table} ADD COLUMN ${keyColumn(c)};`))
    .join('\n')}
  ${createKeyIndexes()}
  CREATE TABLE ${META_TABLE} (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  INSERT INTO ${META_TABLE} (name, value) VALUES ('${COLLATION_ENTRY}', '${COLLATION_STAMP.replaceAll("'", "''")}');
  `,
  // 4: the outbox: events recorded with their change until the event bus has them (outbox.ts).
  `
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    sub_key TEXT NOT NULL,
    events TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
  // 5: message persistence and message actions (message-store.ts). Timetokens are 64-bit
  // integers. Messages keep their rowid (a payload may run to kilobytes, too big for the
  // interior pages of a WITHOUT ROWID b-tree); actions are small rows, clustered by their key.
  `
  CREATE TABLE messages (
    sub_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    timetoken INTEGER NOT NULL,
    payload TEXT NOT NULL,
    meta TEXT,
    publisher TEXT,
    custom_message_type TEXT,
    message_type INTEGER,
    expires_at INTEGER,
    PRIMARY KEY (sub_key, channel, timetoken)
  );
  CREATE INDEX messages_by_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL;

  CREATE TABLE message_actions (
    sub_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    action_timetoken INTEGER NOT NULL,
    message_timetoken INTEGER NOT NULL,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    uuid TEXT NOT NULL,
    PRIMARY KEY (sub_key, channel, action_timetoken, message_timetoken)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX message_actions_by_message ON message_actions (sub_key, channel, message_timetoken, type, value, uuid);
  `,
  // 6: channel groups (channel-group-store.ts): a keyset's groups in name order, each while it
  // holds a channel, and their channels. Names compare as BINARY: code point order.
  `
  CREATE TABLE channel_groups (
    sub_key TEXT NOT NULL,
    channel_group TEXT NOT NULL,
    PRIMARY KEY (sub_key, channel_group)
  ) WITHOUT ROWID;

  CREATE TABLE channel_group_channels (
    sub_key TEXT NOT NULL,
    channel_group TEXT NOT NULL,
    channel TEXT NOT NULL,
    PRIMARY KEY (sub_key, channel_group, channel)
  ) WITHOUT ROWID;
  `,
  // 7: the keysets the node serves (keyset-store.ts), one row each, a publish key in one row at
  // most; and the registry's version, one row, which every keyset write takes the next value of.
  `
  CREATE TABLE keysets (
    subscribe_key TEXT NOT NULL PRIMARY KEY,
    publish_key TEXT NOT NULL UNIQUE,
    settings TEXT NOT NULL,
    seed_hash TEXT,
    version INTEGER NOT NULL,
    updated TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE keyset_registry (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
  );
  `,
  // 8: sort keys written by the store with each row rather than computed by SQLite (at each read
  // for a virtual column), by rebuilding the three keyed tables and their indexes.
  `
  ${(['uuids', 'channels', 'memberships'] as const).map(withStoredKeys).join('\n')}
  ${createKeyIndexes()}
  ${UPDATED_INDEXES}
  `,
  // 9: the outbox as one row per group commit (outbox.ts): the records of all the writes that
  // committed together. Records waiting in the old table move over, one row each, in their
  // order, as a JSON array of [key, sub_key, events].
  `
  CREATE TABLE outbox_groups (
    id INTEGER PRIMARY KEY,
    records TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  INSERT INTO outbox_groups (records, created_at) SELECT json_array(json_array(key, sub_key, events)), created_at FROM outbox ORDER BY id;
  DROP TABLE outbox;
  `,
];

/**
 * Brings a database to the current schema, then makes sure its sort keys were computed with
 * this collation and this build's Unicode data (`COLLATION_STAMP`); if not, it computes them
 * again and rebuilds every index holding them, in one transaction. Needs the `fold` and `sort_key` functions registered.
 */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number; // SQLite answers an integer
  for (const [index, sql] of MIGRATIONS.entries()) {
    if (index < version) continue;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${index + 1}`);
    }).immediate();
  }
  refreshSortKeys(db);
}

/**
 * Recomputes every stored sort key when they were computed with another collation or Unicode
 * version: the key indexes go, every key is computed again, and the indexes are built again.
 */
function refreshSortKeys(db: Database.Database): void {
  const stamp = db.prepare(`SELECT value FROM ${META_TABLE} WHERE name = ?`).pluck().get(COLLATION_ENTRY);
  if (stamp === COLLATION_STAMP) return;
  db.transaction(() => {
    for (const { name } of KEY_INDEXES) db.exec(`DROP INDEX ${name}`);
    for (const [table, keyed] of Object.entries(MIGRATED_KEY_COLUMNS)) {
      db.exec(`UPDATE ${table} SET ${keyed.map((c) => `${c}_key = ${SORT_KEY_FUNCTION}(${c})`).join(', ')}`);
    }
    db.exec(createKeyIndexes());
    db.prepare(`INSERT INTO ${META_TABLE} (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`).run(
      COLLATION_ENTRY,
      COLLATION_STAMP,
    );
  }).immediate();
}
