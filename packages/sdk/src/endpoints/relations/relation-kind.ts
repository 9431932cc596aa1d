import { PNOperationType } from '../../models/operation.ts';

/**
 * What differs between memberships (a user's channels) and members (a channel's users): the
 * path, the key of the related object, and the include tokens the official SDK always sends
 * on writes.
 */
export interface RelationKind {
  /** `/v2/objects/{sub}/{ownerCollection}/{owner}/{relatedCollection}` */
  readonly ownerCollection: 'uuids' | 'channels';
  readonly relatedCollection: 'channels' | 'uuids';
  /** The owner id's name in fluent calls and named options. */
  readonly ownerName: 'uuid' | 'channel';
  /** Whether the owner defaults to the configured `userId`. */
  readonly ownerDefaultsToUserId: boolean;
  /** The related object's key in items and include tokens (`channel.custom`, `uuid.custom`). */
  readonly relatedKey: 'channel' | 'uuid';
  /** Include tokens sent on every set/remove/manage, before the ones asked for. */
  readonly writeIncludes: readonly string[];
  readonly operations: {
    readonly get: PNOperationType;
    readonly set: PNOperationType;
    readonly remove: PNOperationType;
    readonly manage: PNOperationType;
  };
}

export const MEMBERSHIPS: RelationKind = {
  ownerCollection: 'uuids',
  relatedCollection: 'channels',
  ownerName: 'uuid',
  ownerDefaultsToUserId: true,
  relatedKey: 'channel',
  writeIncludes: ['channel.status', 'channel.type', 'status'],
  operations: {
    get: PNOperationType.PNGetMembershipsOperation,
    set: PNOperationType.PNSetMembershipsOperation,
    remove: PNOperationType.PNRemoveMembershipsOperation,
    manage: PNOperationType.PNManageMembershipsOperation,
  },
};

export const MEMBERS: RelationKind = {
  ownerCollection: 'channels',
  relatedCollection: 'uuids',
  ownerName: 'channel',
  ownerDefaultsToUserId: false,
  relatedKey: 'uuid',
  writeIncludes: ['uuid.status', 'uuid.type', 'type'],
  operations: {
    get: PNOperationType.PNGetChannelMembersOperation,
    set: PNOperationType.PNSetChannelMembersOperation,
    remove: PNOperationType.PNRemoveChannelMembersOperation,
    manage: PNOperationType.PNManageChannelMembersOperation,
  },
};
