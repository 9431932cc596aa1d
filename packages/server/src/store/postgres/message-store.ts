import { expiryNow, inclusiveRange, rangeAfter, rowLimit, storedTimetoken } from '../sql/timetokens.ts';
import type { ActionLoad, HistoryPage, MessageAction, MessageSize, MessageStore, StoredMessage, TimetokenRange } from '../store.ts';
import type { Database } from './connection.ts';

const MESSAGE_COLUMNS = 'timetoken, payload, meta, publisher, custom_message_type, message_type, expires_at';
const ACTION_COLUMNS = 'message_timetoken, action_timetoken, type, value, uuid';
/**
 * The most expired-but-unpurged messages a count reads to take them off (see `count`): about
 * what one channel's count read when it tested every row.
 */
const EXPIRED_BACKLOG_MAX = 10_000;

/**
 * The statements (exported for the plan tests). Timetokens are bound as decimal text and cast to bigint in the statement; postgres.js reads
 * bigint back as text, so no timetoken passes through a JavaScript number.
 */
export const MESSAGE_SQL = {
  // One statement for a whole batch: each column goes in as one array.
  append:
    'INSERT INTO messages (sub_key, channel, timetoken, payload, meta, publisher, custom_message_type, message_type, expires_at)' +
    ' SELECT $1::text, m.* FROM unnest($2::text[], $3::text[]::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],' +
    ' $8::text[]::integer[], $9::text[]::bigint[]) AS m ON CONFLICT (sub_key, channel, timetoken) DO NOTHING',
  // Newest first from the upper end of the range: a backward seek in the primary key.
  history:
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sub_key = $1 AND channel = $2 AND timetoken BETWEEN $3::bigint AND $4::bigint` +
    ' AND (expires_at IS NULL OR expires_at > $5::bigint) ORDER BY timetoken DESC LIMIT $6::integer',
  remove:
    'WITH actions AS (DELETE FROM message_actions WHERE sub_key = $1 AND channel = $2 AND message_timetoken BETWEEN $3::bigint AND $4::bigint),' +
    ' gone AS (DELETE FROM messages WHERE sub_key = $1 AND channel = $2 AND timetoken BETWEEN $3::bigint AND $4::bigint RETURNING 1)' +
    ' SELECT count(*) FROM gone',
  // Every channel in one round trip, `count` (the method) says how; a channel's count is null
  // when the backlog is too long to take off. The ORDER BY makes each count an ordered scan of
  // the primary key that LIMIT stops, where a bitmap scan would read the whole channel after the
  // timetoken; `read` needs no column outside that index, so it is an index-only scan.
  count:
    'WITH asked AS (SELECT * FROM unnest($2::text[], $3::text[]::bigint[]) AS a(channel, first)),' +
    ` backlog AS (SELECT sub_key, channel, timetoken FROM messages WHERE expires_at <= $4::bigint ORDER BY expires_at LIMIT ${EXPIRED_BACKLOG_MAX + 1}),` +
    ' expired AS (SELECT a.channel, count(*) AS n FROM asked a JOIN backlog b ON b.sub_key = $1 AND b.channel = a.channel AND b.timetoken >= a.first' +
    ' GROUP BY a.channel)' +
    ` SELECT a.channel, CASE WHEN (SELECT count(*) FROM backlog) <= ${EXPIRED_BACKLOG_MAX}` +
    ' THEN (SELECT count(*) FROM (SELECT 1 FROM messages m WHERE m.sub_key = $1 AND m.channel = a.channel AND m.timetoken >= a.first' +
    ' ORDER BY m.timetoken LIMIT $5::integer + coalesce(e.n, 0)) AS read) - coalesce(e.n, 0) END' +
    ' FROM asked a LEFT JOIN expired e ON e.channel = a.channel',
  // The same counts testing each row, read only when the backlog is too long. A statement of its
  // own, not a CASE arm of `count`: the planner adds up every arm's cost, and this one's would
  // put `count` above `jit_above_cost`, whose compiling took longer than the count.
  countChecked:
    'SELECT c.channel, (SELECT count(*) FROM (SELECT 1 FROM messages m WHERE m.sub_key = $1 AND m.channel = c.channel AND m.timetoken >= c.first' +
    ' AND (m.expires_at IS NULL OR m.expires_at > $4::bigint) ORDER BY m.timetoken LIMIT $5::integer) AS counted)' +
    ' FROM unnest($2::text[], $3::text[]::bigint[]) AS c(channel, first)',
  // Rows another node is purging are skipped, not waited for.
  purge:
    'WITH doomed AS (SELECT sub_key, channel, timetoken FROM messages WHERE expires_at <= $1::bigint ORDER BY expires_at LIMIT $2::integer' +
    ' FOR UPDATE SKIP LOCKED),' +
    ' actions AS (DELETE FROM message_actions a USING doomed d WHERE a.sub_key = d.sub_key AND a.channel = d.channel AND a.message_timetoken = d.timetoken),' +
    ' gone AS (DELETE FROM messages m USING doomed d WHERE m.sub_key = d.sub_key AND m.channel = d.channel AND m.timetoken = d.timetoken RETURNING 1)' +
    ' SELECT count(*) FROM gone',
  addAction:
    'INSERT INTO message_actions (sub_key, channel, action_timetoken, message_timetoken, type, value, uuid)' +
    ' VALUES ($1, $2, $3::bigint, $4::bigint, $5, $6, $7) ON CONFLICT (sub_key, channel, message_timetoken, type, md5(value), uuid) DO NOTHING RETURNING 1',
  removeAction:
    'DELETE FROM message_actions WHERE sub_key = $1 AND channel = $2 AND message_timetoken = $3::bigint AND action_timetoken = $4::bigint' +
    ` RETURNING ${ACTION_COLUMNS}`,
  actions:
    `SELECT ${ACTION_COLUMNS} FROM message_actions WHERE sub_key = $1 AND channel = $2 AND action_timetoken BETWEEN $3::bigint AND $4::bigint` +
    ' ORDER BY action_timetoken DESC, message_timetoken DESC LIMIT $5::integer',
  actionsOf:
    `SELECT ${ACTION_COLUMNS} FROM message_actions WHERE sub_key = $1 AND channel = $2 AND message_timetoken = ANY($3::text[]::bigint[])` +
    ' ORDER BY action_timetoken, message_timetoken',
  // The history read's rows, sizes only: octet_length reads a stored text's header, not the text.
  sizes:
    'SELECT timetoken, octet_length(payload) + coalesce(octet_length(meta), 0) FROM messages WHERE sub_key = $1 AND channel = $2' +
    ' AND timetoken BETWEEN $3::bigint AND $4::bigint AND (expires_at IS NULL OR expires_at > $5::bigint) ORDER BY timetoken DESC LIMIT $6::integer',
  actionLoads:
    'SELECT message_timetoken, count(*), sum(octet_length(type) + octet_length(value) + octet_length(uuid)) FROM message_actions' +
    ' WHERE sub_key = $1 AND channel = $2 AND message_timetoken = ANY($3::text[]::bigint[]) GROUP BY message_timetoken',
};

type Row = unknown[];

const text = (value: unknown): string | undefined => (value === null ? undefined : String(value));
const decimal = (value: bigint | undefined): string | null => (value === undefined ? null : String(value));

function messageFrom(channel: string, row: Row): StoredMessage {
  const [timetoken, payload, meta, publisher, customMessageType, messageType, expiresAt] = row;
  return {
    channel,
    timetoken: String(timetoken),
    payload: String(payload),
    meta: text(meta),
    publisher: text(publisher),
    customMessageType: text(customMessageType),
    messageType: messageType === null ? null : Number(messageType),
    expiresAt: text(expiresAt),
  };
}

function actionFrom(channel: string, row: Row): MessageAction {
  const [messageTimetoken, actionTimetoken, type, value, uuid] = row.map(String) as [string, string, string, string, string];
  return { channel, messageTimetoken, actionTimetoken, type, value, uuid };
}

/** The newest `limit` rows (`rows` holds up to `limit + 1`, newest first) as a page, oldest first. */
function pageOf<T>(rows: T[], limit: number): HistoryPage<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items: items.reverse(), more };
}

/**
 * Message persistence in PostgreSQL (migration 6), shared by every node: `messages` keyed by
 * (sub_key, channel, timetoken) and `message_actions` keyed by (sub_key, channel,
 * action_timetoken, message_timetoken), unique per (sub_key, channel, message_timetoken, type,
 * md5(value), uuid): a value's digest, as a b-tree entry holds no more than about 2.7 KB and a
 * value may run to 32 KiB (two values of one digest by one user on one message count as the same
 * action). Each call is one statement on the pool (several tables at once through data-modifying
 * `WITH`), so it commits alone; `ON CONFLICT DO NOTHING` settles nodes that store the same
 * message or action at once.
 */
export class PostgresMessageStore implements MessageStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async #rows(sql: string, params: unknown[]): Promise<Row[]> {
    return (await this.#db.unsafe(sql, params as never[], { prepare: true }).values()) as unknown as Row[];
  }

  async append(subKey: string, messages: readonly StoredMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const column = <T>(read: (message: StoredMessage) => T) => messages.map(read);
    await this.#rows(MESSAGE_SQL.append, [
      subKey,
      column((m) => m.channel),
      column((m) => String(storedTimetoken(m.timetoken))),
      column((m) => m.payload),
      column((m) => m.meta ?? null),
      column((m) => m.publisher ?? null),
      column((m) => m.customMessageType ?? null),
      column((m) => (m.messageType === null ? null : String(m.messageType))),
      column((m) => decimal(m.expiresAt === undefined ? undefined : storedTimetoken(m.expiresAt))),
    ]);
  }

  async history(subKey: string, channel: string, range: TimetokenRange, wanted: number, now: string): Promise<HistoryPage<StoredMessage>> {
    const limit = rowLimit(wanted);
    const bounds = inclusiveRange(range);
    if (!bounds) return { items: [], more: false };
    const rows = await this.#rows(MESSAGE_SQL.history, [subKey, channel, ...bounds.map(String), String(expiryNow(now)), limit + 1]);
    return pageOf(
      rows.map((row) => messageFrom(channel, row)),
      limit,
    );
  }

  async remove(subKey: string, channel: string, range: TimetokenRange): Promise<number> {
    const bounds = inclusiveRange(range);
    if (!bounds) return 0;
    const [row] = await this.#rows(MESSAGE_SQL.remove, [subKey, channel, ...bounds.map(String)]);
    return Number(row?.[0] ?? 0);
  }

  /**
   * Each channel's count reads its range in the primary key's index only, at most `cap + E`
   * entries, E being the range's expired messages the purge has not deleted yet: if it reaches
   * `cap + E`, at least `cap` are live; if not, it read the whole range and the live ones are the
   * entries less E. Either way the count is the entries read less E. E comes from the purge's
   * backlog in `messages_by_expiry`, at most EXPIRED_BACKLOG_MAX + 1 entries (one row each),
   * read once for all channels; a healthy purge keeps it to about a minute of expiries
   * (purge.ts). One statement, so E and the counts share a snapshot. When the backlog is longer
   * (a flood, or a purge that keeps failing), a second statement counts testing every row.
   */
  async count(subKey: string, after: ReadonlyMap<string, string>, cap: number, now: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const channels: string[] = [];
    const firsts: string[] = [];
    for (const [channel, timetoken] of after) {
      counts.set(channel, 0);
      const bounds = rangeAfter(timetoken);
      if (!bounds) continue;
      channels.push(channel);
      firsts.push(String(bounds[0]));
    }
    if (channels.length === 0) return counts;
    const params = [subKey, channels, firsts, String(expiryNow(now)), rowLimit(cap)];
    let rows = await this.#rows(MESSAGE_SQL.count, params);
    if (rows.some(([, count]) => count === null)) rows = await this.#rows(MESSAGE_SQL.countChecked, params);
    for (const [channel, count] of rows) counts.set(String(channel), Number(count));
    return counts;
  }

  async purgeExpired(now: string, limit: number): Promise<number> {
    const [row] = await this.#rows(MESSAGE_SQL.purge, [String(expiryNow(now)), rowLimit(limit)]);
    return Number(row?.[0] ?? 0);
  }

  async addAction(subKey: string, action: MessageAction): Promise<boolean> {
    const rows = await this.#rows(MESSAGE_SQL.addAction, [
      subKey,
      action.channel,
      String(storedTimetoken(action.actionTimetoken)),
      String(storedTimetoken(action.messageTimetoken)),
      action.type,
      action.value,
      action.uuid,
    ]);
    return rows.length > 0;
  }

  async removeAction(subKey: string, channel: string, messageTimetoken: string, actionTimetoken: string): Promise<MessageAction | undefined> {
    const key = [subKey, channel, String(storedTimetoken(messageTimetoken)), String(storedTimetoken(actionTimetoken))];
    const [row] = await this.#rows(MESSAGE_SQL.removeAction, key);
    return row ? actionFrom(channel, row) : undefined;
  }

  async actions(subKey: string, channel: string, range: TimetokenRange, wanted: number): Promise<HistoryPage<MessageAction>> {
    const limit = rowLimit(wanted);
    const bounds = inclusiveRange(range);
    if (!bounds) return { items: [], more: false };
    const rows = await this.#rows(MESSAGE_SQL.actions, [subKey, channel, ...bounds.map(String), limit + 1]);
    return pageOf(
      rows.map((row) => actionFrom(channel, row)),
      limit,
    );
  }

  async sizes(subKey: string, channel: string, range: TimetokenRange, wanted: number, now: string): Promise<HistoryPage<MessageSize>> {
    const limit = rowLimit(wanted);
    const bounds = inclusiveRange(range);
    if (!bounds) return { items: [], more: false };
    const rows = await this.#rows(MESSAGE_SQL.sizes, [subKey, channel, ...bounds.map(String), String(expiryNow(now)), limit + 1]);
    return pageOf(
      rows.map(([timetoken, bytes]) => ({ timetoken: String(timetoken), bytes: Number(bytes) })),
      limit,
    );
  }

  async actionLoads(subKey: string, channel: string, messageTimetokens: readonly string[]): Promise<Map<string, ActionLoad>> {
    if (messageTimetokens.length === 0) return new Map();
    const timetokens = [...new Set(messageTimetokens.map((tt) => String(storedTimetoken(tt))))];
    const rows = await this.#rows(MESSAGE_SQL.actionLoads, [subKey, channel, timetokens]);
    return new Map(rows.map(([tt, count, bytes]) => [String(tt), { count: Number(count), bytes: Number(bytes) }]));
  }

  async actionsOf(subKey: string, channel: string, messageTimetokens: readonly string[]): Promise<MessageAction[]> {
    if (messageTimetokens.length === 0) return [];
    const timetokens = [...new Set(messageTimetokens.map((tt) => String(storedTimetoken(tt))))];
    const rows = await this.#rows(MESSAGE_SQL.actionsOf, [subKey, channel, timetokens]);
    return rows.map((row) => actionFrom(channel, row));
  }
}
