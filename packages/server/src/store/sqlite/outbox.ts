import type { OutboxRecord, OutboxStore, RelayRequest } from '../store.ts';
import type { Connection } from './connection.ts';
import type { GroupCommit } from './group-commit.ts';

const SQL = {
  insert: 'INSERT INTO outbox (key, sub_key, events, created_at) VALUES (?, ?, ?, ?)',
  // One statement for any number of keys: they go in as one JSON array.
  remove: 'DELETE FROM outbox WHERE key IN (SELECT value FROM json_each(?))',
  due: 'SELECT key, sub_key AS subKey, events FROM outbox WHERE created_at <= ? ORDER BY id LIMIT ?',
};

/**
 * The outbox in SQLite (schema migration 4). `record` runs inside a write's group-commit unit, so
 * the events commit or roll back with their change; deletions go through the group commit too.
 * This process is the file's only writer, so a relay needs no claim: relays only take turns.
 */
export class SqliteOutbox implements OutboxStore {
  readonly #writes: GroupCommit;
  readonly #insert;
  readonly #remove;
  readonly #due;
  #relaying: Promise<unknown> = Promise.resolve();

  constructor(db: Connection, writes: GroupCommit) {
    this.#writes = writes;
    this.#insert = db.prepare<[string, string, string, number]>(SQL.insert);
    this.#remove = db.prepare<[string]>(SQL.remove);
    this.#due = db.prepare<[number, number], OutboxRecord>(SQL.due);
  }

  /** Inside a write's transaction: records what it announced (nothing for `undefined`). */
  record(entry: OutboxRecord | undefined): void {
    if (entry) this.#insert.run(entry.key, entry.subKey, entry.events, Date.now());
  }

  async remove(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const list = JSON.stringify(keys);
    await this.#writes.run(() => this.#remove.run(list));
  }

  relay(request: RelayRequest, deliver: (records: OutboxRecord[]) => Promise<readonly string[]>): Promise<number> {
    const run = this.#relaying.then(async () => {
      const records = this.#due.all(Date.now() - request.olderThanMs, request.limit);
      if (records.length === 0) return 0;
      await this.remove(await deliver(records));
      return records.length;
    });
    this.#relaying = run.catch(() => {});
    return run;
  }
}
