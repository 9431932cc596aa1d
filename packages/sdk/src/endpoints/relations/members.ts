import type { MemberIncludes, UUIDIncludeEndpoint } from '../../models/includes.ts';
import type { CustomData, Member } from '../../models/objects.ts';
import type { PNUUID } from '../../models/relation-input.ts';
import type { EndpointContext } from '../endpoint.ts';
import { RelationEndpoint, type RelationListOptions, type RelationMode } from './relation-endpoint.ts';
import { MEMBERS } from './relation-kind.ts';

/** Options of every channel-member call. */
export interface MembersOptions extends RelationListOptions {
  /** The channel (required). */
  channel?: string;
  /** What to return with each member. */
  include?: MemberIncludes;
  /** Return each user's metadata (`UUID`), with its `custom` (`UUID_WITH_CUSTOM`). */
  includeUUID?: UUIDIncludeEndpoint;
}

/** A user to add or remove: a {@link PNUUID}, or just the user id. */
export type UUIDInput<TCustom> = PNUUID<TCustom> | string;

export interface SetChannelMembersOptions<TCustom = CustomData> extends MembersOptions {
  /** The users to add to the channel (or update). */
  uuids?: ReadonlyArray<UUIDInput<TCustom>>;
}

export interface RemoveChannelMembersOptions extends MembersOptions {
  /** The users to remove from the channel. */
  uuids?: ReadonlyArray<UUIDInput<unknown>>;
}

export interface ManageChannelMembersOptions<TCustom = CustomData> extends MembersOptions {
  /** The users to add to the channel (or update). */
  set?: ReadonlyArray<UUIDInput<TCustom>>;
  /** The users to remove from the channel. */
  remove?: ReadonlyArray<UUIDInput<unknown>>;
}

/** The documented names every channel-member call shares. */
export abstract class MembersEndpoint<TCustom, TUUIDCustom> extends RelationEndpoint<Member<TCustom, TUUIDCustom>, TCustom> {
  constructor(context: EndpointContext, mode: RelationMode, options: MembersOptions) {
    super(context, MEMBERS, mode, options);
    if (options.include !== undefined) this.include(options.include);
    // Flat flags after `include`, so they win as they would when chained after it.
    if (options.includeCustom !== undefined) this.includeCustom(options.includeCustom);
    if (options.includeTotalCount !== undefined) this.includeTotalCount(options.includeTotalCount);
    if (options.includeUUID !== undefined) this.includeUUID(options.includeUUID);
  }

  /** The channel (required). */
  channel(channel: string): this {
    return this.owner(channel);
  }

  /** What to return with each member; replaces earlier include flags. */
  include(includes: MemberIncludes): this {
    return this.withIncludes(
      {
        custom: includes.custom,
        status: includes.status,
        type: includes.type,
        related: includes.user,
        relatedCustom: includes.userCustom,
        relatedStatus: includes.userStatus,
        relatedType: includes.userType,
      },
      includes.totalCount,
    );
  }

  /** Return each user's metadata (`UUID`), with its `custom` (`UUID_WITH_CUSTOM`). */
  includeUUID(level: UUIDIncludeEndpoint): this {
    return this.withRelated(level);
  }
}

/**
 * `getChannelMembers`: one page of a channel's users.
 * @example await client.getChannelMembers().channel('lobby').include(new MemberIncludes({ custom: true, user: true })).sync();
 */
export class GetChannelMembers<TCustom = CustomData, TUUIDCustom = CustomData> extends MembersEndpoint<TCustom, TUUIDCustom> {
  constructor(context: EndpointContext, options: MembersOptions = {}) {
    super(context, 'get', options);
  }
}

/**
 * `setChannelMembers`: adds users to a channel (or updates them) and returns the channel's
 * members after the change.
 * @example await client.setChannelMembers().channel('lobby').uuids([PNUUID.uuid('ann')]).sync();
 */
export class SetChannelMembers<TCustom = CustomData, TUUIDCustom = CustomData> extends MembersEndpoint<TCustom, TUUIDCustom> {
  constructor(context: EndpointContext, options: SetChannelMembersOptions<TCustom> = {}) {
    super(context, 'set', options);
    if (options.uuids !== undefined) this.uuids(options.uuids);
  }

  /** The users to add to the channel (or update). */
  uuids(uuids: ReadonlyArray<UUIDInput<TCustom>>): this {
    return this.setItems(uuids);
  }
}

/**
 * `removeChannelMembers`: removes users from a channel and returns the remaining members.
 * @example await client.removeChannelMembers().channel('lobby').uuids([PNUUID.uuid('ann')]).sync();
 */
export class RemoveChannelMembers<TCustom = CustomData, TUUIDCustom = CustomData> extends MembersEndpoint<TCustom, TUUIDCustom> {
  constructor(context: EndpointContext, options: RemoveChannelMembersOptions = {}) {
    super(context, 'remove', options);
    if (options.uuids !== undefined) this.uuids(options.uuids);
  }

  /** The users to remove from the channel. */
  uuids(uuids: ReadonlyArray<UUIDInput<unknown>>): this {
    return this.removeItems(uuids);
  }
}

/**
 * `manageChannelMembers`: adds and removes members in one request.
 * @example await client.manageChannelMembers().channel('lobby').set([PNUUID.uuid('ann')]).remove([PNUUID.uuid('bob')]).sync();
 */
export class ManageChannelMembers<TCustom = CustomData, TUUIDCustom = CustomData> extends MembersEndpoint<TCustom, TUUIDCustom> {
  constructor(context: EndpointContext, options: ManageChannelMembersOptions<TCustom> = {}) {
    super(context, 'manage', options);
    if (options.set !== undefined) this.set(options.set);
    if (options.remove !== undefined) this.remove(options.remove);
  }

  /** The users to add to the channel (or update). */
  set(uuids: ReadonlyArray<UUIDInput<TCustom>>): this {
    return this.setItems(uuids);
  }

  /** The users to remove from the channel. */
  remove(uuids: ReadonlyArray<UUIDInput<unknown>>): this {
    return this.removeItems(uuids);
  }
}
