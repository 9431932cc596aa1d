/**
 * JSON shapes on the wire: App Context objects and their answers, error bodies, and subscribe
 * answers. The server writes them, the SDK reads them. Written as type aliases, not interfaces,
 * so a value of one is also a `Record<string, unknown>`.
 */

/** A value allowed in `custom`: PubNub keeps `custom` flat, with scalar values only. */
export type CustomValue = string | number | boolean | null;

/** The default shape of `custom`. */
export type CustomData = Record<string, CustomValue>;

/**
 * A user (`uuid`) as answered. `status`, `type` and `custom` are present only when the call
 * asked for them (`include=status,type,custom`).
 */
export type UserObject<TCustom = CustomData> = {
  readonly id: string;
  readonly name: string | null;
  readonly externalId: string | null;
  readonly profileUrl: string | null;
  readonly email: string | null;
  readonly status?: string | null;
  readonly type?: string | null;
  readonly custom?: TCustom | null;
  /** RFC 3339 time of the last change with microseconds, e.g. `2024-03-07T08:49:07.011608Z`. */
  readonly updated: string;
  /** Opaque version tag, for `If-Match`. */
  readonly eTag: string;
};

/** A channel as answered; see {@link UserObject} for the optional fields. */
export type ChannelObject<TCustom = CustomData> = {
  readonly id: string;
  readonly name: string | null;
  readonly description: string | null;
  readonly status?: string | null;
  readonly type?: string | null;
  readonly custom?: TCustom | null;
  readonly updated: string;
  readonly eTag: string;
};

/**
 * The channel (or user) a membership points at: just `{ id }` unless the call asked for the
 * related object, and still just `{ id }` when no metadata is stored for it.
 */
export type RelatedObject<TObject extends { readonly id: string }> = Pick<TObject, 'id'> & Partial<Omit<TObject, 'id'>>;

/** One channel a user belongs to. */
export type MembershipObject<TCustom = CustomData, TChannelCustom = CustomData> = {
  readonly channel: RelatedObject<ChannelObject<TChannelCustom>>;
  readonly status?: string | null;
  readonly type?: string | null;
  readonly custom?: TCustom | null;
  readonly updated: string;
  readonly eTag: string;
};

/** One user in a channel. */
export type MemberObject<TCustom = CustomData, TUserCustom = CustomData> = {
  readonly uuid: RelatedObject<UserObject<TUserCustom>>;
  readonly status?: string | null;
  readonly type?: string | null;
  readonly custom?: TCustom | null;
  readonly updated: string;
  readonly eTag: string;
};

/** A single-object answer: `{"status":200,"data":{...}}`. */
export type ObjectBody<TData> = {
  readonly status: 200;
  readonly data: TData;
};

/**
 * A page of a list: `next` whenever the page has rows (clients stop on an empty page), `prev`
 * past the first page, `totalCount` when asked for (`count=true`).
 */
export type ListBody<TItem> = {
  readonly status: 200;
  readonly data: readonly TItem[];
  readonly totalCount?: number;
  readonly next?: string;
  readonly prev?: string;
};

/** Where an error detail's field sits. */
export type LocationType = 'body' | 'query' | 'path' | 'header';

/** One entry of an error's `details`: which field is at fault and why. */
export type ErrorDetail = {
  message: string;
  location: string;
  locationType: LocationType;
};

/** App Context's error body: `{"status":400,"error":{"message":…,"source":"objects","details":[…]}}`. */
export type ObjectsErrorBody = {
  readonly status: number;
  readonly error: {
    readonly message: string;
    readonly source: 'objects';
    readonly details?: readonly ErrorDetail[];
  };
};

/**
 * The error body of publish, subscribe, presence, time and Access Manager refusals:
 * `{"message":…,"error":true,"service":"Access Manager","status":403}`, with `payload` naming
 * the refused resources where there are any.
 */
export type ServiceErrorBody = {
  readonly message: string;
  readonly payload?: unknown;
  readonly error: true;
  readonly service: string;
  readonly status: number;
};

/** A publish answer: `[1,"Sent","17…"]`, or `[0,"reason",…]` for a refused message. */
export type PublishBody = readonly [0 | 1, string, ...string[]];

/** The `e` of a subscribe envelope; absent means a message. */
export const MESSAGE_TYPE = {
  message: 0,
  signal: 1,
  appContext: 2,
  messageAction: 3,
  file: 4,
} as const;

/** A timetoken with its region: `{"t":"17…","r":1}`. `t` is a 17-digit string, never a number. */
export type TimetokenWire = {
  readonly t: string;
  readonly r?: number;
};

/** One item of a subscribe answer's `m`. Fields a client does not need are optional. */
export type SubscribeEnvelope = {
  /** Shard. */
  readonly a?: string;
  /** Flags. */
  readonly f?: number;
  /** {@link MESSAGE_TYPE}; absent for a message. */
  readonly e?: number;
  /** Publisher's user id. */
  readonly i?: string;
  /** Publish timetoken. */
  readonly p: TimetokenWire;
  /** Subscribe key. */
  readonly k?: string;
  /** Actual channel. */
  readonly c: string;
  /** Publish `meta`. */
  readonly u?: unknown;
  /** Payload: the message, or the App Context event. */
  readonly d: unknown;
  /** Custom message type. */
  readonly cmt?: string;
  /** Subscription match (channel group, wildcard, or the channel itself). */
  readonly b?: string;
};

/** A subscribe answer: the cursor to poll from next, and the envelopes since the last one. */
export type SubscribeBody = {
  readonly t: TimetokenWire;
  readonly m: readonly SubscribeEnvelope[];
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether `value` is a timetoken as the wire carries it: a string of 1 to 20 decimal digits
 * (a 64-bit unsigned count of 100 ns ticks has at most 20). Anything else (`""`, `"abc/../x"`,
 * an object) would be sent back as `tt=` or handed to listeners, so it is refused.
 */
export function isTimetoken(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,20}$/.test(value);
}

/**
 * Whether `value` is an envelope a client can deliver: a string `c` and a `p` whose `t` is a
 * timetoken ({@link isTimetoken}). `p.t` may arrive as a number from servers that write
 * timetokens as JSON numbers: a non-negative integer is taken; read it with `String(p.t)`.
 */
export function isSubscribeEnvelope(value: unknown): value is SubscribeEnvelope {
  if (!isRecord(value) || typeof value['c'] !== 'string' || !isRecord(value['p'])) return false;
  const t = value['p']['t'];
  return isTimetoken(typeof t === 'number' && Number.isInteger(t) ? String(t) : t);
}
