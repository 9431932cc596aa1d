import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_GROUP_SQL } from './channel-group-store.ts';
import { SqliteStore } from './index.ts';

/**
 * Channel-group statements on SQLite are primary-key seeks: listing or counting a keyset's groups
 * reads its groups, never their channels, however many channels they hold. The behaviour itself
 * is test/store-contract/channel-groups.ts.
 */
describe('SQLite channel-group statements seek the primary keys', () => {
  let store: SqliteStore;
  beforeAll(async () => {
    store = new SqliteStore({ path: ':memory:', synchronous: 'normal' });
    const channels = Array.from({ length: 500 }, (_, index) => `ch-${index}`);
    for (const group of ['a', 'b', 'c']) await store.channelGroups.add('k', group, channels, () => {});
    await store.channelGroups.add('other', 'a', ['x'], () => {});
  });
  afterAll(async () => {
    await store?.close();
  });

  /** What EXPLAIN QUERY PLAN says of `sql`, every step on one line. */
  function planOf(sql: string, ...params: unknown[]): string {
    const steps = store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
    return steps.map((step) => step.detail).join('; ');
  }

  it('lists and counts a keyset’s groups from the groups table alone', async () => {
    expect(await store.channelGroups.groups('k', 10)).toEqual(['a', 'b', 'c']);
    expect(planOf(CHANNEL_GROUP_SQL.groups, 'k', 10)).toBe('SEARCH channel_groups USING PRIMARY KEY (sub_key=?)');
    expect(planOf(CHANNEL_GROUP_SQL.groupCount, 'k')).toBe('SEARCH channel_groups USING PRIMARY KEY (sub_key=?)');
  });

  it('reads and counts a group’s channels in name order from its key', async () => {
    expect(await store.channelGroups.channels('k', 'b', 3)).toEqual(['ch-0', 'ch-1', 'ch-10']);
    expect(planOf(CHANNEL_GROUP_SQL.channels, 'k', 'b', 3)).toBe('SEARCH channel_group_channels USING PRIMARY KEY (sub_key=? AND channel_group=?)');
    expect(planOf(CHANNEL_GROUP_SQL.size, 'k', 'b')).toBe('SEARCH channel_group_channels USING PRIMARY KEY (sub_key=? AND channel_group=?)');
    expect(planOf(CHANNEL_GROUP_SQL.removeIfEmpty, { subKey: 'k', group: 'b' })).toMatch(
      /^SEARCH channel_groups USING PRIMARY KEY \(sub_key=\? AND channel_group=\?\); .*SEARCH channel_group_channels USING PRIMARY KEY \(sub_key=\? AND channel_group=\?\)$/,
    );
  });
});
