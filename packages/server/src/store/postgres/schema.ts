/**
 * The PostgreSQL schema as versioned migrations. Migrations are history: once released, a
 * migration's text never changes; a change to the schema is a new migration at the end.
 * migrate.ts applies the ones a database lacks, each recorded in `roster_schema`.
 *
 * Text columns are `COLLATE "C"`, so comparisons and `ORDER BY` on them are code point order, as
 * SQLite's BINARY. Each sortable text column has a `<column>_key bytea`: the UTF-8 bytes of
 * `sortKey` (query/collation.ts), written by the application ('' for NULL), so an index on
 * (key, id) serves keyset pages as a seek. `custom` keeps the JSON text as written; `custom_q`
 * and `custom_k` hold the forms filters and sorts compare (store/postgres/codec.ts).
 */
import { LIKE_FUNCTIONS_SQL } from './like-sql.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users, channels and memberships',
    sql: `
CREATE TABLE uuids (
  sub_key text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  name text COLLATE "C",
  external_id text COLLATE "C",
  profile_url text COLLATE "C",
  email text COLLATE "C",
  status text COLLATE "C",
  type text COLLATE "C",
  custom text,
  updated text COLLATE "C" NOT NULL,
  etag text NOT NULL,
  custom_q jsonb,
  custom_k jsonb,
  id_key bytea NOT NULL,
  name_key bytea NOT NULL,
  external_id_key bytea NOT NULL,
  profile_url_key bytea NOT NULL,
  email_key bytea NOT NULL,
  status_key bytea NOT NULL,
  type_key bytea NOT NULL,
  PRIMARY KEY (sub_key, id)
);

CREATE TABLE channels (
  sub_key text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  name text COLLATE "C",
  description text COLLATE "C",
  status text COLLATE "C",
  type text COLLATE "C",
  custom text,
  updated text COLLATE "C" NOT NULL,
  etag text NOT NULL,
  custom_q jsonb,
  custom_k jsonb,
  id_key bytea NOT NULL,
  name_key bytea NOT NULL,
  description_key bytea NOT NULL,
  status_key bytea NOT NULL,
  type_key bytea NOT NULL,
  PRIMARY KEY (sub_key, id)
);

CREATE TABLE memberships (
  sub_key text COLLATE "C" NOT NULL,
  uuid_id text COLLATE "C" NOT NULL,
  channel_id text COLLATE "C" NOT NULL,
  status text COLLATE "C",
  type text COLLATE "C",
  custom text,
  updated text COLLATE "C" NOT NULL,
  etag text NOT NULL,
  custom_q jsonb,
  custom_k jsonb,
  uuid_id_key bytea NOT NULL,
  channel_id_key bytea NOT NULL,
  status_key bytea NOT NULL,
  type_key bytea NOT NULL,
  PRIMARY KEY (sub_key, uuid_id, channel_id)
);

CREATE INDEX uuids_by_id ON uuids (sub_key, id_key, id);
CREATE INDEX uuids_by_name ON uuids (sub_key, name_key, id);
CREATE INDEX uuids_by_status ON uuids (sub_key, status_key, id);
CREATE INDEX uuids_by_type ON uuids (sub_key, type_key, id);
CREATE INDEX uuids_by_updated ON uuids (sub_key, updated, id);
CREATE INDEX channels_by_id ON channels (sub_key, id_key, id);
CREATE INDEX channels_by_name ON channels (sub_key, name_key, id);
CREATE INDEX channels_by_status ON channels (sub_key, status_key, id);
CREATE INDEX channels_by_type ON channels (sub_key, type_key, id);
CREATE INDEX channels_by_updated ON channels (sub_key, updated, id);
CREATE INDEX memberships_by_user ON memberships (sub_key, uuid_id, channel_id_key, channel_id);
CREATE INDEX memberships_by_channel ON memberships (sub_key, channel_id, uuid_id_key, uuid_id);
CREATE INDEX memberships_by_user_updated ON memberships (sub_key, uuid_id, updated, channel_id);
CREATE INDEX memberships_by_channel_updated ON memberships (sub_key, channel_id, updated, uuid_id);
`,
  },
  {
    version: 2,
    name: 'revoked Access Manager tokens',
    sql: `
CREATE TABLE revoked_tokens (
  sub_key text COLLATE "C" NOT NULL,
  signature bytea NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (sub_key, signature)
);
CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);
`,
  },
  {
    version: 3,
    name: 'the collation the stored sort keys were computed with',
    sql: `
CREATE TABLE roster_meta (
  name text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);
`,
  },
  {
    version: 4,
    name: 'LIKE in time linear in the text',
    sql: LIKE_FUNCTIONS_SQL,
  },
  {
    version: 5,
    name: 'the outbox of App Context events',
    sql: `
CREATE TABLE outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key text COLLATE "C" NOT NULL UNIQUE,
  sub_key text COLLATE "C" NOT NULL,
  events text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
`,
  },
  {
    version: 6,
    name: 'message persistence and message actions',
    sql: `
CREATE TABLE messages (
  sub_key text COLLATE "C" NOT NULL,
  channel text COLLATE "C" NOT NULL,
  timetoken bigint NOT NULL,
  payload text NOT NULL,
  meta text,
  publisher text,
  custom_message_type text,
  message_type integer,
  expires_at bigint,
  PRIMARY KEY (sub_key, channel, timetoken)
);
CREATE INDEX messages_by_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE message_actions (
  sub_key text COLLATE "C" NOT NULL,
  channel text COLLATE "C" NOT NULL,
  action_timetoken bigint NOT NULL,
  message_timetoken bigint NOT NULL,
  type text COLLATE "C" NOT NULL,
  value text COLLATE "C" NOT NULL,
  uuid text COLLATE "C" NOT NULL,
  PRIMARY KEY (sub_key, channel, action_timetoken, message_timetoken)
);
-- The value by its digest: a b-tree entry holds at most about 2.7 KB, and a value may run to 32 KiB.
CREATE UNIQUE INDEX message_actions_by_message ON message_actions (sub_key, channel, message_timetoken, type, md5(value), uuid);
`,
  },
  {
    version: 7,
    name: 'channel groups',
    sql: `
CREATE TABLE channel_groups (
  sub_key text COLLATE "C" NOT NULL,
  channel_group text COLLATE "C" NOT NULL,
  PRIMARY KEY (sub_key, channel_group)
);

CREATE TABLE channel_group_channels (
  sub_key text COLLATE "C" NOT NULL,
  channel_group text COLLATE "C" NOT NULL,
  channel text COLLATE "C" NOT NULL,
  PRIMARY KEY (sub_key, channel_group, channel)
);
`,
  },
  {
    version: 8,
    name: 'keysets and the keyset registry version',
    sql: `
CREATE TABLE keysets (
  subscribe_key text COLLATE "C" PRIMARY KEY,
  publish_key text COLLATE "C" NOT NULL CONSTRAINT keysets_publish_key UNIQUE,
  settings text NOT NULL,
  seed_hash text,
  version bigint NOT NULL,
  updated text NOT NULL
);

-- One row: the version the last keyset write took (none yet: 0).
CREATE TABLE keyset_registry (
  id integer PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL
);
`,
  },
];
