// The client
export { Roster } from './client.ts';
export type { RosterConfig, ResolvedConfig, RetryOptions, ReconnectOptions, FetchLike } from './config.ts';
export { SDK_VERSION } from './version.ts';

// Models
export { PNSortKey, PNSortKeyValue, type PNSortDirection } from './models/sort.ts';
export { PNPage, PNNextPage, PNPreviousPage } from './models/page.ts';
export {
  MembershipIncludes,
  MemberIncludes,
  ChannelIncludeEndpoint,
  UUIDIncludeEndpoint,
  type MembershipIncludesOptions,
  type MemberIncludesOptions,
} from './models/includes.ts';
export { PNChannelMembership, PNUUID, RelationInput, type RelationFields } from './models/relation-input.ts';
export type { CustomData, CustomValue, UUIDMetadata, ChannelMetadata, Membership, Member, Related } from './models/objects.ts';

// Outcomes and errors
export { PNStatus, type PNErrorData, type PNErrorDetail, type PNClientRequest, type PNStatusInit } from './models/status.ts';
export { PNStatusCategory } from './models/status-category.ts';
export { PNOperationType } from './models/operation.ts';
export { PubNubException, isPubNubException } from './models/exception.ts';
export type {
  Envelope,
  PNCallback,
  PNObjectResult,
  PNListResult,
  PNStatusOnlyResult,
  PNGetAllUUIDMetadataResult,
  PNGetUUIDMetadataResult,
  PNSetUUIDMetadataResult,
  PNRemoveUUIDMetadataResult,
  PNGetAllChannelMetadataResult,
  PNGetChannelMetadataResult,
  PNSetChannelMetadataResult,
  PNRemoveChannelMetadataResult,
  PNGetMembershipsResult,
  PNSetMembershipsResult,
  PNRemoveMembershipsResult,
  PNManageMembershipsResult,
  PNGetChannelMembersResult,
  PNSetChannelMembersResult,
  PNRemoveChannelMembersResult,
  PNManageChannelMembersResult,
  PNPublishResult,
  PNTimeResult,
  PNSignalResult,
  PNFetchMessagesResult,
  PNDeleteMessagesResult,
  PNMessageCountResult,
  PNAddMessageActionResult,
  PNRemoveMessageActionResult,
  PNGetMessageActionsResult,
  PNHereNowResult,
  PNWhereNowResult,
  PNSetStateResult,
  PNGetStateResult,
  PNChannelGroupsAddChannelResult,
  PNChannelGroupsRemoveChannelResult,
  PNChannelGroupsRemoveGroupResult,
  PNChannelGroupsListResult,
  PNChannelGroupsListGroupsResult,
} from './models/results.ts';
export type { PNHereNowChannelData, PNHereNowOccupantData, PNPresenceState } from './models/presence.ts';
export type {
  PNFetchMessageItem,
  PNFetchMessagesMore,
  PNMessageAction,
  PNMessageActionInput,
  PNMessageActionRef,
  PNMessageActions,
  PNMessageActionsMore,
} from './models/messages.ts';

// Real-time events
export type {
  Listener,
  PNEventOrigin,
  PNMessageEvent,
  PNObjectsEvent,
  PNObjectsEventPayload,
  PNSignalEvent,
  PNMessageActionEvent,
  PNMessageActionEventData,
  PNPresenceEvent,
  PNPresenceAction,
  MembershipEventData,
} from './models/events.ts';

// Builders (returned by the client; exported for their types)
export { Endpoint } from './endpoints/endpoint.ts';
export type { ListOptions } from './endpoints/shared/list-endpoint.ts';
export type { MetadataIncludeOptions, SetMetadataOptions } from './endpoints/metadata/metadata-endpoints.ts';
export {
  GetAllUUIDMetadata,
  GetUUIDMetadata,
  SetUUIDMetadata,
  RemoveUUIDMetadata,
  type GetAllUUIDMetadataOptions,
  type GetUUIDMetadataOptions,
  type SetUUIDMetadataOptions,
  type RemoveUUIDMetadataOptions,
} from './endpoints/metadata/uuid-metadata.ts';
export {
  GetAllChannelMetadata,
  GetChannelMetadata,
  SetChannelMetadata,
  RemoveChannelMetadata,
  type GetAllChannelMetadataOptions,
  type GetChannelMetadataOptions,
  type SetChannelMetadataOptions,
  type RemoveChannelMetadataOptions,
} from './endpoints/metadata/channel-metadata.ts';
export {
  GetMemberships,
  SetMemberships,
  RemoveMemberships,
  ManageMemberships,
  type MembershipsOptions,
  type SetMembershipsOptions,
  type RemoveMembershipsOptions,
  type ManageMembershipsOptions,
  type ChannelMembershipInput,
} from './endpoints/relations/memberships.ts';
export {
  GetChannelMembers,
  SetChannelMembers,
  RemoveChannelMembers,
  ManageChannelMembers,
  type MembersOptions,
  type SetChannelMembersOptions,
  type RemoveChannelMembersOptions,
  type ManageChannelMembersOptions,
  type UUIDInput,
} from './endpoints/relations/members.ts';
export type { RelationListOptions } from './endpoints/relations/relation-endpoint.ts';
export { Publish, type PublishOptions } from './endpoints/realtime/publish.ts';
export { Time } from './endpoints/realtime/time.ts';
export { Signal, type SignalOptions } from './endpoints/realtime/signal.ts';
export { FetchMessages, type FetchMessagesOptions } from './endpoints/history/fetch-messages.ts';
export { DeleteMessages, type DeleteMessagesOptions } from './endpoints/history/delete-messages.ts';
export { MessageCounts, type MessageCountsOptions } from './endpoints/history/message-counts.ts';
export { AddMessageAction, type AddMessageActionOptions } from './endpoints/actions/add-message-action.ts';
export { RemoveMessageAction, type RemoveMessageActionOptions } from './endpoints/actions/remove-message-action.ts';
export { GetMessageActions, type GetMessageActionsOptions } from './endpoints/actions/get-message-actions.ts';
export { HereNow, type HereNowOptions } from './endpoints/presence/here-now.ts';
export { WhereNow, type WhereNowOptions } from './endpoints/presence/where-now.ts';
export { SetState, type SetStateOptions } from './endpoints/presence/set-state.ts';
export { GetState, type GetStateOptions } from './endpoints/presence/get-state.ts';
export {
  AddChannelToChannelGroup,
  RemoveChannelFromChannelGroup,
  type ChannelGroupChannelsOptions,
} from './endpoints/channel-groups/channel-group-channels.ts';
export {
  ListChannelsInChannelGroup,
  RemoveChannelGroup,
  ListChannelGroups,
  type ChannelGroupOptions,
} from './endpoints/channel-groups/channel-group-queries.ts';
export type { TimetokenInput } from './endpoints/shared/timetoken.ts';
export type { ChannelsInput } from './endpoints/shared/channels.ts';
export { GrantToken, RevokeToken, type GrantTokenOptions, type PNGrantTokenResult } from './endpoints/access/grant-token.ts';
export { parseToken, type PNToken, type PNPermissions, type PNTokenResources } from './models/token.ts';
export { checkFilter, type FilterCheck } from './models/filter.ts';
export { Subscribe, Unsubscribe } from './endpoints/realtime/subscribe.ts';
