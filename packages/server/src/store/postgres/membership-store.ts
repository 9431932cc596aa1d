import type { MembershipRecord, MembershipRow } from '../../model/records.ts';
import { MEMBERSHIP_RESOURCE } from '../../model/resources.ts';
import type { SqlBackend } from '../sql/executor.ts';
import { membershipFromValues, membershipRowFrom, type SqlValues } from '../sql/rows.ts';
import { MEMBERSHIP_COLUMNS } from '../sql/tables.ts';
import type { ListPage, ListQuery, MembershipBatch, MembershipChange, MembershipCounts, MembershipStore } from '../store.ts';
import { transaction, type Database, type Runner } from './connection.ts';
import { boundedListPage } from './list-timeout.ts';
import { lockObjects, type LockedObject } from './locks.ts';
import { recordOutbox } from './outbox.ts';
import { placeholders, storedShape } from './rows.ts';

const shape = storedShape(MEMBERSHIP_RESOURCE);
const IDENTITY = ['sub_key', 'uuid_id', 'channel_id'];

const SQL = {
  /** The memberships between one user and some channels (side `uuid`), or one channel and some users. */
  ofUser: `SELECT ${MEMBERSHIP_COLUMNS.join(', ')} FROM memberships WHERE sub_key = $1 AND uuid_id = $2 AND channel_id = ANY($3::text[])`,
  ofChannel: `SELECT ${MEMBERSHIP_COLUMNS.join(', ')} FROM memberships WHERE sub_key = $1 AND channel_id = $2 AND uuid_id = ANY($3::text[])`,
  upsert:
    `INSERT INTO memberships (sub_key, ${shape.columns.join(', ')}) VALUES ($1, ${placeholders(shape.columns.length, 2)})` +
    ` ON CONFLICT (sub_key, uuid_id, channel_id) DO UPDATE SET ${shape.columns
      .filter((c) => !IDENTITY.includes(c))
      .map((c) => `${c} = excluded.${c}`)
      .join(', ')}`,
  delete: `DELETE FROM memberships WHERE sub_key = $1 AND uuid_id = $2 AND channel_id = $3`,
  // Which of the ids have a stored object, locked against removal until the batch commits.
  uuidsFound: `SELECT id FROM uuids WHERE sub_key = $1 AND id = ANY($2::text[]) FOR KEY SHARE`,
  channelsFound: `SELECT id FROM channels WHERE sub_key = $1 AND id = ANY($2::text[]) FOR KEY SHARE`,
  countsOfUsers: `SELECT uuid_id, count(*) FROM memberships WHERE sub_key = $1 AND uuid_id = ANY($2::text[]) GROUP BY uuid_id`,
  countsOfChannels: `SELECT channel_id, count(*) FROM memberships WHERE sub_key = $1 AND channel_id = ANY($2::text[]) GROUP BY channel_id`,
};

const pairKey = (uuidId: string, channelId: string) => `${uuidId}\n${channelId}`;

async function rows(tx: Runner, sql: string, params: unknown[]): Promise<SqlValues[]> {
  return (await tx.unsafe(sql, params as string[], { prepare: true }).values()) as unknown as SqlValues[];
}

/**
 * Memberships in PostgreSQL. A batch locks both ends of every pair it touches (locks.ts) before
 * it reads, so membership counts, the limits checked on them and the existence of the ends hold
 * against every other node's writes until it commits.
 */
export class PostgresMembershipStore implements MembershipStore {
  readonly #db: Database;
  readonly #backend: SqlBackend;

  constructor(db: Database, backend: SqlBackend) {
    this.#db = db;
    this.#backend = backend;
  }

  async list(query: ListQuery): Promise<ListPage<MembershipRow>> {
    const related = query.resource === 'memberships' ? 'channel' : 'uuid';
    return boundedListPage(this.#backend, query, (row) => membershipRowFrom(row, related));
  }

  async apply(batch: MembershipBatch): Promise<MembershipChange[]> {
    return transaction(this.#db, (tx) => this.#apply(tx, batch));
  }

  async #apply(tx: Runner, batch: MembershipBatch): Promise<MembershipChange[]> {
    const pair = (otherId: string): [string, string] => (batch.side === 'uuid' ? [batch.ownerId, otherId] : [otherId, batch.ownerId]);
    const others = [...batch.set.map((item) => item.otherId), ...batch.delete];
    await lockObjects(tx, lockedEnds(batch, others));
    const current = await this.#current(tx, batch, others);
    const ends = batch.lookUpEnds ? await this.#ends(tx, batch, others) : undefined;
    const changes: MembershipChange[] = [];
    const writes: Promise<unknown>[] = [];
    let added = false;
    for (const item of batch.set) {
      const [uuidId, channelId] = pair(item.otherId);
      const before = current.get(pairKey(uuidId, channelId));
      const decision = item.decide(before, ends && { uuid: ends.uuids.has(uuidId), channel: ends.channels.has(channelId) });
      if (decision.kind === 'unchanged') continue;
      const record = decision.record;
      writes.push(tx.unsafe(SQL.upsert, [batch.subKey, ...shape.values(record)], { prepare: true }));
      current.set(pairKey(uuidId, channelId), record);
      added ||= before === undefined;
      changes.push({ kind: 'set', record });
    }
    for (const otherId of batch.delete) {
      const [uuidId, channelId] = pair(otherId);
      const before = current.get(pairKey(uuidId, channelId));
      if (!before) continue;
      writes.push(tx.unsafe(SQL.delete, [batch.subKey, uuidId, channelId], { prepare: true }));
      current.delete(pairKey(uuidId, channelId));
      changes.push({ kind: 'delete', record: before });
    }
    await Promise.all(writes);
    if (added && batch.checkCounts) batch.checkCounts(await this.#counts(tx, batch.subKey, changes));
    if (changes.length > 0) await recordOutbox(tx, batch.announce?.(changes));
    return changes;
  }

  /** The stored memberships of the batch's pairs, by pair. */
  async #current(tx: Runner, batch: MembershipBatch, others: string[]): Promise<Map<string, MembershipRecord>> {
    const sql = batch.side === 'uuid' ? SQL.ofUser : SQL.ofChannel;
    const found = (await rows(tx, sql, [batch.subKey, batch.ownerId, [...new Set(others)]])).map((row) => membershipFromValues(row));
    return new Map(found.map((record) => [pairKey(record.uuidId, record.channelId), record]));
  }

  /** Which users and channels of the batch's pairs exist (read once: the batch writes no object). */
  async #ends(tx: Runner, batch: MembershipBatch, others: string[]): Promise<{ uuids: Set<string>; channels: Set<string> }> {
    const ids = (side: 'uuid' | 'channel') => (batch.side === side ? [batch.ownerId] : [...new Set(others)]);
    const found = async (sql: string, list: string[]) => new Set((await rows(tx, sql, [batch.subKey, list])).map((row) => String(row[0])));
    return { uuids: await found(SQL.uuidsFound, ids('uuid')), channels: await found(SQL.channelsFound, ids('channel')) };
  }

  /** Membership counts after the batch, of every user and channel it set, in the order it first set them. */
  async #counts(tx: Runner, subKey: string, changes: MembershipChange[]): Promise<MembershipCounts> {
    const set = changes.filter((c) => c.kind === 'set').map((c) => c.record);
    const counts = async (sql: string, ids: string[]) => {
      const unique = [...new Set(ids)];
      const found = new Map((await rows(tx, sql, [subKey, unique])).map((row) => [String(row[0]), Number(row[1])]));
      return new Map(unique.map((id) => [id, found.get(id) ?? 0]));
    };
    return {
      ofUser: await counts(
        SQL.countsOfUsers,
        set.map((r) => r.uuidId),
      ),
      ofChannel: await counts(
        SQL.countsOfChannels,
        set.map((r) => r.channelId),
      ),
    };
  }
}

/** Both ends of every pair a batch names. */
function lockedEnds(batch: MembershipBatch, others: string[]): LockedObject[] {
  const otherKind = batch.side === 'uuid' ? 'channel' : 'uuid';
  return [{ subKey: batch.subKey, kind: batch.side, id: batch.ownerId }, ...others.map((id) => ({ subKey: batch.subKey, kind: otherKind, id }) as const)];
}
