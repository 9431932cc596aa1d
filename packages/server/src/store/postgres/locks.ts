import { createHash } from 'node:crypto';
import type { Runner } from './connection.ts';

/** An object a transaction serializes on: a user or a channel of one keyset. */
export interface LockedObject {
  subKey: string;
  kind: 'uuid' | 'channel';
  id: string;
}

/** A 64-bit advisory-lock key for an object (a collision only makes two writers wait for each other). */
function lockKey({ subKey, kind, id }: LockedObject): bigint {
  const digest = createHash('sha256').update(`${kind}\n${subKey}\n${id}`).digest();
  return digest.readBigInt64BE(0);
}

/**
 * Takes the transaction-scoped advisory locks of `objects`, in ascending key order so that two
 * transactions never wait for each other in a circle. Membership batches lock both ends of every
 * pair they touch and removals lock the object they remove: the membership counts a batch reads,
 * and the memberships a removal cascades to, then cannot change under it, whichever node the
 * other writer runs on.
 */
export async function lockObjects(tx: Runner, objects: readonly LockedObject[]): Promise<void> {
  const keys = [...new Set(objects.map(lockKey))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (keys.length === 0) return;
  await tx.unsafe('SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k', [keys.map(String)], { prepare: true });
}
