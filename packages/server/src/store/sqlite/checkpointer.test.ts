import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { SqliteStore } from './index.ts';

it('moves committed pages from the WAL into the database file from its own thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-checkpoint-'));
  const path = join(dir, 'roster.db');
  const store = new SqliteStore({ path, synchronous: 'normal' });
  try {
    const before = statSync(path).size;
    const insert = store.db.prepare(`INSERT INTO revoked_tokens (sub_key, signature, expires_at) VALUES ('k', ?, 0)`);
    store.db.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run(Buffer.alloc(64, i % 256).toString('hex') + i);
    })();
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(100_000); // far below the writer's own backstop
    await expect.poll(() => statSync(path).size, { timeout: 5_000 }).toBeGreaterThan(before + 100_000);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
