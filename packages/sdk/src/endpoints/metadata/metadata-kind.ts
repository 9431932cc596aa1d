import { PNOperationType } from '../../models/operation.ts';

/** What differs between user and channel metadata: the path, the id's name and the writable fields. */
export interface MetadataKind {
  /** Path segment under `/v2/objects/{sub}/`. */
  readonly collection: 'uuids' | 'channels';
  /** The target id's name in fluent calls, named options and messages. */
  readonly idName: 'uuid' | 'channel';
  /** Whether the target id defaults to the configured `userId`. */
  readonly defaultsToUserId: boolean;
  /** Body fields of a set, in the order they are sent. */
  readonly bodyFields: readonly string[];
  readonly operations: {
    readonly getAll: PNOperationType;
    readonly get: PNOperationType;
    readonly set: PNOperationType;
    readonly remove: PNOperationType;
  };
}

export const UUID_METADATA: MetadataKind = {
  collection: 'uuids',
  idName: 'uuid',
  defaultsToUserId: true,
  bodyFields: ['name', 'externalId', 'profileUrl', 'email', 'status', 'type', 'custom'],
  operations: {
    getAll: PNOperationType.PNGetAllUUIDMetadataOperation,
    get: PNOperationType.PNGetUUIDMetadataOperation,
    set: PNOperationType.PNSetUUIDMetadataOperation,
    remove: PNOperationType.PNRemoveUUIDMetadataOperation,
  },
};

export const CHANNEL_METADATA: MetadataKind = {
  collection: 'channels',
  idName: 'channel',
  defaultsToUserId: false,
  bodyFields: ['name', 'description', 'status', 'type', 'custom'],
  operations: {
    getAll: PNOperationType.PNGetAllChannelMetadataOperation,
    get: PNOperationType.PNGetChannelMetadataOperation,
    set: PNOperationType.PNSetChannelMetadataOperation,
    remove: PNOperationType.PNRemoveChannelMetadataOperation,
  },
};
