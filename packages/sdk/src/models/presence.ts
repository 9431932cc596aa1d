/**
 * Presence as the presence calls return it. Names follow PubNub's Python SDK
 * (`PNHereNowChannelData`, `PNHereNowOccupantData`), camel-cased.
 */

/** A user's presence state on a channel: a flat JSON object of your own (e.g. `{ mood: 'busy' }`). */
export type PNPresenceState = Readonly<Record<string, unknown>>;

/** One user present on a channel. */
export interface PNHereNowOccupantData {
  readonly uuid: string;
  /** Its state on the channel when `includeState` was asked and it has one; otherwise `null`. */
  readonly state: PNPresenceState | null;
}

/** One channel of a `hereNow` answer. */
export interface PNHereNowChannelData {
  readonly channelName: string;
  /** How many users are present. */
  readonly occupancy: number;
  /** Who they are (up to `limit`, from `offset`); empty with `includeUUIDs(false)`. */
  readonly occupants: readonly PNHereNowOccupantData[];
}
