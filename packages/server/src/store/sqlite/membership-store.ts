import { invalid } from '../../errors.ts';
import type { MembershipRecord, MembershipRow } from '../../objects/records.ts';
import type { ListPage, ListQuery, MembershipBatch, MembershipChange, MembershipStore } from '../store.ts';
import type { GroupCommit } from './group-commit.ts';
import { MEMBERSHIP_COLUMNS } from './list-sql.ts';
import { listPage } from './page.ts';
import { customText, membershipFromValues, membershipRowFrom, type SqlValues } from './rows.ts';
import type { StatementCache } from './statements.ts';

const SQL = {
  get: `SELECT ${MEMBERSHIP_COLUMNS.join(', ')} FROM memberships WHERE sub_key = ? AND uuid_id = ? AND channel_id = ?`,
  upsert:
    `INSERT INTO memberships (sub_key, ${MEMBERSHIP_COLUMNS.join(', ')}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)` +
    ` ON CONFLICT (sub_key, uuid_id, channel_id) DO UPDATE SET status = excluded.status, type = excluded.type,` +
    ` custom = excluded.custom, updated = excluded.updated, etag = excluded.etag`,
  delete: `DELETE FROM memberships WHERE sub_key = ? AND uuid_id = ? AND channel_id = ?`,
  countOfUser: `SELECT count(*) AS n FROM memberships WHERE sub_key = ? AND uuid_id = ?`,
  countOfChannel: `SELECT count(*) AS n FROM memberships WHERE sub_key = ? AND channel_id = ?`,
  uuidExists: `SELECT 1 AS found FROM uuids WHERE sub_key = ? AND id = ?`,
  channelExists: `SELECT 1 AS found FROM channels WHERE sub_key = ? AND id = ?`,
};

export class SqliteMembershipStore implements MembershipStore {
  readonly #statements: StatementCache;
  readonly #writes: GroupCommit;

  constructor(statements: StatementCache, writes: GroupCommit) {
    this.#statements = statements;
    this.#writes = writes;
  }

  async list(query: ListQuery): Promise<ListPage<MembershipRow>> {
    const related = query.resource === 'memberships' ? 'channel' : 'uuid';
    return listPage(this.#statements, query, (row) => membershipRowFrom(row, related));
  }

  async apply(batch: MembershipBatch): Promise<MembershipChange[]> {
    return this.#writes.run(() => this.#apply(batch));
  }

  #apply(batch: MembershipBatch): MembershipChange[] {
    const pair = (otherId: string): [string, string] =>
      batch.side === 'uuid' ? [batch.ownerId, otherId] : [otherId, batch.ownerId];
    const changes: MembershipChange[] = [];
    let added = false;
    for (const [index, item] of batch.set.entries()) {
      const [uuidId, channelId] = pair(item.otherId);
      if (batch.limits.requireObjects) this.#requireObjects(batch, index, uuidId, channelId);
      const current = this.#get(batch.subKey, uuidId, channelId);
      const decision = item.decide(current);
      if (decision.kind === 'unchanged') continue;
      const r = decision.record;
      this.#statements
        .get(SQL.upsert)
        .run(batch.subKey, r.uuidId, r.channelId, r.status, r.type, customText(r.custom), r.updated, r.eTag);
      added ||= current === undefined;
      changes.push({ kind: 'set', record: r });
    }
    for (const otherId of batch.delete) {
      const [uuidId, channelId] = pair(otherId);
      const current = this.#get(batch.subKey, uuidId, channelId);
      if (!current) continue;
      this.#statements.get(SQL.delete).run(batch.subKey, uuidId, channelId);
      changes.push({ kind: 'delete', record: current });
    }
    if (added) this.#checkSizes(batch, changes);
    return changes;
  }

  #get(subKey: string, uuidId: string, channelId: string): MembershipRecord | undefined {
    const row = this.#statements.values(SQL.get).get(subKey, uuidId, channelId) as SqlValues | undefined;
    return row ? membershipFromValues(row) : undefined;
  }

  #requireObjects(batch: MembershipBatch, index: number, uuidId: string, channelId: string): void {
    const missing = (sql: string, id: string) => this.#statements.get(sql).get(batch.subKey, id) === undefined;
    const otherKey = batch.side === 'uuid' ? 'channel' : 'uuid';
    if (missing(SQL.uuidExists, uuidId)) {
      const location = batch.side === 'uuid' ? 'uuid' : `set[${index}].uuid.id`;
      throw invalid(location, batch.side === 'uuid' ? 'path' : 'body', `User '${uuidId}' does not exist (this keyset enforces referential integrity).`);
    }
    if (missing(SQL.channelExists, channelId)) {
      const location = batch.side === 'channel' ? 'channel' : `set[${index}].${otherKey}.id`;
      throw invalid(location, batch.side === 'channel' ? 'path' : 'body', `Channel '${channelId}' does not exist (this keyset enforces referential integrity).`);
    }
  }

  /** Membership counts after the batch, checked before it commits. */
  #checkSizes(batch: MembershipBatch, changes: MembershipChange[]): void {
    const count = (sql: string, id: string) => (this.#statements.get(sql).get(batch.subKey, id) as { n: number }).n;
    const users = new Set(changes.filter((c) => c.kind === 'set').map((c) => c.record.uuidId));
    const channels = new Set(changes.filter((c) => c.kind === 'set').map((c) => c.record.channelId));
    for (const user of users) {
      if (count(SQL.countOfUser, user) > batch.limits.maxPerUser) {
        throw invalid('set', 'body', `User '${user}' would exceed ${batch.limits.maxPerUser} memberships.`);
      }
    }
    for (const channel of channels) {
      if (count(SQL.countOfChannel, channel) > batch.limits.maxPerChannel) {
        throw invalid('set', 'body', `Channel '${channel}' would exceed ${batch.limits.maxPerChannel} members.`);
      }
    }
  }
}
