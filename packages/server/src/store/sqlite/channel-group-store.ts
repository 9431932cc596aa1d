import type { Statement } from 'better-sqlite3';
import { rowLimit } from '../sql/timetokens.ts';
import type { ChannelGroupStore, GroupAddition } from '../store.ts';
import type { Connection } from './connection.ts';
import type { GroupCommit } from './group-commit.ts';

/** The statements (exported for the plan tests); each is a seek in a table's primary key. */
export const CHANNEL_GROUP_SQL = {
  addGroup: 'INSERT INTO channel_groups (sub_key, channel_group) VALUES (?, ?) ON CONFLICT DO NOTHING',
  addChannel: 'INSERT INTO channel_group_channels (sub_key, channel_group, channel) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  removeChannel: 'DELETE FROM channel_group_channels WHERE sub_key = ? AND channel_group = ? AND channel = ?',
  // The group goes with its last channel.
  removeIfEmpty:
    'DELETE FROM channel_groups WHERE sub_key = @subKey AND channel_group = @group' +
    ' AND NOT EXISTS (SELECT 1 FROM channel_group_channels WHERE sub_key = @subKey AND channel_group = @group)',
  removeGroup: 'DELETE FROM channel_groups WHERE sub_key = ? AND channel_group = ?',
  removeChannels: 'DELETE FROM channel_group_channels WHERE sub_key = ? AND channel_group = ?',
  size: 'SELECT count(*) FROM channel_group_channels WHERE sub_key = ? AND channel_group = ?',
  groupCount: 'SELECT count(*) FROM channel_groups WHERE sub_key = ?',
  channels: 'SELECT channel FROM channel_group_channels WHERE sub_key = ? AND channel_group = ? ORDER BY channel LIMIT ?',
  groups: 'SELECT channel_group FROM channel_groups WHERE sub_key = ? ORDER BY channel_group LIMIT ?',
};

type Statements = Record<keyof typeof CHANNEL_GROUP_SQL, Statement>;

/** Each name once, in the order first given. */
const unique = (names: readonly string[]): string[] => [...new Set(names)];

/**
 * Channel groups in SQLite (schema migration 6): `channel_groups` keyed by (sub_key,
 * channel_group), one row per existing group, so listing and counting a keyset's groups reads
 * its groups and never their channels; `channel_group_channels` keyed by (sub_key,
 * channel_group, channel). Text compares as BINARY (UTF-8 bytes): code point order. Writes are
 * units of the store's group commit (group-commit.ts): one writer, so the counts an add reports
 * to `decide` cannot change before it commits, and a unit that throws rolls back alone.
 */
export class SqliteChannelGroupStore implements ChannelGroupStore {
  readonly #writes: GroupCommit;
  readonly #s: Statements;

  constructor(db: Connection, writes: GroupCommit) {
    this.#writes = writes;
    const prepared = Object.entries(CHANNEL_GROUP_SQL).map(([name, sql]) => {
      const statement = db.prepare(sql);
      return [name, statement.reader ? statement.pluck() : statement];
    });
    this.#s = Object.fromEntries(prepared) as Statements;
  }

  async add(subKey: string, group: string, channels: readonly string[], decide: (after: { size: number; groups: number }) => void): Promise<GroupAddition> {
    const wanted = unique(channels);
    return this.#writes.run(() => {
      if (wanted.length > 0) this.#s.addGroup.run(subKey, group);
      const added = wanted.filter((channel) => this.#s.addChannel.run(subKey, group, channel).changes > 0);
      const size = this.#s.size.get(subKey, group) as number;
      decide({ size, groups: this.#s.groupCount.get(subKey) as number });
      return { added, size };
    });
  }

  async remove(subKey: string, group: string, channels: readonly string[]): Promise<string[]> {
    const named = unique(channels);
    return this.#writes.run(() => {
      const removed = named.filter((channel) => this.#s.removeChannel.run(subKey, group, channel).changes > 0);
      if (removed.length > 0) this.#s.removeIfEmpty.run({ subKey, group });
      return removed;
    });
  }

  async channels(subKey: string, group: string, limit: number): Promise<string[]> {
    return this.#s.channels.all(subKey, group, rowLimit(limit)) as string[];
  }

  // In process, a statement per group costs what one query would, and each stops at its limit.
  async channelsOf(subKey: string, groups: readonly string[], limitPerGroup: number): Promise<Map<string, string[]>> {
    const limit = rowLimit(limitPerGroup);
    return new Map(unique(groups).map((group) => [group, this.#s.channels.all(subKey, group, limit) as string[]]));
  }

  async groups(subKey: string, limit: number): Promise<string[]> {
    return this.#s.groups.all(subKey, rowLimit(limit)) as string[];
  }

  async delete(subKey: string, group: string): Promise<boolean> {
    return this.#writes.run(() => {
      this.#s.removeChannels.run(subKey, group);
      return this.#s.removeGroup.run(subKey, group).changes > 0;
    });
  }
}
