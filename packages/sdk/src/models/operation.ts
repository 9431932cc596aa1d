/**
 * The operation a {@link PNStatus} reports on, one per SDK call.
 * @example status.operation === PNOperationType.PNGetUUIDMetadataOperation
 */
export const PNOperationType = {
  PNGetAllUUIDMetadataOperation: 'PNGetAllUUIDMetadataOperation',
  PNGetUUIDMetadataOperation: 'PNGetUUIDMetadataOperation',
  PNSetUUIDMetadataOperation: 'PNSetUUIDMetadataOperation',
  PNRemoveUUIDMetadataOperation: 'PNRemoveUUIDMetadataOperation',
  PNGetAllChannelMetadataOperation: 'PNGetAllChannelMetadataOperation',
  PNGetChannelMetadataOperation: 'PNGetChannelMetadataOperation',
  PNSetChannelMetadataOperation: 'PNSetChannelMetadataOperation',
  PNRemoveChannelMetadataOperation: 'PNRemoveChannelMetadataOperation',
  PNGetMembershipsOperation: 'PNGetMembershipsOperation',
  PNSetMembershipsOperation: 'PNSetMembershipsOperation',
  PNRemoveMembershipsOperation: 'PNRemoveMembershipsOperation',
  PNManageMembershipsOperation: 'PNManageMembershipsOperation',
  PNGetChannelMembersOperation: 'PNGetChannelMembersOperation',
  PNSetChannelMembersOperation: 'PNSetChannelMembersOperation',
  PNRemoveChannelMembersOperation: 'PNRemoveChannelMembersOperation',
  PNManageChannelMembersOperation: 'PNManageChannelMembersOperation',
  PNPublishOperation: 'PNPublishOperation',
  PNSignalOperation: 'PNSignalOperation',
  PNFetchMessagesOperation: 'PNFetchMessagesOperation',
  PNHistoryDeleteOperation: 'PNHistoryDeleteOperation',
  PNMessageCountOperation: 'PNMessageCountOperation',
  PNAddMessageAction: 'PNAddMessageAction',
  PNGetMessageActions: 'PNGetMessageActions',
  PNDeleteMessageAction: 'PNDeleteMessageAction',
  PNTimeOperation: 'PNTimeOperation',
  PNAccessManagerGrantToken: 'PNAccessManagerGrantToken',
  PNAccessManagerRevokeToken: 'PNAccessManagerRevokeToken',
  PNSubscribeOperation: 'PNSubscribeOperation',
  PNUnsubscribeOperation: 'PNUnsubscribeOperation',
} as const;

export type PNOperationType = (typeof PNOperationType)[keyof typeof PNOperationType];
