/**
 * Stored messages and message actions as the messaging calls return them. Field names follow
 * PubNub's JavaScript SDK; every timetoken is a 17-digit string.
 */

/** One action of a message, as `getMessageActions`, `addMessageAction` and action events give it. */
export interface PNMessageAction {
  /** What kind of action, e.g. `reaction` or `receipt` (at most 15 characters). */
  readonly type: string;
  /** The action's value, e.g. `smiley_face`. */
  readonly value: string;
  /** Who added the action. */
  readonly uuid: string;
  /** When the action was added. */
  readonly actionTimetoken: string;
  /** The message the action belongs to. */
  readonly messageTimetoken: string;
}

/** What `addMessageAction` adds. Python's `PNMessageAction(type, value, message_timetoken)`. */
export interface PNMessageActionInput {
  readonly type: string;
  readonly value: string;
  /** The message to add it to; may instead be given with `.messageTimetoken()`. */
  readonly messageTimetoken?: string | number | bigint;
}

/** Who added one action value and when. */
export interface PNMessageActionRef {
  readonly uuid: string;
  readonly actionTimetoken: string;
}

/**
 * A message's actions as `fetchMessages` returns them with `includeMessageActions`:
 * action type → value → who added it.
 * @example { reaction: { smiley_face: [{ uuid: 'ann', actionTimetoken: '17…' }] } }
 */
export type PNMessageActions = Readonly<Record<string, Readonly<Record<string, readonly PNMessageActionRef[]>>>>;

/** One stored message, oldest first within its channel. Optional fields are present only when asked for and stored. */
export interface PNFetchMessageItem<TMessage = unknown> {
  /** The channel it was published on. */
  readonly channel: string;
  readonly message: TMessage;
  /** When it was published. */
  readonly timetoken: string;
  /** The publisher's user id (`includeUUID`, on by default). */
  readonly uuid?: string;
  /** The `meta` it was published with (`includeMeta`). */
  readonly meta?: unknown;
  /** PubNub's `message_type` (`includeMessageType`, on by default): `null` for a message, `4` for a file message. */
  readonly messageType?: number | null;
  /** The type given at publish (`includeCustomMessageType`). */
  readonly customMessageType?: string;
  /** Its actions (`includeMessageActions`). */
  readonly actions?: PNMessageActions;
}

/** Where to continue when a history answer was cut short (`more` of PubNub's answer). */
export interface PNFetchMessagesMore {
  /** The request for the rest, as a path and query. */
  readonly url: string;
  /** Pass as `start` to fetch the next (older) page. */
  readonly start: string;
  readonly max: number;
}

/** Where to continue when a `getMessageActions` answer was cut short. */
export interface PNMessageActionsMore {
  readonly url: string;
  readonly start: string;
  readonly end?: string;
  readonly limit?: number;
}
