/**
 * The App Context objects as the server returns them. Their shapes are the protocol's
 * (`@roster/protocol`), the same types the server writes; the names are the SDK's.
 */
import type { ChannelObject, CustomData, CustomValue, MemberObject, MembershipObject, RelatedObject, UserObject } from '@roster/protocol';

/**
 * `CustomValue`: a value allowed in `custom` (PubNub keeps `custom` flat, with scalar values
 * only). `CustomData`: the default shape of `custom`; pass your own type as a generic to get
 * it back typed.
 */
export type { CustomData, CustomValue };

/**
 * A user's metadata as the server returns it: `id`, `name`, `externalId`, `profileUrl`,
 * `email`, `updated` (RFC 3339) and `eTag` (pass it to `ifMatchesEtag` for a conditional
 * update). `status`, `type` and `custom` are present only when the call asked for them
 * (`includeStatus` and `includeType`, on by default; `includeCustom`).
 */
export type UUIDMetadata<TCustom = CustomData> = UserObject<TCustom>;

/** A channel's metadata as the server returns it; see {@link UUIDMetadata} for the optional fields. */
export type ChannelMetadata<TCustom = CustomData> = ChannelObject<TCustom>;

/**
 * The channel (or user) a membership points at: just `{ id }` unless the call asked for the
 * related object, and still just `{ id }` when no metadata is stored for it.
 */
export type Related<TObject extends { readonly id: string }> = RelatedObject<TObject>;

/** One channel a user belongs to (`getMemberships` and friends). */
export type Membership<TCustom = CustomData, TChannelCustom = CustomData> = MembershipObject<TCustom, TChannelCustom>;

/** One user in a channel (`getChannelMembers` and friends). */
export type Member<TCustom = CustomData, TUUIDCustom = CustomData> = MemberObject<TCustom, TUUIDCustom>;
