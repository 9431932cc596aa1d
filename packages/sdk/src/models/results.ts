import type { PNFetchMessageItem, PNFetchMessagesMore, PNMessageAction, PNMessageActionsMore } from './messages.ts';
import type { ChannelMetadata, CustomData, Member, Membership, UUIDMetadata } from './objects.ts';
import type { PNNextPage, PNPreviousPage } from './page.ts';
import type { PNHereNowChannelData, PNPresenceState } from './presence.ts';
import type { PNStatus } from './status.ts';

/** What `.sync()` resolves to and what awaiting a builder gives: the call's result and its status. */
export interface Envelope<TResult> {
  readonly result: TResult;
  readonly status: PNStatus;
}

/** The `.pnAsync()` callback: `result` is `null` exactly when `status.isError()`. */
export type PNCallback<TResult> = (result: TResult | null, status: PNStatus) => void;

/** A result holding one object. */
export interface PNObjectResult<TData> {
  readonly data: TData;
  /** The same status as the envelope's. */
  readonly status: PNStatus;
}

/** A result holding one page of a list. */
export interface PNListResult<TItem> {
  readonly data: readonly TItem[];
  /** Number of matching items across all pages, when `includeTotalCount` was set; otherwise `null`. */
  readonly totalCount: number | null;
  /** Pass to `.page()` for the following page; `null` when the server sent no cursor. */
  readonly next: PNNextPage | null;
  /** Pass to `.page()` for the preceding page; `null` on the first page. */
  readonly prev: PNPreviousPage | null;
  /** The same status as the envelope's. */
  readonly status: PNStatus;
}

/** A result with nothing but its status (the remove calls). */
export interface PNStatusOnlyResult {
  readonly status: PNStatus;
}

export type PNGetAllUUIDMetadataResult<TCustom = CustomData> = PNListResult<UUIDMetadata<TCustom>>;
export type PNGetUUIDMetadataResult<TCustom = CustomData> = PNObjectResult<UUIDMetadata<TCustom>>;
export type PNSetUUIDMetadataResult<TCustom = CustomData> = PNObjectResult<UUIDMetadata<TCustom>>;
export type PNRemoveUUIDMetadataResult = PNStatusOnlyResult;

export type PNGetAllChannelMetadataResult<TCustom = CustomData> = PNListResult<ChannelMetadata<TCustom>>;
export type PNGetChannelMetadataResult<TCustom = CustomData> = PNObjectResult<ChannelMetadata<TCustom>>;
export type PNSetChannelMetadataResult<TCustom = CustomData> = PNObjectResult<ChannelMetadata<TCustom>>;
export type PNRemoveChannelMetadataResult = PNStatusOnlyResult;

export type PNGetMembershipsResult<TCustom = CustomData, TChannelCustom = CustomData> = PNListResult<Membership<TCustom, TChannelCustom>>;
export type PNSetMembershipsResult<TCustom = CustomData, TChannelCustom = CustomData> = PNListResult<Membership<TCustom, TChannelCustom>>;
export type PNRemoveMembershipsResult<TCustom = CustomData, TChannelCustom = CustomData> = PNListResult<Membership<TCustom, TChannelCustom>>;
export type PNManageMembershipsResult<TCustom = CustomData, TChannelCustom = CustomData> = PNListResult<Membership<TCustom, TChannelCustom>>;

export type PNGetChannelMembersResult<TCustom = CustomData, TUUIDCustom = CustomData> = PNListResult<Member<TCustom, TUUIDCustom>>;
export type PNSetChannelMembersResult<TCustom = CustomData, TUUIDCustom = CustomData> = PNListResult<Member<TCustom, TUUIDCustom>>;
export type PNRemoveChannelMembersResult<TCustom = CustomData, TUUIDCustom = CustomData> = PNListResult<Member<TCustom, TUUIDCustom>>;
export type PNManageChannelMembersResult<TCustom = CustomData, TUUIDCustom = CustomData> = PNListResult<Member<TCustom, TUUIDCustom>>;

/** `publish()`: the timetoken the message was stored under, as a 17-digit string. */
export interface PNPublishResult {
  readonly timetoken: string;
}

/** `time()`: the server's current timetoken (100 ns units since the Unix epoch), as a string. */
export interface PNTimeResult {
  readonly timetoken: string;
  /** The timetoken as a `Date` (millisecond precision). */
  toDate(): Date;
}

/** `signal()`: the timetoken the signal was sent under, as a 17-digit string. */
export interface PNSignalResult {
  readonly timetoken: string;
}

/** `fetchMessages()`: each channel's messages, oldest first; channels with none may be missing. */
export interface PNFetchMessagesResult<TMessage = unknown> {
  readonly channels: Readonly<Record<string, readonly PNFetchMessageItem<TMessage>[]>>;
  /** Present when the server cut the answer short; fetch on from `more.start`. */
  readonly more?: PNFetchMessagesMore;
  /** The same status as the envelope's. */
  readonly status: PNStatus;
}

/** `deleteMessages()`: nothing but the status. */
export type PNDeleteMessagesResult = PNStatusOnlyResult;

/** `messageCounts()`: channel → number of messages newer than its timetoken (PubNub caps it at 10 000). */
export interface PNMessageCountResult {
  readonly channels: Readonly<Record<string, number>>;
  /** The same status as the envelope's. */
  readonly status: PNStatus;
}

/** `addMessageAction()`: the action as stored, with its new `actionTimetoken`. */
export type PNAddMessageActionResult = PNObjectResult<PNMessageAction>;

/** `removeMessageAction()`: `data` is empty. */
export type PNRemoveMessageActionResult = PNObjectResult<Readonly<Record<string, never>>>;

/** `getMessageActions()`: one page of a channel's actions, oldest first. */
export interface PNGetMessageActionsResult {
  readonly data: readonly PNMessageAction[];
  /** The `actionTimetoken` of the first action on the page, `null` on an empty page. */
  readonly start: string | null;
  /** The `actionTimetoken` of the last action on the page, `null` on an empty page. */
  readonly end: string | null;
  /** Present when there are more actions in the range; pass `more.start` as `start` for the next (older) page. */
  readonly more?: PNMessageActionsMore;
  /** The same status as the envelope's. */
  readonly status: PNStatus;
}

/** `hereNow()`: who is present on each channel asked about (the channels of the groups too). */
export interface PNHereNowResult {
  readonly totalChannels: number;
  /** Users present, summed over the channels. */
  readonly totalOccupancy: number;
  /** Channel name → its occupancy and occupants. */
  readonly channels: Readonly<Record<string, PNHereNowChannelData>>;
  /** The same status as the envelope's. */
  readonly status: PNStatus;
}

/** `whereNow()`: the channels the user is present on. */
export interface PNWhereNowResult {
  readonly channels: readonly string[];
  /** The same status as the envelope's. */
  readonly status: PNStatus;
}

/** `setState()`: the state as the server stored it. */
export interface PNSetStateResult {
  readonly state: PNPresenceState;
  /** The same status as the envelope's. */
  readonly status: PNStatus;
}

/** `getState()`: channel → the user's state there (`{}`, or no entry, where it has none). */
export interface PNGetStateResult {
  readonly channels: Readonly<Record<string, PNPresenceState>>;
  /** The same status as the envelope's. */
  readonly status: PNStatus;
}

/** `addChannelToChannelGroup()`: nothing but the status. */
export type PNChannelGroupsAddChannelResult = PNStatusOnlyResult;

/** `removeChannelFromChannelGroup()`: nothing but the status. */
export type PNChannelGroupsRemoveChannelResult = PNStatusOnlyResult;

/** `removeChannelGroup()`: nothing but the status. */
export type PNChannelGroupsRemoveGroupResult = PNStatusOnlyResult;

/** `listChannelsInChannelGroup()`: the group's channels. */
export interface PNChannelGroupsListResult {
  readonly channels: readonly string[];
  /** The same status as the envelope's. */
  readonly status: PNStatus;
}

/** `listChannelGroups()`: the keyset's channel groups. */
export interface PNChannelGroupsListGroupsResult {
  readonly groups: readonly string[];
  /** The same status as the envelope's. */
  readonly status: PNStatus;
}
