import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openConnection } from '../src/store/sqlite/connection.ts';
import { startServer, type RunningServer } from './fixture.ts';
import { objectsClient } from './http.ts';

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
});

describe('crash safety', () => {
  it('keeps every acknowledged write across kill -9, and the database passes its integrity check', async () => {
    const first = await startServer();
    servers.push(first);
    const api = objectsClient(first);
    const acknowledged = new Map<string, string>();
    let killed = false;
    const writes = Array.from({ length: 1500 }, async (_, i) => {
      const id = `crash-${i}`;
      try {
        const reply = await api.patch(`uuids/${id}`, { name: `n${i}`, custom: { i } });
        if (reply.status === 200) acknowledged.set(id, reply.body.data.eTag);
      } catch {
        // the connection died with the server: this write was never acknowledged
      }
      if (!killed && acknowledged.size >= 500) {
        killed = true;
        await first.kill();
      }
    });
    await Promise.all(writes);
    expect(killed).toBe(true);
    expect(acknowledged.size).toBeGreaterThanOrEqual(500);

    const second = await startServer({ dir: first.dir });
    servers.push(second);
    const after = objectsClient(second);
    for (const [id, eTag] of acknowledged) {
      const reply = await after.get(`uuids/${id}`);
      expect(reply.status, id).toBe(200);
      expect(reply.body.data.eTag, id).toBe(eTag);
    }
    await second.stop();
    const db = openConnection({ path: join(first.dir, 'roster.db'), synchronous: 'normal' });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
