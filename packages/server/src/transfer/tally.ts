import type { ImportOutcome, StoredKind } from '../store/store.ts';

/** What an import or a copy did, by kind and outcome. */
export type Tally = Record<StoredKind, Record<ImportOutcome, number>>;

export function emptyTally(): Tally {
  const none = () => ({ created: 0, updated: 0, unchanged: 0 });
  return { user: none(), channel: none(), membership: none(), revocation: none() };
}

export function addOutcomes(tally: Tally, items: readonly { kind: StoredKind }[], outcomes: readonly ImportOutcome[]): void {
  items.forEach((item, index) => tally[item.kind][outcomes[index]!]++);
}

const NOUNS: Record<StoredKind, string> = { user: 'users', channel: 'channels', membership: 'memberships', revocation: 'revoked tokens' };

/**
 * One line per kind that had any record, e.g. `users: 1000 created, 0 updated, 5 unchanged`;
 * `would be` in front of the outcomes of a dry run.
 */
export function tallyLines(tally: Tally, dryRun = false, kinds: readonly StoredKind[] = ['user', 'channel', 'membership', 'revocation']): string[] {
  const would = dryRun ? 'would be ' : '';
  return kinds.map((kind) => {
    const { created, updated, unchanged } = tally[kind];
    return `${NOUNS[kind]}: ${would}${created} created, ${would}${updated} updated, ${unchanged} unchanged`;
  });
}

export const totalOf = (tally: Tally): number =>
  Object.values(tally).reduce((sum, outcomes) => sum + outcomes.created + outcomes.updated + outcomes.unchanged, 0);
