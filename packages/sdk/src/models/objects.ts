/** A value allowed in `custom`: PubNub keeps `custom` flat, with scalar values only. */
export type CustomValue = string | number | boolean | null;

/** The default shape of `custom`; pass your own type as a generic to get it back typed. */
export type CustomData = Record<string, CustomValue>;

/**
 * A user's metadata as the server returns it. `status`, `type` and `custom` are present only
 * when the call asked for them (`includeStatus` and `includeType`, on by default; `includeCustom`).
 */
export interface UUIDMetadata<TCustom = CustomData> {
  readonly id: string;
  readonly name: string | null;
  readonly externalId: string | null;
  readonly profileUrl: string | null;
  readonly email: string | null;
  readonly status?: string | null;
  readonly type?: string | null;
  readonly custom?: TCustom | null;
  /** RFC 3339 time of the last change, e.g. `2024-03-07T08:49:07.011608Z`. */
  readonly updated: string;
  /** Opaque version tag; pass it to `ifMatchesEtag` for a conditional update. */
  readonly eTag: string;
}

/** A channel's metadata as the server returns it; see {@link UUIDMetadata} for the optional fields. */
export interface ChannelMetadata<TCustom = CustomData> {
  readonly id: string;
  readonly name: string | null;
  readonly description: string | null;
  readonly status?: string | null;
  readonly type?: string | null;
  readonly custom?: TCustom | null;
  readonly updated: string;
  readonly eTag: string;
}

/**
 * The channel (or user) a membership points at: just `{ id }` unless the call asked for the
 * related object, and still just `{ id }` when no metadata is stored for it.
 */
export type Related<TObject extends { readonly id: string }> = Pick<TObject, 'id'> & Partial<Omit<TObject, 'id'>>;

/** One channel a user belongs to (`getMemberships` and friends). */
export interface Membership<TCustom = CustomData, TChannelCustom = CustomData> {
  readonly channel: Related<ChannelMetadata<TChannelCustom>>;
  readonly status?: string | null;
  readonly type?: string | null;
  readonly custom?: TCustom | null;
  readonly updated: string;
  readonly eTag: string;
}

/** One user in a channel (`getChannelMembers` and friends). */
export interface Member<TCustom = CustomData, TUUIDCustom = CustomData> {
  readonly uuid: Related<UUIDMetadata<TUUIDCustom>>;
  readonly status?: string | null;
  readonly type?: string | null;
  readonly custom?: TCustom | null;
  readonly updated: string;
  readonly eTag: string;
}
