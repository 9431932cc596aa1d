import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../store.ts';
import { SqliteStore } from './index.ts';
import { MESSAGE_SQL } from './message-store.ts';

/**
 * Message reads on SQLite are index seeks however long the channel is: the plan SQLite picks for
 * each statement (with no ANALYZE statistics, as the store keeps none), and a deep page of a
 * 20,000-message channel read right. The behaviour itself is test/store-contract/messages.ts.
 */
const MESSAGES = 20_000;
const BASE = 17_300_000_000_000_000n;
const tt = (offset: number) => BASE + BigInt(offset);

describe('SQLite message reads seek the index', () => {
  let store: SqliteStore;
  beforeAll(async () => {
    store = new SqliteStore({ path: ':memory:', synchronous: 'normal' });
    const batch = (channel: string, from: number, count: number): StoredMessage[] =>
      Array.from({ length: count }, (_, index) => ({ channel, timetoken: String(tt(from + index)), payload: `{"n":${from + index}}`, messageType: null }));
    for (let from = 0; from < MESSAGES; from += 1000) await store.messages.append('k', batch('busy', from, 1000));
    await store.messages.append('k', batch('quiet', 0, 10));
    await store.messages.append('other', batch('busy', 0, 10));
    for (let offset = 0; offset < 50; offset++) {
      await store.messages.addAction('k', {
        channel: 'busy',
        messageTimetoken: String(tt(offset)),
        actionTimetoken: String(tt(MESSAGES + offset)),
        type: 'r',
        value: 'v',
        uuid: 'u',
      });
    }
  });
  afterAll(async () => {
    await store?.close();
  });

  /** What EXPLAIN QUERY PLAN says of `sql`, every step on one line. */
  function planOf(sql: string, ...params: unknown[]): string {
    const steps = store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
    return steps.map((step) => step.detail).join('; ');
  }

  it('reads a page deep in a long channel, newest of its range first from the index', async () => {
    const page = await store.messages.history('k', 'busy', { upper: { timetoken: String(tt(500)), inclusive: false } }, 100, String(tt(MESSAGES * 2)));
    expect(page.items.map((m) => m.timetoken)).toEqual(Array.from({ length: 100 }, (_, index) => String(tt(400 + index))));
    expect(page.more).toBe(true);
    const plan = planOf(MESSAGE_SQL.history, 'k', 'busy', 0n, tt(499), tt(MESSAGES * 2), 101);
    expect(plan).toBe('SEARCH messages USING INDEX sqlite_autoindex_messages_1 (sub_key=? AND channel=? AND timetoken>? AND timetoken<?)');
  });

  it('counts with a seek bounded by the cap, in the primary key’s index alone', async () => {
    const counts = await store.messages.count('k', new Map([['busy', String(tt(100))]]), 1000, String(tt(MESSAGES * 2)));
    expect(counts).toEqual(new Map([['busy', 1000]]));
    // COVERING: no row (and no payload) is read; the expired ones come from the expiry index.
    expect(planOf(MESSAGE_SQL.count, 'k', 'busy', tt(101), tt(MESSAGES), 1000)).toBe(
      'CO-ROUTINE (subquery-1); SEARCH messages USING COVERING INDEX sqlite_autoindex_messages_1 (sub_key=? AND channel=? AND timetoken>? AND timetoken<?); SCAN (subquery-1)',
    );
    expect(planOf(MESSAGE_SQL.countChecked, 'k', 'busy', tt(101), tt(MESSAGES), 0n, 1000)).toMatch(
      /SEARCH messages USING INDEX sqlite_autoindex_messages_1 \(sub_key=\? AND channel=\? AND timetoken>\? AND timetoken<\?\)/,
    );
  });

  it('removes and purges through the primary key, the expiry index and the actions’ index by message', () => {
    expect(planOf(MESSAGE_SQL.removeMessages, 'k', 'busy', 0n, 1n)).toMatch(
      /USING INDEX sqlite_autoindex_messages_1 \(sub_key=\? AND channel=\? AND timetoken>\?/,
    );
    expect(planOf(MESSAGE_SQL.expired, 0n, 10)).toBe('SEARCH messages USING INDEX messages_by_expiry (expires_at<?)');
    expect(planOf(MESSAGE_SQL.removeActionsOf, 'k', 'busy', 0n)).toMatch(
      /USING (COVERING )?INDEX message_actions_by_message \(sub_key=\? AND channel=\? AND message_timetoken=\?\)/,
    );
    expect(planOf(MESSAGE_SQL.removeActionsOfRange, 'k', 'busy', 0n, 1n)).toMatch(
      /USING (COVERING )?INDEX message_actions_by_message \(sub_key=\? AND channel=\? AND message_timetoken>\?/,
    );
  });

  it('lists actions by their own timetoken, and the actions of messages by the message', async () => {
    expect(planOf(MESSAGE_SQL.actions, 'k', 'busy', 0n, 1n, 11)).toBe(
      'SEARCH message_actions USING PRIMARY KEY (sub_key=? AND channel=? AND action_timetoken>? AND action_timetoken<?)',
    );
    expect(planOf(MESSAGE_SQL.actionsOf, 'k', 'busy', 0n)).toMatch(
      /SEARCH message_actions USING (COVERING )?INDEX message_actions_by_message \(sub_key=\? AND channel=\? AND message_timetoken=\?\)/,
    );
    const found = await store.messages.actionsOf('k', 'busy', [String(tt(3)), String(tt(40))]);
    expect(found.map((action) => action.actionTimetoken)).toEqual([String(tt(MESSAGES + 3)), String(tt(MESSAGES + 40))]);
    const page = await store.messages.actions('k', 'busy', {}, 10);
    expect(page.items.map((action) => action.messageTimetoken)).toEqual(Array.from({ length: 10 }, (_, index) => String(tt(40 + index))));
  });
});
