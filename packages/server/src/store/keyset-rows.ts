import type { KeysetWrite, StoredKeyset } from './store.ts';

/** The columns both backends read a keyset row as, in this order (`storedKeyset`). */
export const KEYSET_COLUMNS = 'subscribe_key, settings, seed_hash, version, updated';

/** A row of `KEYSET_COLUMNS` as the store hands it out; PostgreSQL's bigint version comes as text. */
export function storedKeyset(row: readonly unknown[]): StoredKeyset {
  const [subscribeKey, settings, seedHash, version, updated] = row;
  return {
    subscribeKey: String(subscribeKey),
    settings: String(settings),
    seedHash: seedHash === null || seedHash === undefined ? null : String(seedHash),
    version: Number(version),
    updated: String(updated),
  };
}

/**
 * The publish key a write gives its keyset, read from the settings JSON: the column the unique
 * index holds. The domain validated the settings, so a write without one is a bug in the caller.
 * @throws TypeError when the settings are not a JSON object with a string `publishKey`.
 */
export function publishKeyOf(write: KeysetWrite): string {
  const settings: unknown = JSON.parse(write.settings);
  const publishKey = typeof settings === 'object' && settings !== null ? (settings as { publishKey?: unknown }).publishKey : undefined;
  if (typeof publishKey !== 'string') throw new TypeError(`keyset ${write.subscribeKey}: the settings have no publishKey string`);
  return publishKey;
}

/** Whether a `put` with `condition` may write over `current` (the row as it is, if any). */
export function mayWrite(current: StoredKeyset | undefined, condition: { ifVersion?: number; ifAbsent?: boolean }): boolean {
  if (condition.ifAbsent === true && current !== undefined) return false;
  return condition.ifVersion === undefined || current?.version === condition.ifVersion;
}
