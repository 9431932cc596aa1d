import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/model/keyset.ts';
import { decideObject } from '../../src/objects/apply.ts';
import type { UuidRecord } from '../../src/model/records.ts';
import type { Store } from '../../src/store/store.ts';

/** A database that outlives the stores opened on it (a file, a server's database). */
export interface PersistentDatabase {
  /** Opens a store on it, as a node starting does: the first open creates the schema. */
  open(): Promise<Store>;
}

export interface RestartOptions {
  /** Makes a new, empty database. */
  newDatabase: () => Promise<PersistentDatabase>;
  /** Whether several nodes may have it open at once (a database server); SQLite's file is one node's. */
  shared: boolean;
}

const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };
const SUB = 'restart';

/**
 * Starting nodes on one database: the schema is created once however many start at once, and a
 * restart finds the data it left, migrating nothing again.
 */
export function restartContract({ newDatabase, shared }: RestartOptions): void {
  describe('schema migrations at start', () => {
    const opened: Store[] = [];
    const open = async (database: PersistentDatabase, count: number) => {
      const stores = await Promise.all(Array.from({ length: count }, () => database.open()));
      opened.push(...stores);
      return stores;
    };
    const close = async (stores: Store[]) => {
      for (const store of stores) {
        opened.splice(opened.indexOf(store), 1);
        await store.close();
      }
    };
    afterEach(async () => close([...opened]));

    it(shared ? 'lets two nodes start at once on a new database, each with the whole schema' : 'creates the schema on a new database', async () => {
      const database = await newDatabase();
      const starting = await open(database, shared ? 2 : 1);
      const [first, second = first] = starting as [Store, Store?];
      await first.uuids.write(SUB, 'alice', decideObject<UuidRecord>('uuid', 'alice', { name: 'Alice', custom: { n: 1 } }, rules));
      expect((await second.uuids.get(SUB, 'alice'))?.name).toBe('Alice');
      await second.uuids.write(SUB, 'bob', decideObject<UuidRecord>('uuid', 'bob', { name: 'Bob' }, rules));
      expect((await first.uuids.get(SUB, 'bob'))?.name).toBe('Bob');
      expect((await second.uuids.list({ subKey: SUB, resource: 'uuids', sort: [], limit: 10, count: true, withRelated: false })).totalCount).toBe(2);
    });

    it('finds its data after a restart, and a restart changes nothing', async () => {
      const database = await newDatabase();
      const [before] = await open(database, 1);
      const { record } = await before!.uuids.write(SUB, 'bob', decideObject<UuidRecord>('uuid', 'bob', { name: 'Bob' }, rules));
      await close([before!]);
      for (let restart = 0; restart < 2; restart++) {
        const [after] = await open(database, 1);
        expect(await after!.uuids.get(SUB, 'bob')).toEqual(record);
        await close([after!]);
      }
    });

    it('keeps the outbox records of a store that closed before relaying them', async () => {
      const database = await newDatabase();
      const [before] = await open(database, 1);
      const record = { key: 'left-behind', subKey: SUB, events: '[{"channels":["bob"]}]' };
      await before!.uuids.write(SUB, 'bob', decideObject<UuidRecord>('uuid', 'bob', { name: 'Bob' }, rules), () => record);
      await close([before!]);
      const [after] = await open(database, 1);
      const relayed: unknown[] = [];
      await after!.outbox.relay({ olderThanMs: 0, limit: 10 }, async (records) => {
        relayed.push(...records);
        return records.map((r) => r.key);
      });
      expect(relayed).toEqual([record]);
      expect(await after!.outbox.relay({ olderThanMs: 0, limit: 10 }, async () => [])).toBe(0);
    });
  });
}
