import type { Store, StoredItem, StoredKind, StoreSnapshot } from '../store/store.ts';
import { toLine, type LineItem } from './format.ts';
import { addOutcomes, emptyTally, type Tally } from './tally.ts';

/** Records read per page of a snapshot. */
export const PAGE_SIZE = 1000;

/** The keysets to read: all of the snapshot's, or only `keyset` (which may hold nothing). */
export async function keysetsOf(snapshot: StoreSnapshot, keyset: string | undefined): Promise<string[]> {
  return keyset === undefined ? snapshot.keysets() : [keyset];
}

/** How many records of `kinds` the keysets hold, for progress. */
export async function countOf(snapshot: StoreSnapshot, keysets: readonly string[], kinds: readonly StoredKind[]): Promise<number> {
  let total = 0;
  for (const keyset of keysets) for (const kind of kinds) total += await snapshot.count(keyset, kind);
  return total;
}

/** Every page of the keysets' records of `kinds`, in transfer order (format.ts). */
async function* pagesOf(snapshot: StoreSnapshot, keysets: readonly string[], kinds: readonly StoredKind[]): AsyncIterable<StoredItem[]> {
  for (const keyset of keysets) for (const kind of kinds) yield* snapshot.pages(keyset, kind, PAGE_SIZE);
}

/**
 * Writes the users, channels and memberships of `keysets` as transfer lines (format.ts), a page
 * at a time through `write` (which should wait for the output to drain). Returns how many
 * records of each kind it wrote.
 */
export async function exportSnapshot(
  snapshot: StoreSnapshot,
  keysets: readonly string[],
  write: (chunk: string) => Promise<void>,
  progress: (records: number) => void,
): Promise<Record<LineItem['kind'], number>> {
  const written = { user: 0, channel: 0, membership: 0 };
  let records = 0;
  for await (const page of pagesOf(snapshot, keysets, ['user', 'channel', 'membership'])) {
    let chunk = '';
    for (const item of page as LineItem[]) {
      chunk += `${toLine(item)}\n`;
      written[item.kind]++;
    }
    await write(chunk);
    records += page.length;
    progress(records);
  }
  return written;
}

/**
 * Copies every record of `keysets` (revoked tokens included) into `store`, one transaction per
 * page (`Store.import`: idempotent, no events).
 */
export async function copySnapshot(
  snapshot: StoreSnapshot,
  keysets: readonly string[],
  store: Pick<Store, 'import'>,
  progress: (records: number) => void,
): Promise<Tally> {
  const tally = emptyTally();
  let records = 0;
  for await (const page of pagesOf(snapshot, keysets, ['user', 'channel', 'membership', 'revocation'])) {
    addOutcomes(tally, page, await store.import(page));
    records += page.length;
    progress(records);
  }
  return tally;
}
