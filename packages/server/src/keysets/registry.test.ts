import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Keysets, type KeysetInput } from '../model/keyset.ts';
import type { Log } from '../model/log.ts';
import { SqliteStore } from '../store/sqlite/index.ts';
import { KeysetRegistry } from './registry.ts';

/** The registry over a real SQLite store (in memory), as a node seeds and serves it. */
const LOCKED: KeysetInput = { publishKey: 'pub-locked', subscribeKey: 'sub-locked', secretKey: 'sec-locked', accessManager: true };
const OPEN: KeysetInput = { publishKey: 'pub-open', subscribeKey: 'sub-open' };

let store: SqliteStore;
let warnings: string[];
const log: Log = { error: () => {}, info: () => {}, warn: (fields, message) => warnings.push(`${message} ${JSON.stringify(fields)}`) };

/** A node's view of the store: its own `Keysets` and registry, seeded from `entries`. */
async function node(entries: readonly KeysetInput[]): Promise<{ keysets: Keysets; registry: KeysetRegistry }> {
  const keysets = new Keysets([]);
  const registry = new KeysetRegistry(store.keysets, keysets, { log });
  await registry.seed(entries);
  return { keysets, registry };
}

const served = (keysets: Keysets): string[] =>
  keysets
    .all()
    .map((keyset) => keyset.subscribeKey)
    .sort();

beforeEach(() => {
  store = new SqliteStore({ path: ':memory:', synchronous: 'normal' });
  warnings = [];
});
afterEach(async () => {
  await store.close();
});

describe('seeding from the config file', () => {
  it('writes each declared keyset once and serves it as from the config', async () => {
    const { keysets, registry } = await node([LOCKED, OPEN]);
    expect(served(keysets)).toEqual(['sub-locked', 'sub-open']);
    expect(keysets.anySecretKey).toBe(true);
    expect((await registry.get('sub-locked')).source).toBe('config');
    const version = await store.keysets.version();
    await node([OPEN, LOCKED]); // the same entries: nothing is written again
    expect(await store.keysets.version()).toBe(version);
  });

  it('keeps console edits of a seeded keyset while its config entry is unchanged', async () => {
    const first = await node([LOCKED]);
    await first.registry.update('sub-locked', { name: 'Production', limits: { maxIdLength: 40 } });
    const again = await node([LOCKED]);
    expect(again.keysets.find('sub-locked')).toMatchObject({ name: 'Production', limits: { maxIdLength: 40 }, secretKey: 'sec-locked' });
    expect((await again.registry.get('sub-locked')).source).toBe('config');
  });

  it('overwrites the row, console edits and all, once the config entry changes', async () => {
    const first = await node([LOCKED]);
    await first.registry.update('sub-locked', { name: 'Production' });
    const changed = await node([{ ...LOCKED, referentialIntegrity: true }]);
    const keyset = changed.keysets.find('sub-locked');
    expect(keyset).toMatchObject({ referentialIntegrity: true });
    expect(keyset?.name).toBeUndefined();
  });

  it('lets the config file take over a console keyset whose subscribe key it declares', async () => {
    const first = await node([OPEN]);
    const made = await first.registry.create({ name: 'from the console' });
    const key = made.keyset.subscribeKey;
    const declared: KeysetInput = { publishKey: 'pub-moved', subscribeKey: key, secretKey: 'sec-moved', accessManager: true };
    const second = await node([OPEN, declared]);
    expect(second.keysets.find(key)).toMatchObject({ publishKey: 'pub-moved', secretKey: 'sec-moved' });
    expect((await second.registry.get(key)).source).toBe('config');
  });

  it('stops serving a seeded keyset the config file no longer declares (the implied demo one), and keeps console keysets', async () => {
    const first = await node([{ publishKey: 'demo', subscribeKey: 'demo' }]);
    const made = await first.registry.create({});
    const second = await node([LOCKED]);
    expect(served(second.keysets)).toEqual([made.keyset.subscribeKey, 'sub-locked'].sort());
    await expect(second.registry.get('demo')).rejects.toMatchObject({ status: 404 });
  });

  it('refuses to seed a keyset whose publish key another stored keyset has', async () => {
    await node([OPEN]);
    await expect(node([OPEN, { publishKey: 'pub-open', subscribeKey: 'sub-other' }])).rejects.toThrow(
      'keyset sub-other of the config file: its publishKey belongs to keyset sub-open in the database, another entry of this config file',
    );
  });

  it('logs and skips a stored keyset that no longer passes the rules, serving the others', async () => {
    await store.keysets.put({
      subscribeKey: 'sub-bad',
      settings: JSON.stringify({ publishKey: 'pub-bad', subscribeKey: 'sub-bad', limits: { maxIdLength: 0 } }),
      seedHash: null,
    });
    const { keysets } = await node([OPEN]);
    expect(served(keysets)).toEqual(['sub-open']);
    expect(warnings).toEqual([expect.stringContaining('keyset: the stored settings are not valid; the keyset is not served')]);
    expect(warnings[0]).toContain('limits.maxIdLength: expected an integer from 1 to 128, got 0');
  });
});

describe('changes', () => {
  it('creates a keyset with fresh keys and Access Manager on, served at once', async () => {
    const { keysets, registry } = await node([OPEN]);
    const { keyset, source } = await registry.create({ name: 'New' });
    expect(source).toBe('console');
    expect(keyset.publishKey).toMatch(/^pub-c-[0-9a-f-]{36}$/);
    expect(keyset.subscribeKey).toMatch(/^sub-c-[0-9a-f-]{36}$/);
    expect(keyset.secretKey).toMatch(/^sec-c-[A-Za-z0-9_-]{48}$/); // 36 random bytes, as `roster keys new` makes
    // Locked down as `roster keys new` makes a keyset: listing everything needs the secret key.
    expect(keysets.find(keyset.subscribeKey)).toMatchObject({ accessManager: true, disallowGetAllUuids: true, disallowGetAllChannels: true, name: 'New' });
    const other = await registry.create({ accessManager: false });
    expect(other.keyset).toMatchObject({ accessManager: false, disallowGetAllUuids: false, disallowGetAllChannels: false });
    expect(other.keyset.secretKey).not.toBe(keyset.secretKey);
  });

  it('checks settings as the config file does, naming the field', async () => {
    const { registry } = await node([OPEN]);
    await expect(registry.create({ accessManager: false, disallowGetAllChannels: true })).rejects.toMatchObject({
      status: 400,
      details: [{ location: 'disallowGetAllChannels', locationType: 'body' }],
    });
    await expect(registry.update('sub-open', { limits: { maxIdLenght: 3 } })).rejects.toMatchObject({
      status: 400,
      message: 'limits.maxIdLenght: unknown key (did you mean maxIdLength?)',
    });
    await expect(registry.update('sub-open', { secretKey: 'mine' })).rejects.toMatchObject({ status: 400, details: [{ location: 'secretKey' }] });
    await expect(registry.update('sub-open', { presenceTimeoutSeconds: 5 })).rejects.toMatchObject({ details: [{ location: 'presenceTimeoutSeconds' }] });
    await expect(registry.update('sub-open', { accessManager: true })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('give the keyset one with POST /admin/v1/keysets/{subKey}/rotate-secret first'),
      details: [{ location: 'accessManager' }],
    });
  });

  it('puts a setting back to its default with null, and refuses a stale version', async () => {
    const { keysets, registry } = await node([OPEN]);
    const named = await registry.update('sub-open', { name: 'Open', limits: { maxIdLength: 10, maxTypeLength: 5 } });
    const reset = await registry.update('sub-open', { name: null, limits: { maxIdLength: null } }, named.version);
    expect(reset.version).toBeGreaterThan(named.version);
    expect(keysets.find('sub-open')).toMatchObject({ limits: { maxIdLength: 92, maxTypeLength: 5 } });
    expect(keysets.find('sub-open')?.name).toBeUndefined();
    await expect(registry.update('sub-open', { name: 'late' }, named.version)).rejects.toMatchObject({ status: 412 });
    await expect(registry.update('sub-nope', {})).rejects.toMatchObject({ status: 404 });
  });

  it('rotates a secret key', async () => {
    const { keysets, registry } = await node([LOCKED]);
    const rotated = await registry.rotateSecret('sub-locked');
    expect(rotated.keyset.secretKey).toMatch(/^sec-c-/);
    expect(keysets.find('sub-locked')?.secretKey).toBe(rotated.keyset.secretKey);
    expect(rotated.keyset.secretKey).not.toBe('sec-locked');
  });

  it('reaches another node on the same store once it refreshes', async () => {
    const first = await node([OPEN]);
    const second = await node([OPEN]);
    const made = await first.registry.create({});
    expect(second.keysets.find(made.keyset.subscribeKey)).toBeUndefined();
    expect(await second.registry.refresh()).toBe(true);
    expect(second.keysets.find(made.keyset.subscribeKey)).toMatchObject({ accessManager: true });
    expect(await second.registry.refresh()).toBe(false);
  });
});
