import type { RevocationStore } from '../store.ts';
import type { Database } from './connection.ts';

const SQL = {
  find: 'SELECT 1 FROM revoked_tokens WHERE sub_key = $1 AND signature = $2',
  insert: 'INSERT INTO revoked_tokens (sub_key, signature, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
  prune: 'DELETE FROM revoked_tokens WHERE expires_at < $1',
};

/**
 * Revoked tokens in the `revoked_tokens` table (migration 2), shared by every node: a revocation
 * made on one node is read by the next check on any other. Expired rows are pruned on write.
 */
export class PostgresRevocations implements RevocationStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async isRevoked(subKey: string, signature: Buffer): Promise<boolean> {
    const rows = await this.#db.unsafe(SQL.find, [subKey, signature], { prepare: true });
    return rows.length > 0;
  }

  async revoke(subKey: string, signature: Buffer, expiresAt: number): Promise<void> {
    await this.#db.unsafe(SQL.prune, [Math.floor(Date.now() / 1000)], { prepare: true });
    await this.#db.unsafe(SQL.insert, [subKey, signature, expiresAt], { prepare: true });
  }
}
