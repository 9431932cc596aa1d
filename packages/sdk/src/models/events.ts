import type { ChannelMetadata, CustomData, UUIDMetadata } from './objects.ts';
import type { PNStatus } from './status.ts';

/** Where an event arrived: the channel, the subscription that matched it and its timetoken. */
export interface PNEventOrigin {
  /** The channel the event was published on. */
  readonly channel: string;
  /** The name you subscribed with that matched (the channel itself, for plain channel subscriptions). */
  readonly subscription: string;
  /** The publish timetoken, a 17-digit string. */
  readonly timetoken: string;
}

/** A message published with `publish()`. */
export interface PNMessageEvent<TMessage = unknown> extends PNEventOrigin {
  readonly message: TMessage;
  /** The publisher's user id. */
  readonly publisher: string | undefined;
  /** The `meta` the publisher attached, if any. */
  readonly userMetadata: unknown;
  /** The `customMessageType` the publisher gave, if any. */
  readonly customMessageType?: string;
}

/** A membership as it appears in an event: ids of both sides plus the fields that were written. */
export interface MembershipEventData<TCustom = CustomData> {
  readonly uuid: { readonly id: string };
  readonly channel: { readonly id: string };
  readonly custom?: TCustom | null;
  readonly status?: string | null;
  readonly type?: string | null;
  readonly updated?: string;
  readonly eTag?: string;
}

/**
 * What changed. A `set` carries `id`, `updated`, `eTag` and only the fields the write touched,
 * so merge it into what you hold instead of replacing; a `delete` carries just the ids.
 */
export type PNObjectsEventPayload<TCustom = CustomData> = { readonly source: 'objects'; readonly version: string } & (
  | { readonly event: 'set'; readonly type: 'uuid'; readonly data: Partial<UUIDMetadata<TCustom>> & { readonly id: string } }
  | { readonly event: 'delete'; readonly type: 'uuid'; readonly data: { readonly id: string } }
  | { readonly event: 'set'; readonly type: 'channel'; readonly data: Partial<ChannelMetadata<TCustom>> & { readonly id: string } }
  | { readonly event: 'delete'; readonly type: 'channel'; readonly data: { readonly id: string } }
  | { readonly event: 'set' | 'delete'; readonly type: 'membership'; readonly data: MembershipEventData<TCustom> }
);

/**
 * An App Context change: a user, channel or membership was set or deleted. Users' events
 * arrive on the channel named after the user id, channels' and memberships' on the channel
 * named after the channel id (memberships also on the user's).
 */
export interface PNObjectsEvent<TCustom = CustomData> extends PNEventOrigin {
  readonly message: PNObjectsEventPayload<TCustom>;
}

/** A signal (a small, unstored message) sent with `signal()`. */
export interface PNSignalEvent<TMessage = unknown> extends PNEventOrigin {
  readonly message: TMessage;
  /** The sender's user id. */
  readonly publisher: string | undefined;
  /** The `customMessageType` the sender gave, if any. */
  readonly customMessageType?: string;
}

/** An action added to or removed from a message, as `data` of a {@link PNMessageActionEvent} gives it. */
export interface PNMessageActionEventData {
  readonly type: string;
  readonly value: string;
  /** Who added or removed the action. */
  readonly uuid: string | undefined;
  readonly actionTimetoken: string;
  readonly messageTimetoken: string;
}

/**
 * A message action was added (`addMessageAction`) or removed (`removeMessageAction`) on a
 * channel you subscribe to. `timetoken` is the event's own timetoken.
 */
export interface PNMessageActionEvent extends PNEventOrigin {
  readonly event: 'added' | 'removed';
  /** Who added or removed the action. */
  readonly publisher: string | undefined;
  readonly data: PNMessageActionEventData;
}

/** What happened in a {@link PNPresenceEvent}. */
export type PNPresenceAction = 'join' | 'leave' | 'timeout' | 'state-change' | 'interval';

/**
 * Someone joined, left, timed out or changed state on a channel whose presence you subscribe
 * to (`subscribe().channels([…]).withPresence()`), or, for a busy channel, the periodic
 * `interval` summary. Fields as PubNub's JavaScript SDK gives them (Python's
 * `PNPresenceEventResult`, whose `event` is `action` here). `channel` is the channel itself
 * (without `-pnpres`); `subscription` is the presence name that matched (`room-pnpres`, or a
 * group's `rooms-pnpres`); `timetoken` is the event's.
 */
export interface PNPresenceEvent extends PNEventOrigin {
  readonly action: PNPresenceAction;
  /** Who joined, left, timed out or changed state; absent on `interval`. */
  readonly uuid?: string;
  /** How many are present on the channel after the change. */
  readonly occupancy: number;
  /** When it happened, in Unix seconds. */
  readonly timestamp: number;
  /** The user's presence state: on `state-change`, and on `join` when the user joined with state. */
  readonly state?: Readonly<Record<string, unknown>>;
  /** `interval` only: who joined, left or timed out since the last interval. */
  readonly join?: readonly string[];
  readonly leave?: readonly string[];
  readonly timeout?: readonly string[];
  /** `interval` only: too much changed to list; call `hereNow` for the channel. */
  readonly hereNowRefresh?: boolean;
}

/**
 * Callbacks for real-time events; give any subset to `addListener`.
 * @example
 * client.addListener({
 *   objects: (event) => console.log(event.message.type, event.message.event, event.message.data),
 *   status: (status) => { if (status.category === PNStatusCategory.PNConnectedCategory) ready(); },
 * });
 */
export interface Listener {
  message?(event: PNMessageEvent): void;
  objects?(event: PNObjectsEvent): void;
  signal?(event: PNSignalEvent): void;
  messageAction?(event: PNMessageActionEvent): void;
  /** Presence events of the channels and groups subscribed to `withPresence()`. */
  presence?(event: PNPresenceEvent): void;
  /** Connection changes of the subscribe loop: connected, reconnected, disconnected, errors. */
  status?(status: PNStatus): void;
}
