import type { ChannelIncludeEndpoint, MembershipIncludes } from '../../models/includes.ts';
import type { CustomData, Membership } from '../../models/objects.ts';
import type { PNChannelMembership } from '../../models/relation-input.ts';
import type { EndpointContext } from '../endpoint.ts';
import { RelationEndpoint, type RelationListOptions, type RelationMode } from './relation-endpoint.ts';
import { MEMBERSHIPS } from './relation-kind.ts';

/** Options of every membership call. */
export interface MembershipsOptions extends RelationListOptions {
  /** Whose memberships; defaults to the configured `userId`. */
  uuid?: string;
  /** What to return with each membership. */
  include?: MembershipIncludes;
  /** Return each channel's metadata (`CHANNEL`), with its `custom` (`CHANNEL_WITH_CUSTOM`). */
  includeChannel?: ChannelIncludeEndpoint;
}

/** A channel to join or leave: a {@link PNChannelMembership}, or just the channel id. */
export type ChannelMembershipInput<TCustom> = PNChannelMembership<TCustom> | string;

export interface SetMembershipsOptions<TCustom = CustomData> extends MembershipsOptions {
  /** The channels to add the user to (or update). */
  channelMemberships?: ReadonlyArray<ChannelMembershipInput<TCustom>>;
}

export interface RemoveMembershipsOptions extends MembershipsOptions {
  /** The channels to remove the user from. */
  channelMemberships?: ReadonlyArray<ChannelMembershipInput<unknown>>;
}

export interface ManageMembershipsOptions<TCustom = CustomData> extends MembershipsOptions {
  /** The channels to add the user to (or update). */
  set?: ReadonlyArray<ChannelMembershipInput<TCustom>>;
  /** The channels to remove the user from. */
  remove?: ReadonlyArray<ChannelMembershipInput<unknown>>;
}

/** The documented names every membership call shares. */
export abstract class MembershipsEndpoint<TCustom, TChannelCustom> extends RelationEndpoint<Membership<TCustom, TChannelCustom>, TCustom> {
  constructor(context: EndpointContext, mode: RelationMode, options: MembershipsOptions) {
    super(context, MEMBERSHIPS, mode, options);
    if (options.include !== undefined) this.include(options.include);
    // Flat flags after `include`, so they win as they would when chained after it.
    if (options.includeCustom !== undefined) this.includeCustom(options.includeCustom);
    if (options.includeTotalCount !== undefined) this.includeTotalCount(options.includeTotalCount);
    if (options.includeChannel !== undefined) this.includeChannel(options.includeChannel);
  }

  /** Whose memberships; defaults to the configured `userId`. */
  uuid(uuid: string): this {
    return this.owner(uuid);
  }

  /** What to return with each membership; replaces earlier include flags. */
  include(includes: MembershipIncludes): this {
    return this.withIncludes(
      {
        custom: includes.custom,
        status: includes.status,
        type: includes.type,
        related: includes.channel,
        relatedCustom: includes.channelCustom,
        relatedStatus: includes.channelStatus,
        relatedType: includes.channelType,
      },
      includes.totalCount,
    );
  }

  /** Return each channel's metadata (`CHANNEL`), with its `custom` (`CHANNEL_WITH_CUSTOM`). */
  includeChannel(level: ChannelIncludeEndpoint): this {
    return this.withRelated(level);
  }
}

/**
 * `getMemberships`: one page of the channels a user belongs to.
 * @example await client.getMemberships().uuid('ann').include(new MembershipIncludes({ custom: true, channel: true })).sync();
 */
export class GetMemberships<TCustom = CustomData, TChannelCustom = CustomData> extends MembershipsEndpoint<TCustom, TChannelCustom> {
  constructor(context: EndpointContext, options: MembershipsOptions = {}) {
    super(context, 'get', options);
  }
}

/**
 * `setMemberships`: adds a user to channels (or updates those memberships) and returns the
 * user's memberships after the change.
 * @example await client.setMemberships().uuid('ann').channelMemberships([PNChannelMembership.channel('lobby')]).sync();
 */
export class SetMemberships<TCustom = CustomData, TChannelCustom = CustomData> extends MembershipsEndpoint<TCustom, TChannelCustom> {
  constructor(context: EndpointContext, options: SetMembershipsOptions<TCustom> = {}) {
    super(context, 'set', options);
    if (options.channelMemberships !== undefined) this.channelMemberships(options.channelMemberships);
  }

  /** The channels to add the user to (or update). */
  channelMemberships(memberships: ReadonlyArray<ChannelMembershipInput<TCustom>>): this {
    return this.setItems(memberships);
  }
}

/**
 * `removeMemberships`: removes a user from channels and returns the remaining memberships.
 * @example await client.removeMemberships().uuid('ann').channelMemberships([PNChannelMembership.channel('lobby')]).sync();
 */
export class RemoveMemberships<TCustom = CustomData, TChannelCustom = CustomData> extends MembershipsEndpoint<TCustom, TChannelCustom> {
  constructor(context: EndpointContext, options: RemoveMembershipsOptions = {}) {
    super(context, 'remove', options);
    if (options.channelMemberships !== undefined) this.channelMemberships(options.channelMemberships);
  }

  /** The channels to remove the user from. */
  channelMemberships(memberships: ReadonlyArray<ChannelMembershipInput<unknown>>): this {
    return this.removeItems(memberships);
  }
}

/**
 * `manageMemberships`: adds and removes memberships in one request.
 * @example await client.manageMemberships().set([PNChannelMembership.channel('a')]).remove([PNChannelMembership.channel('b')]).sync();
 */
export class ManageMemberships<TCustom = CustomData, TChannelCustom = CustomData> extends MembershipsEndpoint<TCustom, TChannelCustom> {
  constructor(context: EndpointContext, options: ManageMembershipsOptions<TCustom> = {}) {
    super(context, 'manage', options);
    if (options.set !== undefined) this.set(options.set);
    if (options.remove !== undefined) this.remove(options.remove);
  }

  /** The channels to add the user to (or update). */
  set(memberships: ReadonlyArray<ChannelMembershipInput<TCustom>>): this {
    return this.setItems(memberships);
  }

  /** The channels to remove the user from. */
  remove(memberships: ReadonlyArray<ChannelMembershipInput<unknown>>): this {
    return this.removeItems(memberships);
  }
}
