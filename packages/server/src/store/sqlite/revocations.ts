import type { RevocationStore } from '../store.ts';
import type { Connection } from './connection.ts';

/** Revoked tokens in the `revoked_tokens` table (schema migration 2); expired rows are pruned on write. */
export class SqliteRevocations implements RevocationStore {
  readonly #find;
  readonly #insert;
  readonly #prune;

  constructor(db: Connection) {
    this.#find = db.prepare<[string, Buffer], { found: number }>('SELECT 1 AS found FROM revoked_tokens WHERE sub_key = ? AND signature = ?');
    this.#insert = db.prepare<[string, Buffer, number]>('INSERT INTO revoked_tokens (sub_key, signature, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    this.#prune = db.prepare<[number]>('DELETE FROM revoked_tokens WHERE expires_at < ?');
  }

  async isRevoked(subKey: string, signature: Buffer): Promise<boolean> {
    return this.#find.get(subKey, signature) !== undefined;
  }

  async revoke(subKey: string, signature: Buffer, expiresAt: number): Promise<void> {
    this.#prune.run(Math.floor(Date.now() / 1000));
    this.#insert.run(subKey, signature, expiresAt);
  }
}
