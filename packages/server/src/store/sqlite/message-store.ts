import type { Statement } from 'better-sqlite3';
import { expiryNow, inclusiveRange, rangeAfter, rowLimit, storedTimetoken } from '../sql/timetokens.ts';
import type { ActionLoad, HistoryPage, MessageAction, MessageSize, MessageStore, StoredMessage, TimetokenRange } from '../store.ts';
import type { Connection } from './connection.ts';
import type { GroupCommit } from './group-commit.ts';

const MESSAGE_COLUMNS = 'timetoken, payload, meta, publisher, custom_message_type, message_type, expires_at';
const ACTION_COLUMNS = 'message_timetoken, action_timetoken, type, value, uuid';
const NOT_EXPIRED = '(expires_at IS NULL OR expires_at > ?)';
/**
 * The most expired-but-unpurged messages a count reads to take them off (`#expiredIn`): about
 * what one channel's count read when it tested every row.
 */
const EXPIRED_BACKLOG_MAX = 10_000;
/**
 * Reads by message seek this index, named: without ANALYZE statistics (the store keeps none)
 * SQLite would rather scan the channel's actions in the primary key.
 */
const BY_MESSAGE = 'INDEXED BY message_actions_by_message';

/**
 * The statements (exported for the plan tests). Each binds timetokens as BigInt and reads them
 * as BigInt (`safeIntegers`): 17 digits exceed 2^53.
 */
export const MESSAGE_SQL = {
  append:
    'INSERT INTO messages (sub_key, channel, timetoken, payload, meta, publisher, custom_message_type, message_type, expires_at)' +
    ' VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sub_key, channel, timetoken) DO NOTHING',
  // Newest first from the upper end of the range: a backward seek in the primary key's index.
  history:
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sub_key = ? AND channel = ? AND timetoken BETWEEN ? AND ? AND ${NOT_EXPIRED}` +
    ' ORDER BY timetoken DESC LIMIT ?',
  removeMessages: 'DELETE FROM messages WHERE sub_key = ? AND channel = ? AND timetoken BETWEEN ? AND ?',
  removeActionsOfRange: `DELETE FROM message_actions ${BY_MESSAGE} WHERE sub_key = ? AND channel = ? AND message_timetoken BETWEEN ? AND ?`,
  // Reads the primary key's index alone (no expiry test, which would read each row); `count`
  // (the method) takes the range's expired entries off. `countChecked` tests every row.
  count: 'SELECT count(*) FROM (SELECT 1 FROM messages WHERE sub_key = ? AND channel = ? AND timetoken BETWEEN ? AND ? LIMIT ?)',
  countChecked: `SELECT count(*) FROM (SELECT 1 FROM messages WHERE sub_key = ? AND channel = ? AND timetoken BETWEEN ? AND ? AND ${NOT_EXPIRED} LIMIT ?)`,
  // The purge's backlog, oldest expiry first; also what counts take off (`#expiredIn`).
  expired: 'SELECT rowid, sub_key, channel, timetoken FROM messages WHERE expires_at <= ? ORDER BY expires_at LIMIT ?',
  removeByRowid: 'DELETE FROM messages WHERE rowid = ?',
  removeActionsOf: `DELETE FROM message_actions ${BY_MESSAGE} WHERE sub_key = ? AND channel = ? AND message_timetoken = ?`,
  addAction:
    'INSERT INTO message_actions (sub_key, channel, action_timetoken, message_timetoken, type, value, uuid) VALUES (?, ?, ?, ?, ?, ?, ?)' +
    ' ON CONFLICT (sub_key, channel, message_timetoken, type, value, uuid) DO NOTHING',
  removeAction: `DELETE FROM message_actions WHERE sub_key = ? AND channel = ? AND message_timetoken = ? AND action_timetoken = ? RETURNING ${ACTION_COLUMNS}`,
  actions:
    `SELECT ${ACTION_COLUMNS} FROM message_actions WHERE sub_key = ? AND channel = ? AND action_timetoken BETWEEN ? AND ?` +
    ' ORDER BY action_timetoken DESC, message_timetoken DESC LIMIT ?',
  actionsOf: `SELECT ${ACTION_COLUMNS} FROM message_actions ${BY_MESSAGE} WHERE sub_key = ? AND channel = ? AND message_timetoken = ?`,
  // The history read's rows, sizes only: octet_length takes a text's size without reading it.
  sizes:
    'SELECT timetoken, octet_length(payload) + coalesce(octet_length(meta), 0) FROM messages' +
    ` WHERE sub_key = ? AND channel = ? AND timetoken BETWEEN ? AND ? AND ${NOT_EXPIRED} ORDER BY timetoken DESC LIMIT ?`,
  actionLoad: `SELECT count(*), coalesce(sum(octet_length(type) + octet_length(value) + octet_length(uuid)), 0) FROM message_actions ${BY_MESSAGE} WHERE sub_key = ? AND channel = ? AND message_timetoken = ?`,
};

type Row = unknown[];

const text = (value: unknown): string | undefined => (value === null ? undefined : (value as string));
const timetoken = (value: unknown): string => String(value as bigint);

function messageFrom(channel: string, row: Row): StoredMessage {
  const [tt, payload, meta, publisher, customMessageType, messageType, expiresAt] = row;
  return {
    channel,
    timetoken: timetoken(tt),
    payload: payload as string,
    meta: text(meta),
    publisher: text(publisher),
    customMessageType: text(customMessageType),
    messageType: messageType === null ? null : Number(messageType as bigint),
    expiresAt: expiresAt === null ? undefined : timetoken(expiresAt),
  };
}

function actionFrom(channel: string, row: Row): MessageAction {
  const [messageTimetoken, actionTimetoken, type, value, uuid] = row as [bigint, bigint, string, string, string];
  return { channel, messageTimetoken: timetoken(messageTimetoken), actionTimetoken: timetoken(actionTimetoken), type, value, uuid };
}

/** Orders actions oldest first: by action timetoken, then by the message's. */
function byActionTimetoken(a: MessageAction, b: MessageAction): number {
  return compareTimetokens(a.actionTimetoken, b.actionTimetoken) || compareTimetokens(a.messageTimetoken, b.messageTimetoken);
}

/** Two timetokens (decimal text) as numbers: by length, then by text, for the non-negative ones (no BigInt per comparison of a 25,000-action sort). */
function compareTimetokens(a: string, b: string): number {
  if (a.startsWith('-') || b.startsWith('-')) return a === b ? 0 : BigInt(a) < BigInt(b) ? -1 : 1;
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** The newest `limit` rows (`rows` holds up to `limit + 1`, newest first) as a page, oldest first. */
function pageOf<T>(rows: T[], limit: number): HistoryPage<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items: items.reverse(), more };
}

/**
 * Message persistence in SQLite (schema migration 5): `messages` keyed by (sub_key, channel,
 * timetoken) and `message_actions` keyed by (sub_key, channel, action_timetoken,
 * message_timetoken), unique per (sub_key, channel, message_timetoken, type, value, uuid).
 * Writes are units of the store's group commit (group-commit.ts), so appends of one turn share
 * a commit and resolve once it is durable; reads run on the connection between commits.
 */
export class SqliteMessageStore implements MessageStore {
  readonly #writes: GroupCommit;
  readonly #s: Record<keyof typeof MESSAGE_SQL, Statement>;

  constructor(db: Connection, writes: GroupCommit) {
    this.#writes = writes;
    const prepared = Object.entries(MESSAGE_SQL).map(([name, sql]) => {
      const statement = db.prepare(sql);
      // Statements that return rows read integers as BigInt, in arrays.
      return [name, statement.reader ? statement.safeIntegers(true).raw(true) : statement.safeIntegers(true)];
    });
    this.#s = Object.fromEntries(prepared) as Record<keyof typeof MESSAGE_SQL, Statement>;
  }

  async append(subKey: string, messages: readonly StoredMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const rows = messages.map((m) => [
      subKey,
      m.channel,
      storedTimetoken(m.timetoken),
      m.payload,
      m.meta ?? null,
      m.publisher ?? null,
      m.customMessageType ?? null,
      m.messageType,
      m.expiresAt === undefined ? null : storedTimetoken(m.expiresAt),
    ]);
    await this.#writes.run(() => {
      for (const row of rows) this.#s.append.run(...row);
    });
  }

  async history(subKey: string, channel: string, range: TimetokenRange, wanted: number, now: string): Promise<HistoryPage<StoredMessage>> {
    const limit = rowLimit(wanted);
    const bounds = inclusiveRange(range);
    if (!bounds) return { items: [], more: false };
    const rows = this.#s.history.all(subKey, channel, ...bounds, expiryNow(now), limit + 1) as Row[];
    return pageOf(
      rows.map((row) => messageFrom(channel, row)),
      limit,
    );
  }

  async remove(subKey: string, channel: string, range: TimetokenRange): Promise<number> {
    const bounds = inclusiveRange(range);
    if (!bounds) return 0;
    return this.#writes.run(() => {
      this.#s.removeActionsOfRange.run(subKey, channel, ...bounds);
      return this.#s.removeMessages.run(subKey, channel, ...bounds).changes;
    });
  }

  /**
   * Each channel's count reads its range in the primary key's index only, at most `cap + E`
   * entries, E being the range's expired messages the purge has not deleted yet (`#expiredIn`):
   * if it reaches `cap + E`, at least `cap` are live; if not, it read the whole range and the
   * live ones are the entries less E. Either way the count is the entries read less E.
   */
  async count(subKey: string, after: ReadonlyMap<string, string>, cap: number, now: string): Promise<Map<string, number>> {
    const expiry = expiryNow(now);
    const limit = rowLimit(cap);
    const counts = new Map<string, number>();
    const ranges = new Map<string, [bigint, bigint]>();
    for (const [channel, timetoken] of after) {
      counts.set(channel, 0);
      const bounds = rangeAfter(timetoken);
      if (bounds) ranges.set(channel, bounds);
    }
    if (ranges.size === 0) return counts;
    // E and the counts are read in one synchronous run, so no commit (or purge) comes between.
    const expired = this.#expiredIn(subKey, ranges, expiry);
    for (const [channel, bounds] of ranges) {
      const e = expired?.get(channel) ?? 0;
      const [read] = (
        expired ? this.#s.count.get(subKey, channel, ...bounds, limit + e) : this.#s.countChecked.get(subKey, channel, ...bounds, expiry, limit)
      ) as Row;
      counts.set(channel, Number(read as bigint) - e);
    }
    return counts;
  }

  /**
   * Per channel of `ranges`, how many of its messages in the range expired by `expiry` (not yet
   * purged), read from the purge's own backlog in `messages_by_expiry`: at most
   * EXPIRED_BACKLOG_MAX + 1 entries, one row each. A healthy purge keeps the backlog to about a
   * minute of expiries (purge.ts); `undefined` when it is longer (a flood, or a purge that keeps
   * failing), and the counts then test each row.
   */
  #expiredIn(subKey: string, ranges: ReadonlyMap<string, [bigint, bigint]>, expiry: bigint): Map<string, number> | undefined {
    const backlog = this.#s.expired.all(expiry, EXPIRED_BACKLOG_MAX + 1) as Row[];
    if (backlog.length > EXPIRED_BACKLOG_MAX) return undefined;
    const found = new Map<string, number>();
    for (const [, key, channel, tt] of backlog) {
      const bounds = key === subKey ? ranges.get(channel as string) : undefined;
      if (bounds && (tt as bigint) >= bounds[0] && (tt as bigint) <= bounds[1]) found.set(channel as string, (found.get(channel as string) ?? 0) + 1);
    }
    return found;
  }

  async purgeExpired(now: string, limit: number): Promise<number> {
    const expiry = expiryNow(now);
    return this.#writes.run(() => {
      const expired = this.#s.expired.all(expiry, rowLimit(limit)) as Row[];
      for (const [rowid, subKey, channel, timetoken] of expired) {
        this.#s.removeActionsOf.run(subKey, channel, timetoken);
        this.#s.removeByRowid.run(rowid);
      }
      return expired.length;
    });
  }

  async addAction(subKey: string, action: MessageAction): Promise<boolean> {
    const values = [
      subKey,
      action.channel,
      storedTimetoken(action.actionTimetoken),
      storedTimetoken(action.messageTimetoken),
      action.type,
      action.value,
      action.uuid,
    ];
    return this.#writes.run(() => this.#s.addAction.run(...values).changes > 0);
  }

  async removeAction(subKey: string, channel: string, messageTimetoken: string, actionTimetoken: string): Promise<MessageAction | undefined> {
    const key = [subKey, channel, storedTimetoken(messageTimetoken), storedTimetoken(actionTimetoken)];
    const [row] = await this.#writes.run(() => this.#s.removeAction.all(...key) as Row[]);
    return row ? actionFrom(channel, row) : undefined;
  }

  async actions(subKey: string, channel: string, range: TimetokenRange, wanted: number): Promise<HistoryPage<MessageAction>> {
    const limit = rowLimit(wanted);
    const bounds = inclusiveRange(range);
    if (!bounds) return { items: [], more: false };
    const rows = this.#s.actions.all(subKey, channel, ...bounds, limit + 1) as Row[];
    return pageOf(
      rows.map((row) => actionFrom(channel, row)),
      limit,
    );
  }

  async sizes(subKey: string, channel: string, range: TimetokenRange, wanted: number, now: string): Promise<HistoryPage<MessageSize>> {
    const limit = rowLimit(wanted);
    const bounds = inclusiveRange(range);
    if (!bounds) return { items: [], more: false };
    const rows = this.#s.sizes.all(subKey, channel, ...bounds, expiryNow(now), limit + 1) as Row[];
    return pageOf(
      rows.map(([tt, bytes]) => ({ timetoken: timetoken(tt), bytes: Number(bytes as bigint) })),
      limit,
    );
  }

  async actionLoads(subKey: string, channel: string, messageTimetokens: readonly string[]): Promise<Map<string, ActionLoad>> {
    const loads = new Map<string, ActionLoad>();
    for (const tt of new Set(messageTimetokens.map(storedTimetoken))) {
      const [count, bytes] = this.#s.actionLoad.get(subKey, channel, tt) as Row;
      if (count !== 0n) loads.set(String(tt), { count: Number(count as bigint), bytes: Number(bytes as bigint) });
    }
    return loads;
  }

  async actionsOf(subKey: string, channel: string, messageTimetokens: readonly string[]): Promise<MessageAction[]> {
    const found: MessageAction[] = [];
    // One seek per message in the unique index on (sub_key, channel, message_timetoken, …).
    for (const tt of new Set(messageTimetokens.map(storedTimetoken))) {
      for (const row of this.#s.actionsOf.all(subKey, channel, tt) as Row[]) found.push(actionFrom(channel, row));
    }
    return found.sort(byActionTimetoken);
  }
}
