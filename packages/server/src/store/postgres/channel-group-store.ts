import { createHash } from 'node:crypto';
import { rowLimit } from '../sql/timetokens.ts';
import type { ChannelGroupStore, GroupAddition } from '../store.ts';
import { transaction, type Database, type Runner } from './connection.ts';

/** The statements (exported for the plan tests); each reads or writes by a table's primary key. */
export const CHANNEL_GROUP_SQL = {
  lock: 'SELECT pg_advisory_xact_lock($1::bigint)',
  groupExists: 'SELECT 1 FROM channel_groups WHERE sub_key = $1 AND channel_group = $2',
  addGroup: 'INSERT INTO channel_groups (sub_key, channel_group) VALUES ($1, $2) ON CONFLICT DO NOTHING',
  addChannels:
    'INSERT INTO channel_group_channels (sub_key, channel_group, channel) SELECT $1, $2, c FROM unnest($3::text[]) AS c' +
    ' ON CONFLICT DO NOTHING RETURNING channel',
  counts:
    'SELECT (SELECT count(*) FROM channel_group_channels WHERE sub_key = $1 AND channel_group = $2),' +
    ' (SELECT count(*) FROM channel_groups WHERE sub_key = $1)',
  removeChannels: 'DELETE FROM channel_group_channels WHERE sub_key = $1 AND channel_group = $2 AND channel = ANY($3::text[]) RETURNING channel',
  // The group goes with its last channel (a statement of its own: it must see the deletes before it).
  removeIfEmpty:
    'DELETE FROM channel_groups WHERE sub_key = $1 AND channel_group = $2' +
    ' AND NOT EXISTS (SELECT 1 FROM channel_group_channels WHERE sub_key = $1 AND channel_group = $2)',
  removeGroup:
    'WITH channels AS (DELETE FROM channel_group_channels WHERE sub_key = $1 AND channel_group = $2)' +
    ' DELETE FROM channel_groups WHERE sub_key = $1 AND channel_group = $2 RETURNING 1',
  channels: 'SELECT channel FROM channel_group_channels WHERE sub_key = $1 AND channel_group = $2 ORDER BY channel LIMIT $3::integer',
  // Every group in one round trip, each an index seek that stops at the limit.
  channelsOf:
    'SELECT g.name, c.channel FROM unnest($2::text[]) WITH ORDINALITY AS g(name, position)' +
    ' CROSS JOIN LATERAL (SELECT channel FROM channel_group_channels WHERE sub_key = $1 AND channel_group = g.name ORDER BY channel LIMIT $3::integer) AS c' +
    ' ORDER BY g.position, c.channel',
  groups: 'SELECT channel_group FROM channel_groups WHERE sub_key = $1 ORDER BY channel_group LIMIT $2::integer',
};

type Row = unknown[];

/** Each name once, in the order first given. */
const unique = (names: readonly string[]): string[] => [...new Set(names)];

/**
 * A 64-bit advisory-lock key: of one group, or of the set of a keyset's groups. The texts differ
 * from those of locks.ts (`uuid\n…`, `channel\n…`); a collision only makes two writers wait.
 */
function lockKey(...parts: string[]): string {
  return String(createHash('sha256').update(parts.join('\n')).digest().readBigInt64BE(0));
}

/**
 * Channel groups in PostgreSQL (migration 7), shared by every node: `channel_groups` keyed by
 * (sub_key, channel_group), one row per existing group, so listing and counting a keyset's
 * groups never reads their channels; `channel_group_channels` keyed by (sub_key, channel_group,
 * channel). Text is `COLLATE "C"`: code point order. Every write first takes the group's
 * transaction-scoped advisory lock, and an add that creates a group then the keyset's too (always
 * in that order, so no two writers wait for each other in a circle): the counts `decide` sees
 * then hold on every node until the add commits, and two adds cannot pass a limit together.
 */
export class PostgresChannelGroupStore implements ChannelGroupStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async add(subKey: string, group: string, channels: readonly string[], decide: (after: { size: number; groups: number }) => void): Promise<GroupAddition> {
    const wanted = unique(channels);
    return transaction(this.#db, async (tx) => {
      await lock(tx, 'channel-group', subKey, group);
      if (wanted.length > 0 && (await rows(tx, CHANNEL_GROUP_SQL.groupExists, [subKey, group])).length === 0) {
        await lock(tx, 'channel-groups-of', subKey);
        await rows(tx, CHANNEL_GROUP_SQL.addGroup, [subKey, group]);
      }
      const inserted = wanted.length > 0 ? await rows(tx, CHANNEL_GROUP_SQL.addChannels, [subKey, group, wanted]) : [];
      const [counts] = await rows(tx, CHANNEL_GROUP_SQL.counts, [subKey, group]);
      const [size, groups] = counts!.map(Number) as [number, number];
      decide({ size, groups });
      const isNew = new Set(inserted.map((row) => String(row[0])));
      return { added: wanted.filter((channel) => isNew.has(channel)), size };
    });
  }

  async remove(subKey: string, group: string, channels: readonly string[]): Promise<string[]> {
    const named = unique(channels);
    if (named.length === 0) return [];
    return transaction(this.#db, async (tx) => {
      await lock(tx, 'channel-group', subKey, group);
      const gone = new Set((await rows(tx, CHANNEL_GROUP_SQL.removeChannels, [subKey, group, named])).map((row) => String(row[0])));
      if (gone.size > 0) await rows(tx, CHANNEL_GROUP_SQL.removeIfEmpty, [subKey, group]);
      return named.filter((channel) => gone.has(channel));
    });
  }

  async channels(subKey: string, group: string, limit: number): Promise<string[]> {
    return (await rows(this.#db, CHANNEL_GROUP_SQL.channels, [subKey, group, rowLimit(limit)])).map((row) => String(row[0]));
  }

  async channelsOf(subKey: string, groups: readonly string[], limitPerGroup: number): Promise<Map<string, string[]>> {
    const named = unique(groups);
    const found = new Map(named.map((group) => [group, [] as string[]]));
    if (named.length === 0) return found;
    for (const [group, channel] of await rows(this.#db, CHANNEL_GROUP_SQL.channelsOf, [subKey, named, rowLimit(limitPerGroup)])) {
      found.get(String(group))?.push(String(channel));
    }
    return found;
  }

  async groups(subKey: string, limit: number): Promise<string[]> {
    return (await rows(this.#db, CHANNEL_GROUP_SQL.groups, [subKey, rowLimit(limit)])).map((row) => String(row[0]));
  }

  async delete(subKey: string, group: string): Promise<boolean> {
    return transaction(this.#db, async (tx) => {
      await lock(tx, 'channel-group', subKey, group);
      return (await rows(tx, CHANNEL_GROUP_SQL.removeGroup, [subKey, group])).length > 0;
    });
  }
}

async function rows(db: Runner, sql: string, params: unknown[]): Promise<Row[]> {
  return (await db.unsafe(sql, params as never[], { prepare: true }).values()) as unknown as Row[];
}

/** Waits for the advisory lock named by `parts`, held until the transaction ends. */
async function lock(tx: Runner, ...parts: string[]): Promise<void> {
  await rows(tx, CHANNEL_GROUP_SQL.lock, [lockKey(...parts)]);
}
