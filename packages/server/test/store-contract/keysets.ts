import { afterEach, describe, expect, it } from 'vitest';
import { KeysetConflictError, type KeysetWrite, type Store, type StoredKeyset } from '../../src/store/store.ts';
import type { RestartOptions } from './restart.ts';

/** Settings JSON as the registry writes it; spacing and key order kept so the test sees they come back byte for byte. */
const settingsOf = (subscribeKey: string, publishKey: string, extra = '') => `{ "subscribeKey": "${subscribeKey}",  "publishKey": "${publishKey}"${extra} }`;

const keyset = (subscribeKey: string, publishKey: string, seedHash: string | null = null, extra = ''): KeysetWrite => ({
  subscribeKey,
  settings: settingsOf(subscribeKey, publishKey, extra),
  seedHash,
});

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const settled = async <T>(attempts: Promise<T>[]) => {
  const outcomes = await Promise.allSettled(attempts);
  return {
    won: outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : [])),
    lost: outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : [])),
  };
};

/** Versions strictly increasing, in the order given. */
const increasing = (versions: number[]) => versions.every((version, index) => index === 0 || version > versions[index - 1]!);

/**
 * The keyset registry's storage (`Store.keysets`), as every backend must keep it: settings as
 * written, one publish key per keyset, a registry-wide version every write takes the next value
 * of, and conditional writes of which exactly one wins a race. Runs inside `runStoreContract` on
 * a fresh store for each test; with `restart`, also across reopening the database (and, when it
 * is shared, across nodes).
 */
export function keysetsContract(current: () => Store, restart?: RestartOptions): void {
  const keysets = () => current().keysets;
  const put = (write: KeysetWrite, condition?: { ifVersion?: number; ifAbsent?: boolean }) => keysets().put(write, condition);
  /** Opens a pooled store's connections, so the racing writes that follow really run at once. */
  const warm = () => Promise.all(Array.from({ length: 16 }, () => keysets().version()));

  describe('keysets', () => {
    it('holds none and is at version 0 before the first write', async () => {
      expect(await keysets().version()).toBe(0);
      expect(await keysets().list()).toEqual([]);
      expect(await keysets().get('sub-a')).toBeUndefined();
    });

    it('creates keysets, keeping the settings as written, and lists them by subscribe key', async () => {
      const before = Date.now();
      const b = await put(keyset('sub-b', 'pub-b', 'hash-1', ', "name": "Café \\u00e9 ✓"'));
      const a = await put(keyset('sub-a', 'pub-a'));
      expect(b).toEqual({
        ...keyset('sub-b', 'pub-b', 'hash-1', ', "name": "Café \\u00e9 ✓"'),
        version: expect.any(Number),
        updated: expect.stringMatching(ISO_MS),
      });
      expect(a?.seedHash).toBeNull();
      expect(Date.parse(b!.updated)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(b!.updated)).toBeLessThanOrEqual(Date.now() + 1000);
      expect(await keysets().get('sub-b')).toEqual(b);
      expect(await keysets().get('sub-a')).toEqual(a);
      expect(await keysets().get('sub-c')).toBeUndefined();
      expect(await keysets().list()).toEqual([a, b]);
      expect(await keysets().version()).toBe(a!.version);
    });

    it('replaces a keyset with a new version, and every write takes a higher version whichever keyset it is', async () => {
      const written: StoredKeyset[] = [];
      for (const write of [keyset('sub-a', 'pub-a', 'h1'), keyset('sub-b', 'pub-b'), keyset('sub-a', 'pub-a2', null, ', "x": 1'), keyset('sub-c', 'pub-c')]) {
        written.push((await put(write))!);
        expect(await keysets().version()).toBe(written.at(-1)!.version);
      }
      expect(increasing(written.map((k) => k.version))).toBe(true);
      expect(written[0]!.version).toBeGreaterThan(0);
      expect(await keysets().get('sub-a')).toEqual(written[2]);
      expect(await keysets().get('sub-a')).toMatchObject({ seedHash: null, settings: settingsOf('sub-a', 'pub-a2', ', "x": 1') });
      expect((await keysets().list()).map((k) => k.subscribeKey)).toEqual(['sub-a', 'sub-b', 'sub-c']);
      // The publish key the replace gave up is free for another keyset.
      expect(await put(keyset('sub-d', 'pub-a'))).toMatchObject({ subscribeKey: 'sub-d', version: written[3]!.version + 1 });
    });

    it('writes with `ifVersion` only while the row is still at that version', async () => {
      const first = (await put(keyset('sub-a', 'pub-a')))!;
      const second = (await put(keyset('sub-a', 'pub-a', null, ', "n": 2'), { ifVersion: first.version }))!;
      expect(second.version).toBeGreaterThan(first.version);
      await put(keyset('sub-b', 'pub-b'));
      const version = await keysets().version();

      expect(await put(keyset('sub-a', 'pub-a', null, ', "n": 3'), { ifVersion: first.version })).toBeUndefined();
      expect(await put(keyset('sub-new', 'pub-new'), { ifVersion: second.version })).toBeUndefined();
      expect(await keysets().get('sub-a')).toEqual(second);
      expect(await keysets().get('sub-new')).toBeUndefined();
      expect(await keysets().version()).toBe(version);
    });

    it('writes with `ifAbsent` only when the subscribe key has no row yet', async () => {
      const created = (await put(keyset('sub-a', 'pub-a', 'h'), { ifAbsent: true }))!;
      expect(created.seedHash).toBe('h');
      expect(await put(keyset('sub-a', 'pub-other', 'h2'), { ifAbsent: true })).toBeUndefined();
      expect(await keysets().get('sub-a')).toEqual(created);
      expect(await keysets().version()).toBe(created.version);
    });

    it('refuses a publish key another keyset holds, storing nothing', async () => {
      const a = (await put(keyset('sub-a', 'pub-1')))!;
      const b = (await put(keyset('sub-b', 'pub-2')))!;
      const refusals = [put(keyset('sub-c', 'pub-1')), put(keyset('sub-b', 'pub-1', 'h'))];
      for (const refusal of refusals) {
        const error = await refusal.then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error).toBeInstanceOf(KeysetConflictError);
        expect((error as KeysetConflictError).publishKey).toBe('pub-1');
      }
      expect(await keysets().list()).toEqual([a, b]);
      expect(await keysets().version()).toBe(b.version);
      // Writing a keyset again with its own publish key is no conflict.
      expect(await put(keyset('sub-a', 'pub-1', 'h'))).toMatchObject({ subscribeKey: 'sub-a', version: b.version + 1 });
    });

    it('lets exactly one of racing writes holding the same version win', async () => {
      const start = (await put(keyset('sub-a', 'pub-a')))!;
      await warm();
      const { won, lost } = await settled(
        Array.from({ length: 10 }, (_, n) => put(keyset('sub-a', 'pub-a', null, `, "writer": ${n}`), { ifVersion: start.version })),
      );
      expect(lost).toEqual([]);
      const winners = won.filter((outcome) => outcome !== undefined);
      expect(winners).toHaveLength(1);
      expect(await keysets().get('sub-a')).toEqual(winners[0]);
      expect(await keysets().version()).toBe(winners[0]!.version);
    });

    it('gives racing writes distinct versions, and one publish key to one of the keysets claiming it', async () => {
      await warm();
      const created = await Promise.all(Array.from({ length: 10 }, (_, n) => put(keyset(`sub-${n}`, `pub-${n}`))));
      const versions = created.map((k) => k!.version);
      expect(new Set(versions).size).toBe(10);
      expect(await keysets().version()).toBe(Math.max(...versions));

      const { won, lost } = await settled(Array.from({ length: 10 }, (_, n) => put(keyset(`claim-${n}`, 'pub-shared'), { ifAbsent: true })));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(9);
      for (const error of lost) expect(error).toBeInstanceOf(KeysetConflictError);
      expect((await keysets().list()).filter((k) => k.subscribeKey.startsWith('claim-'))).toEqual(won);
    });
  });

  if (restart) keysetsRestartContract(restart);
}

/** Keysets outlive the store: a reopened one (a restarted node, or another node on a shared database) finds them and their version. */
function keysetsRestartContract({ newDatabase, shared }: RestartOptions): void {
  describe('keysets across restarts', () => {
    const opened: Store[] = [];
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });
    const open = async (database: Awaited<ReturnType<RestartOptions['newDatabase']>>) => {
      const store = await database.open();
      opened.push(store);
      return store;
    };
    const close = async (store: Store) => {
      opened.splice(opened.indexOf(store), 1);
      await store.close();
    };

    it('finds its keysets and version after reopening, and counts on from there', async () => {
      const database = await newDatabase();
      const before = await open(database);
      const a = (await before.keysets.put(keyset('sub-a', 'pub-a', 'h')))!;
      const b = (await before.keysets.put(keyset('sub-b', 'pub-b')))!;
      await close(before);

      const after = await open(database);
      expect(await after.keysets.list()).toEqual([a, b]);
      expect(await after.keysets.version()).toBe(b.version);
      expect(await after.keysets.put(keyset('sub-a', 'pub-a'), { ifVersion: a.version })).toMatchObject({ version: b.version + 1 });
      await expect(after.keysets.put(keyset('sub-c', 'pub-b'))).rejects.toBeInstanceOf(KeysetConflictError);
    });

    it.skipIf(!shared)('shares keysets and one version between nodes on the same database', async () => {
      const database = await newDatabase();
      const [one, two] = [await open(database), await open(database)];
      const a = (await one.keysets.put(keyset('sub-a', 'pub-a')))!;
      expect(await two.keysets.get('sub-a')).toEqual(a);
      expect(await two.keysets.version()).toBe(a.version);
      const b = (await two.keysets.put(keyset('sub-b', 'pub-b')))!;
      expect(b.version).toBeGreaterThan(a.version);
      expect(await one.keysets.put(keyset('sub-a', 'pub-a', null, ', "n": 2'), { ifVersion: a.version })).toMatchObject({ version: b.version + 1 });
      expect(await two.keysets.put(keyset('sub-a', 'pub-a', null, ', "n": 3'), { ifVersion: a.version })).toBeUndefined();
      await expect(two.keysets.put(keyset('sub-c', 'pub-a'))).rejects.toBeInstanceOf(KeysetConflictError);

      const racing = await Promise.all(Array.from({ length: 10 }, (_, n) => (n % 2 === 0 ? one : two).keysets.put(keyset(`race-${n}`, `pub-race-${n}`))));
      expect(new Set(racing.map((k) => k!.version)).size).toBe(10);
      expect(await one.keysets.version()).toBe(await two.keysets.version());
      expect(await one.keysets.version()).toBe(Math.max(...racing.map((k) => k!.version)));
    });
  });
}
