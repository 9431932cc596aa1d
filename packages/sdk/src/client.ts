import { resolveConfig, type ResolvedConfig, type RosterConfig } from './config.ts';
import type { EndpointContext } from './endpoints/endpoint.ts';
import {
  GetAllChannelMetadata,
  GetChannelMetadata,
  RemoveChannelMetadata,
  SetChannelMetadata,
  type GetAllChannelMetadataOptions,
  type GetChannelMetadataOptions,
  type RemoveChannelMetadataOptions,
  type SetChannelMetadataOptions,
} from './endpoints/metadata/channel-metadata.ts';
import {
  GetAllUUIDMetadata,
  GetUUIDMetadata,
  RemoveUUIDMetadata,
  SetUUIDMetadata,
  type GetAllUUIDMetadataOptions,
  type GetUUIDMetadataOptions,
  type RemoveUUIDMetadataOptions,
  type SetUUIDMetadataOptions,
} from './endpoints/metadata/uuid-metadata.ts';
import { AddMessageAction, type AddMessageActionOptions } from './endpoints/actions/add-message-action.ts';
import { GetMessageActions, type GetMessageActionsOptions } from './endpoints/actions/get-message-actions.ts';
import { RemoveMessageAction, type RemoveMessageActionOptions } from './endpoints/actions/remove-message-action.ts';
import { DeleteMessages, type DeleteMessagesOptions } from './endpoints/history/delete-messages.ts';
import { FetchMessages, type FetchMessagesOptions } from './endpoints/history/fetch-messages.ts';
import { MessageCounts, type MessageCountsOptions } from './endpoints/history/message-counts.ts';
import {
  AddChannelToChannelGroup,
  RemoveChannelFromChannelGroup,
  type ChannelGroupChannelsOptions,
} from './endpoints/channel-groups/channel-group-channels.ts';
import {
  ListChannelGroups,
  ListChannelsInChannelGroup,
  RemoveChannelGroup,
  type ChannelGroupOptions,
} from './endpoints/channel-groups/channel-group-queries.ts';
import { GetState, type GetStateOptions } from './endpoints/presence/get-state.ts';
import { HereNow, type HereNowOptions } from './endpoints/presence/here-now.ts';
import { SetState, type SetStateOptions } from './endpoints/presence/set-state.ts';
import { WhereNow, type WhereNowOptions } from './endpoints/presence/where-now.ts';
import { Publish, type PublishOptions } from './endpoints/realtime/publish.ts';
import { Signal, type SignalOptions } from './endpoints/realtime/signal.ts';
import { Subscribe, Unsubscribe } from './endpoints/realtime/subscribe.ts';
import { Time } from './endpoints/realtime/time.ts';
import {
  GetChannelMembers,
  ManageChannelMembers,
  RemoveChannelMembers,
  SetChannelMembers,
  type ManageChannelMembersOptions,
  type MembersOptions,
  type RemoveChannelMembersOptions,
  type SetChannelMembersOptions,
} from './endpoints/relations/members.ts';
import {
  GetMemberships,
  ManageMemberships,
  RemoveMemberships,
  SetMemberships,
  type ManageMembershipsOptions,
  type MembershipsOptions,
  type RemoveMembershipsOptions,
  type SetMembershipsOptions,
} from './endpoints/relations/memberships.ts';
import type { Listener } from './models/events.ts';
import type { CustomData } from './models/objects.ts';
import { Listeners } from './transport/listeners.ts';
import { PRESENCE_SUFFIX } from './transport/subscribe/subscribe-request.ts';
import { SubscribeLoop } from './transport/subscribe/subscribe-loop.ts';
import { createFetchTransport } from './transport/transport.ts';
import { GrantToken, RevokeToken, type GrantTokenOptions } from './endpoints/access/grant-token.ts';
import { parseToken, type PNToken } from './models/token.ts';

/**
 * A Roster (or PubNub) client. Every REST call (App Context, publish and signal, history, message actions, presence,
 * channel groups) returns a builder: chain the
 * documented setters or pass named options, then `.sync()`, `.pnAsync(callback)` or `await` it.
 * @example
 * const client = new Roster({ subscribeKey: 'demo', publishKey: 'demo', userId: 'me', origin: 'http://127.0.0.1:8080' });
 * const { result } = await client.getAllUUIDMetadata().includeCustom(true).limit(10).sync();
 * client.getAllUUIDMetadata({ limit: 10, includeCustom: true }).pnAsync((result, status) => { ... });
 */
export class Roster {
  /** The configuration with its defaults filled in. */
  readonly config: ResolvedConfig;
  private token: string | undefined;
  private readonly context: EndpointContext;
  private readonly listeners = new Listeners();
  private readonly loop: SubscribeLoop;

  constructor(config: RosterConfig) {
    this.config = resolveConfig(config);
    const transport = createFetchTransport(this.config, () => this.token);
    this.context = { config: this.config, transport };
    this.loop = new SubscribeLoop(this.config, transport, {
      messages: (messages, subscribed) => this.listeners.envelopes(messages, subscribed),
      status: (status) => this.listeners.status(status),
    });
  }

  /** The configured user id: the caller of every request, and the default user of the uuid calls. */
  get userId(): string {
    return this.config.userId;
  }

  /** Sets (or with `undefined` clears) the Access Manager token sent with every request. */
  setToken(token: string | undefined): void {
    this.token = token;
  }

  getToken(): string | undefined {
    return this.token;
  }

  /** One page of users' metadata. */
  getAllUUIDMetadata<TCustom = CustomData>(options?: GetAllUUIDMetadataOptions): GetAllUUIDMetadata<TCustom> {
    return new GetAllUUIDMetadata<TCustom>(this.context, options);
  }

  /** One user's metadata; by default the configured user's. */
  getUUIDMetadata<TCustom = CustomData>(options?: GetUUIDMetadataOptions): GetUUIDMetadata<TCustom> {
    return new GetUUIDMetadata<TCustom>(this.context, options);
  }

  /** Creates or updates a user's metadata; by default the configured user's. */
  setUUIDMetadata<TCustom = CustomData>(options?: SetUUIDMetadataOptions<TCustom>): SetUUIDMetadata<TCustom> {
    return new SetUUIDMetadata<TCustom>(this.context, options);
  }

  /** Deletes a user's metadata; by default the configured user's. */
  removeUUIDMetadata(options?: RemoveUUIDMetadataOptions): RemoveUUIDMetadata {
    return new RemoveUUIDMetadata(this.context, options);
  }

  /** One page of channels' metadata. */
  getAllChannelMetadata<TCustom = CustomData>(options?: GetAllChannelMetadataOptions): GetAllChannelMetadata<TCustom> {
    return new GetAllChannelMetadata<TCustom>(this.context, options);
  }

  /** One channel's metadata. */
  getChannelMetadata<TCustom = CustomData>(options?: GetChannelMetadataOptions): GetChannelMetadata<TCustom> {
    return new GetChannelMetadata<TCustom>(this.context, options);
  }

  /** Creates or updates a channel's metadata. */
  setChannelMetadata<TCustom = CustomData>(options?: SetChannelMetadataOptions<TCustom>): SetChannelMetadata<TCustom> {
    return new SetChannelMetadata<TCustom>(this.context, options);
  }

  /** Deletes a channel's metadata. */
  removeChannelMetadata(options?: RemoveChannelMetadataOptions): RemoveChannelMetadata {
    return new RemoveChannelMetadata(this.context, options);
  }

  /** One page of a user's channel memberships; by default the configured user's. */
  getMemberships<TCustom = CustomData, TChannelCustom = CustomData>(options?: MembershipsOptions): GetMemberships<TCustom, TChannelCustom> {
    return new GetMemberships<TCustom, TChannelCustom>(this.context, options);
  }

  /** Adds a user to channels (or updates those memberships). */
  setMemberships<TCustom = CustomData, TChannelCustom = CustomData>(options?: SetMembershipsOptions<TCustom>): SetMemberships<TCustom, TChannelCustom> {
    return new SetMemberships<TCustom, TChannelCustom>(this.context, options);
  }

  /** Removes a user from channels. */
  removeMemberships<TCustom = CustomData, TChannelCustom = CustomData>(options?: RemoveMembershipsOptions): RemoveMemberships<TCustom, TChannelCustom> {
    return new RemoveMemberships<TCustom, TChannelCustom>(this.context, options);
  }

  /** Adds and removes a user's memberships in one request. */
  manageMemberships<TCustom = CustomData, TChannelCustom = CustomData>(
    options?: ManageMembershipsOptions<TCustom>,
  ): ManageMemberships<TCustom, TChannelCustom> {
    return new ManageMemberships<TCustom, TChannelCustom>(this.context, options);
  }

  /** One page of a channel's members. */
  getChannelMembers<TCustom = CustomData, TUUIDCustom = CustomData>(options?: MembersOptions): GetChannelMembers<TCustom, TUUIDCustom> {
    return new GetChannelMembers<TCustom, TUUIDCustom>(this.context, options);
  }

  /** Adds users to a channel (or updates them). */
  setChannelMembers<TCustom = CustomData, TUUIDCustom = CustomData>(options?: SetChannelMembersOptions<TCustom>): SetChannelMembers<TCustom, TUUIDCustom> {
    return new SetChannelMembers<TCustom, TUUIDCustom>(this.context, options);
  }

  /** Removes users from a channel. */
  removeChannelMembers<TCustom = CustomData, TUUIDCustom = CustomData>(options?: RemoveChannelMembersOptions): RemoveChannelMembers<TCustom, TUUIDCustom> {
    return new RemoveChannelMembers<TCustom, TUUIDCustom>(this.context, options);
  }

  /** Adds and removes a channel's members in one request. */
  manageChannelMembers<TCustom = CustomData, TUUIDCustom = CustomData>(
    options?: ManageChannelMembersOptions<TCustom>,
  ): ManageChannelMembers<TCustom, TUUIDCustom> {
    return new ManageChannelMembers<TCustom, TUUIDCustom>(this.context, options);
  }

  /** Sends a message to a channel. */
  publish(options?: PublishOptions): Publish {
    return new Publish(this.context, options);
  }

  /** Sends a small, unstored message (typing, receipts); subscribers get it through the `signal` listener. */
  signal(options?: SignalOptions): Signal {
    return new Signal(this.context, options);
  }

  /** Stored messages of one or more channels, oldest first within each. */
  fetchMessages<TMessage = unknown>(options?: FetchMessagesOptions): FetchMessages<TMessage> {
    return new FetchMessages<TMessage>(this.context, options);
  }

  /** Deletes a channel's stored messages in a timetoken range (or all of them). */
  deleteMessages(options?: DeleteMessagesOptions): DeleteMessages {
    return new DeleteMessages(this.context, options);
  }

  /** How many messages each channel has newer than a timetoken. */
  messageCounts(options?: MessageCountsOptions): MessageCounts {
    return new MessageCounts(this.context, options);
  }

  /** Attaches an action (reaction, receipt, edit) to a stored message. */
  addMessageAction(options?: AddMessageActionOptions): AddMessageAction {
    return new AddMessageAction(this.context, options);
  }

  /** Takes an action off a message. */
  removeMessageAction(options?: RemoveMessageActionOptions): RemoveMessageAction {
    return new RemoveMessageAction(this.context, options);
  }

  /** One page of the actions on a channel's messages. */
  getMessageActions(options?: GetMessageActionsOptions): GetMessageActions {
    return new GetMessageActions(this.context, options);
  }

  /** Who is present on channels (or on the channels of channel groups), and how many. */
  hereNow(options?: HereNowOptions): HereNow {
    return new HereNow(this.context, options);
  }

  /** The channels a user is present on; by default the configured user's. */
  whereNow(options?: WhereNowOptions): WhereNow {
    return new WhereNow(this.context, options);
  }

  /** Sets the configured user's presence state on channels or channel groups. */
  setState(options?: SetStateOptions): SetState {
    return new SetState(this.context, options);
  }

  /** A user's presence state on channels or channel groups; by default the configured user's. */
  getState(options?: GetStateOptions): GetState {
    return new GetState(this.context, options);
  }

  /** Adds channels to a channel group. */
  addChannelToChannelGroup(options?: ChannelGroupChannelsOptions): AddChannelToChannelGroup {
    return new AddChannelToChannelGroup(this.context, options);
  }

  /** Takes channels out of a channel group. */
  removeChannelFromChannelGroup(options?: ChannelGroupChannelsOptions): RemoveChannelFromChannelGroup {
    return new RemoveChannelFromChannelGroup(this.context, options);
  }

  /** The channels of a channel group. */
  listChannelsInChannelGroup(options?: ChannelGroupOptions): ListChannelsInChannelGroup {
    return new ListChannelsInChannelGroup(this.context, options);
  }

  /** Deletes a channel group. */
  removeChannelGroup(options?: ChannelGroupOptions): RemoveChannelGroup {
    return new RemoveChannelGroup(this.context, options);
  }

  /** Every channel group of the keyset. */
  listChannelGroups(): ListChannelGroups {
    return new ListChannelGroups(this.context);
  }

  /** Mints an Access Manager token (needs the `secretKey`: server side only). */
  grantToken(options?: GrantTokenOptions): GrantToken {
    return new GrantToken(this.context, options);
  }

  /** Withdraws a token before it expires (needs the `secretKey`). */
  revokeToken(token: string): RevokeToken {
    return new RevokeToken(this.context, token);
  }

  /** Reads a token's grants, lifetime and authorized uuid, without verifying it. */
  parseToken(token: string): PNToken {
    return parseToken(token);
  }

  /** The server's current timetoken. */
  time(): Time {
    return new Time(this.context);
  }

  /** Adds channels and channel groups (with their presence, if asked) to the real-time subscription; events go to the listeners. */
  subscribe(): Subscribe {
    return new Subscribe(this.loop);
  }

  /** Removes channels and channel groups (and their presence) from the real-time subscription. */
  unsubscribe(): Unsubscribe {
    return new Unsubscribe(this.loop);
  }

  /** Leaves every channel and stops the subscribe loop. */
  unsubscribeAll(): void {
    this.loop.dispatch({ type: 'unsubscribeAll' });
  }

  /** The channels currently subscribed to, without the `-pnpres` presence channels (as Python's `get_subscribed_channels`). */
  getSubscribedChannels(): readonly string[] {
    return this.loop.channels.filter((channel) => !channel.endsWith(PRESENCE_SUFFIX));
  }

  /** The channel groups currently subscribed to, without the `-pnpres` presence ones. */
  getSubscribedChannelGroups(): readonly string[] {
    return this.loop.groups.filter((group) => !group.endsWith(PRESENCE_SUFFIX));
  }

  /** Pauses the subscribe loop, keeping its channels and timetoken for {@link Roster.reconnect}. */
  disconnect(): void {
    this.loop.dispatch({ type: 'disconnect' });
  }

  /** Resumes a paused or failed subscribe loop from its last timetoken, so nothing published meanwhile is missed. */
  reconnect(): void {
    this.loop.dispatch({ type: 'reconnect' });
  }

  addListener(listener: Listener): void {
    this.listeners.add(listener);
  }

  removeListener(listener: Listener): void {
    this.listeners.remove(listener);
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }

  /** Unsubscribes from everything and drops the listeners; the client can still make REST calls. */
  destroy(): void {
    this.unsubscribeAll();
    this.listeners.clear();
  }
}
