import type { MembershipRecord, MembershipRow } from '../../model/records.ts';
import { MEMBERSHIP_RESOURCE } from '../../model/resources.ts';
import { listPage } from '../sql/page.ts';
import { membershipFromValues, membershipRowFrom, type SqlValues } from '../sql/rows.ts';
import { MEMBERSHIP_COLUMNS } from '../sql/tables.ts';
import type { ListPage, ListQuery, MembershipBatch, MembershipChange, MembershipCounts, MembershipEnds, MembershipStore } from '../store.ts';
import type { SqliteParts } from './executor.ts';
import { keyedRow } from './keyed-row.ts';

const ROW = keyedRow(MEMBERSHIP_RESOURCE);
/** Every column (and sort key) but the two ends, which identify the membership. */
const UPDATED_COLUMNS = ROW.columns.filter((c) => !/^(uuid_id|channel_id)(_key)?$/.test(c));

const SQL = {
  get: `SELECT ${MEMBERSHIP_COLUMNS.join(', ')} FROM memberships WHERE sub_key = ? AND uuid_id = ? AND channel_id = ?`,
  upsert:
    `INSERT INTO memberships (sub_key, ${ROW.columns.join(', ')}) VALUES (?, ${ROW.columns.map(() => '?').join(', ')})` +
    ` ON CONFLICT (sub_key, uuid_id, channel_id) DO UPDATE SET ${UPDATED_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
  delete: `DELETE FROM memberships WHERE sub_key = ? AND uuid_id = ? AND channel_id = ?`,
  countOfUser: `SELECT count(*) AS n FROM memberships WHERE sub_key = ? AND uuid_id = ?`,
  countOfChannel: `SELECT count(*) AS n FROM memberships WHERE sub_key = ? AND channel_id = ?`,
  uuidExists: `SELECT 1 AS found FROM uuids WHERE sub_key = ? AND id = ?`,
  channelExists: `SELECT 1 AS found FROM channels WHERE sub_key = ? AND id = ?`,
};

export class SqliteMembershipStore implements MembershipStore {
  readonly #parts: SqliteParts;

  constructor(parts: SqliteParts) {
    this.#parts = parts;
  }

  async list(query: ListQuery): Promise<ListPage<MembershipRow>> {
    const related = query.resource === 'memberships' ? 'channel' : 'uuid';
    return listPage(this.#parts.sql, query, (row) => membershipRowFrom(row, related));
  }

  async apply(batch: MembershipBatch): Promise<MembershipChange[]> {
    return this.#parts.writes.run(() => this.#apply(batch));
  }

  #apply(batch: MembershipBatch): MembershipChange[] {
    const pair = (otherId: string): [string, string] => (batch.side === 'uuid' ? [batch.ownerId, otherId] : [otherId, batch.ownerId]);
    const changes: MembershipChange[] = [];
    let added = false;
    for (const item of batch.set) {
      const [uuidId, channelId] = pair(item.otherId);
      const ends = batch.lookUpEnds ? this.#ends(batch.subKey, uuidId, channelId) : undefined;
      const current = this.#get(batch.subKey, uuidId, channelId);
      const decision = item.decide(current, ends);
      if (decision.kind === 'unchanged') continue;
      const r = decision.record;
      this.#parts.statements.get(SQL.upsert).run(batch.subKey, ...ROW.values(r));
      added ||= current === undefined;
      changes.push({ kind: 'set', record: r });
    }
    for (const otherId of batch.delete) {
      const [uuidId, channelId] = pair(otherId);
      const current = this.#get(batch.subKey, uuidId, channelId);
      if (!current) continue;
      this.#parts.statements.get(SQL.delete).run(batch.subKey, uuidId, channelId);
      changes.push({ kind: 'delete', record: current });
    }
    if (added) batch.checkCounts?.(this.#counts(batch.subKey, changes));
    if (changes.length > 0) this.#parts.outbox.record(batch.announce?.(changes));
    return changes;
  }

  #get(subKey: string, uuidId: string, channelId: string): MembershipRecord | undefined {
    const row = this.#parts.statements.values(SQL.get).get(subKey, uuidId, channelId) as SqlValues | undefined;
    return row ? membershipFromValues(row) : undefined;
  }

  #ends(subKey: string, uuidId: string, channelId: string): MembershipEnds {
    const exists = (sql: string, id: string) => this.#parts.statements.get(sql).get(subKey, id) !== undefined;
    return { uuid: exists(SQL.uuidExists, uuidId), channel: exists(SQL.channelExists, channelId) };
  }

  /** Membership counts after the batch, of every user and channel it set, read before it commits. */
  #counts(subKey: string, changes: MembershipChange[]): MembershipCounts {
    const set = changes.filter((c) => c.kind === 'set').map((c) => c.record);
    const counts = (sql: string, ids: string[]) =>
      new Map([...new Set(ids)].map((id) => [id, (this.#parts.statements.get(sql).get(subKey, id) as { n: number }).n]));
    return {
      ofUser: counts(
        SQL.countOfUser,
        set.map((r) => r.uuidId),
      ),
      ofChannel: counts(
        SQL.countOfChannel,
        set.map((r) => r.channelId),
      ),
    };
  }
}
