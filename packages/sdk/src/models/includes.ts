/** Flags of {@link MembershipIncludes}; all default to `false`. */
export interface MembershipIncludesOptions {
  /** Ask for `totalCount` in the response (sent as `count=true`). */
  totalCount?: boolean;
  /** The membership's own `custom`. */
  custom?: boolean;
  /** The membership's own `status`. */
  status?: boolean;
  /** The membership's own `type`. */
  type?: boolean;
  /** The channel's metadata object instead of just its id. */
  channel?: boolean;
  channelCustom?: boolean;
  channelType?: boolean;
  channelStatus?: boolean;
}

/**
 * What to return with each membership of `getMemberships`, `setMemberships`,
 * `removeMemberships` and `manageMemberships`.
 * @example client.getMemberships().include(new MembershipIncludes({ custom: true, channel: true, channelCustom: true }))
 */
export class MembershipIncludes {
  readonly totalCount: boolean;
  readonly custom: boolean;
  readonly status: boolean;
  readonly type: boolean;
  readonly channel: boolean;
  readonly channelCustom: boolean;
  readonly channelType: boolean;
  readonly channelStatus: boolean;

  constructor(options: MembershipIncludesOptions = {}) {
    this.totalCount = options.totalCount ?? false;
    this.custom = options.custom ?? false;
    this.status = options.status ?? false;
    this.type = options.type ?? false;
    this.channel = options.channel ?? false;
    this.channelCustom = options.channelCustom ?? false;
    this.channelType = options.channelType ?? false;
    this.channelStatus = options.channelStatus ?? false;
  }
}

/** Flags of {@link MemberIncludes}; all default to `false`. */
export interface MemberIncludesOptions {
  /** Ask for `totalCount` in the response (sent as `count=true`). */
  totalCount?: boolean;
  /** The member's own `custom`. */
  custom?: boolean;
  /** The member's own `status`. */
  status?: boolean;
  /** The member's own `type`. */
  type?: boolean;
  /** The user's metadata object instead of just its id. */
  user?: boolean;
  userCustom?: boolean;
  userType?: boolean;
  userStatus?: boolean;
}

/**
 * What to return with each member of `getChannelMembers`, `setChannelMembers`,
 * `removeChannelMembers` and `manageChannelMembers`.
 * @example client.getChannelMembers({ channel: 'lobby', include: new MemberIncludes({ custom: true, user: true, userCustom: true }) })
 */
export class MemberIncludes {
  readonly totalCount: boolean;
  readonly custom: boolean;
  readonly status: boolean;
  readonly type: boolean;
  readonly user: boolean;
  readonly userCustom: boolean;
  readonly userType: boolean;
  readonly userStatus: boolean;

  constructor(options: MemberIncludesOptions = {}) {
    this.totalCount = options.totalCount ?? false;
    this.custom = options.custom ?? false;
    this.status = options.status ?? false;
    this.type = options.type ?? false;
    this.user = options.user ?? false;
    this.userCustom = options.userCustom ?? false;
    this.userType = options.userType ?? false;
    this.userStatus = options.userStatus ?? false;
  }
}

/**
 * How much of each channel `removeMemberships` (and the other membership calls) returns.
 * @example client.removeMemberships().includeChannel(ChannelIncludeEndpoint.CHANNEL_WITH_CUSTOM)
 */
export const ChannelIncludeEndpoint = {
  /** The channel's metadata without `custom`. */
  CHANNEL: 1,
  /** The channel's metadata with `custom`. */
  CHANNEL_WITH_CUSTOM: 2,
} as const;

export type ChannelIncludeEndpoint = (typeof ChannelIncludeEndpoint)[keyof typeof ChannelIncludeEndpoint];

/**
 * How much of each user `removeChannelMembers` (and the other member calls) returns.
 * @example client.removeChannelMembers().includeUUID(UUIDIncludeEndpoint.UUID_WITH_CUSTOM)
 */
export const UUIDIncludeEndpoint = {
  /** The user's metadata without `custom`. */
  UUID: 1,
  /** The user's metadata with `custom`. */
  UUID_WITH_CUSTOM: 2,
} as const;

export type UUIDIncludeEndpoint = (typeof UUIDIncludeEndpoint)[keyof typeof UUIDIncludeEndpoint];
