/** The stored shapes of users, channels and memberships, as the domain and the stores see them. */
export type CustomValue = string | number | boolean | null;
export type Custom = Record<string, CustomValue>;

export interface UuidRecord {
  id: string;
  name: string | null;
  externalId: string | null;
  profileUrl: string | null;
  email: string | null;
  status: string | null;
  type: string | null;
  custom: Custom | null;
  /** Stored form: fixed-width microseconds, see `instant.ts`. */
  updated: string;
  eTag: string;
}

export interface ChannelRecord {
  id: string;
  name: string | null;
  description: string | null;
  status: string | null;
  type: string | null;
  custom: Custom | null;
  updated: string;
  eTag: string;
}

export interface MembershipRecord {
  uuidId: string;
  channelId: string;
  status: string | null;
  type: string | null;
  custom: Custom | null;
  updated: string;
  eTag: string;
}

/** A membership listed with the metadata of the related object, when that object exists. */
export interface MembershipRow extends MembershipRecord {
  uuid?: UuidRecord | null;
  channel?: ChannelRecord | null;
}

export type ObjectKind = 'uuid' | 'channel';
export type ObjectRecord<K extends ObjectKind> = K extends 'uuid' ? UuidRecord : ChannelRecord;

/** The writable fields of each object kind, in PubNub's key order. */
export const UUID_FIELDS = ['name', 'externalId', 'profileUrl', 'email', 'status', 'type', 'custom'] as const;
export const CHANNEL_FIELDS = ['name', 'description', 'status', 'type', 'custom'] as const;
export const MEMBERSHIP_FIELDS = ['status', 'type', 'custom'] as const;

export type UuidPatch = Partial<Pick<UuidRecord, (typeof UUID_FIELDS)[number]>>;
export type ChannelPatch = Partial<Pick<ChannelRecord, (typeof CHANNEL_FIELDS)[number]>>;
export type MembershipPatch = Partial<Pick<MembershipRecord, (typeof MEMBERSHIP_FIELDS)[number]>>;
