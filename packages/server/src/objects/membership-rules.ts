import type { Keyset, KeysetLimits } from '../model/keyset.ts';
import { invalid } from '../errors.ts';
import type { MembershipBatch, MembershipCounts, MembershipEnds, MembershipSetItem, MembershipSide } from '../store/store.ts';
import { decideMembership } from './apply.ts';
import type { MembershipBody } from './validate.ts';

/** One membership PATCH: whose memberships (`side` and `ownerId`, from the path) and what to do. */
export interface MembershipPatchRequest {
  side: MembershipSide;
  ownerId: string;
  body: MembershipBody;
  /** `Roster-Custom-Merge`: merge `custom` key by key instead of replacing it. */
  merge: boolean;
}

/** The parts of a keyset a membership PATCH answers to. */
export type MembershipKeyset = Pick<Keyset, 'subscribeKey' | 'referentialIntegrity' | 'limits'>;

/**
 * Referential integrity: both ends of a membership must exist. The id from the path is named
 * as a path location, the other as the set item's id.
 */
export function checkEnds(side: MembershipSide, index: number, ids: { uuidId: string; channelId: string }, ends: MembershipEnds): void {
  if (!ends.uuid) {
    const location = side === 'uuid' ? 'uuid' : `set[${index}].uuid.id`;
    throw invalid(location, side === 'uuid' ? 'path' : 'body', `User '${ids.uuidId}' does not exist (this keyset enforces referential integrity).`);
  }
  if (!ends.channel) {
    const location = side === 'channel' ? 'channel' : `set[${index}].channel.id`;
    throw invalid(location, side === 'channel' ? 'path' : 'body', `Channel '${ids.channelId}' does not exist (this keyset enforces referential integrity).`);
  }
}

/** The keyset's membership limits, on the counts after a batch: users first, then channels, each in batch order. */
export function checkMembershipLimits(counts: MembershipCounts, limits: KeysetLimits): void {
  for (const [user, count] of counts.ofUser) {
    if (count > limits.maxMembershipsPerUser) {
      throw invalid('set', 'body', `User '${user}' would exceed ${limits.maxMembershipsPerUser} memberships.`);
    }
  }
  for (const [channel, count] of counts.ofChannel) {
    if (count > limits.maxMembersPerChannel) {
      throw invalid('set', 'body', `Channel '${channel}' would exceed ${limits.maxMembersPerChannel} members.`);
    }
  }
}

/**
 * The store batch of one membership PATCH. The store runs it in one transaction: each set item
 * is checked for its ends (with referential integrity) and then merged, and the limits are
 * checked on the counts after the batch, so concurrent PATCHes cannot together pass a limit.
 */
export function membershipBatch(request: MembershipPatchRequest, keyset: MembershipKeyset): MembershipBatch {
  const { side, ownerId, body, merge } = request;
  const set = body.set.map((item, index): MembershipSetItem => {
    const ids = side === 'uuid' ? { uuidId: ownerId, channelId: item.otherId } : { uuidId: item.otherId, channelId: ownerId };
    const rules = { ifMatch: undefined, merge, limits: keyset.limits, location: `set[${index}]` };
    const decide = decideMembership(ids.uuidId, ids.channelId, item.patch, rules);
    return {
      otherId: item.otherId,
      decide: (current, ends) => {
        if (ends) checkEnds(side, index, ids, ends);
        return decide(current);
      },
    };
  });
  return {
    subKey: keyset.subscribeKey,
    side,
    ownerId,
    set,
    delete: body.delete,
    lookUpEnds: keyset.referentialIntegrity,
    checkCounts: (counts) => checkMembershipLimits(counts, keyset.limits),
  };
}
