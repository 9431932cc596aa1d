/**
 * Where presence lives: who is present on which channel of a keyset until when, with their state.
 * One node keeps it in process (`MemoryPresenceStore`); a cluster shares it in Redis
 * (`RedisPresenceStore`), so that heartbeats landing on different nodes count as one user and a
 * dead node's users still time out (any live node's sweep claims them). Every method is atomic
 * against the others, across every node sharing the store. The store decides nothing: the
 * presence service (service.ts) turns what it reports into events. A store that cannot be
 * reached rejects with a 503 (`PRESENCE_UNAVAILABLE`).
 */

/** A presence state: a JSON object, as PubNub's `state` parameter carries it. */
export type PresenceState = Record<string, unknown>;

/** A channel and how many uuids are present on it right after a change. */
export interface ChannelOccupancy {
  channel: string;
  occupancy: number;
}

/** A uuid that stopped being present on a channel because its heartbeat window ran out. */
export interface ExpiredPresence {
  subKey: string;
  channel: string;
  uuid: string;
  /** Present on the channel after it went. */
  occupancy: number;
  /**
   * When this hand-out's lease ends (ms): it names the hand-out, so that `announced` settles it
   * and not a later claim on the same presence (a rejoin and a second timeout, or a re-offer).
   */
  leaseUntil: number;
}

/** One present uuid, as here-now lists it. */
export interface PresentUuid {
  uuid: string;
  /** Its state on the channel; only when asked for (`withState`) and one is set. */
  state?: PresenceState;
}

/** What a heartbeat changed. */
export interface HeartbeatOutcome {
  /** Channels the uuid was not present on before: joins, with the occupancy after. */
  joined: ChannelOccupancy[];
  /** Channels whose state the heartbeat set to something other than what was stored, with the occupancy. */
  stateChanged: ChannelOccupancy[];
}

/**
 * How long a heartbeat keeps a uuid present (`PresenceStore.heartbeat`), all in milliseconds.
 * PubNub clients send their timeout (`heartbeat`) on heartbeats but not always on subscribe polls
 * (the JS event engine does not), so a poll without one keeps the timeout last given.
 */
export interface HeartbeatWindow {
  /** Now, since the epoch. */
  now: number;
  /** The timeout asked for; remembered for the uuid on each channel. Absent: the remembered one. */
  timeoutMs?: number | undefined;
  /** The timeout where none is given or remembered (the uuid was not present on the channel). */
  defaultTimeoutMs: number;
}

/** A presence change kept for a channel's next interval event (presence deltas). */
export type DeltaKind = 'join' | 'leave' | 'timeout';

/** What one interval of a channel in interval mode gathered (`PresenceStore.interval`). */
export interface IntervalDue {
  occupancy: number;
  join: string[];
  leave: string[];
  timeout: string[];
  /** More changes happened than were kept (`maxDeltas`): clients should ask here-now instead. */
  overflow: boolean;
}

export interface PresenceStore {
  /**
   * Marks `uuid` present on each of `channels` for a while from `window.now`, replacing any
   * earlier expiry: `window.timeoutMs` when given (which is then remembered for the uuid on each
   * of those channels), else the timeout remembered for the uuid on the channel, else (the uuid
   * was not present there) `window.defaultTimeoutMs`, remembered in turn. What is remembered goes
   * with the presence (leave, expire). `state` (per channel) replaces the stored state of those channels.
   */
  heartbeat(
    subKey: string,
    uuid: string,
    channels: readonly string[],
    window: HeartbeatWindow,
    state?: ReadonlyMap<string, PresenceState>,
  ): Promise<HeartbeatOutcome>;
  /**
   * A heartbeat without state that changes nothing but expiries, done at once: when `uuid` is
   * present on each of `channels` (distinct), extends each as `heartbeat` does and returns true;
   * otherwise (a join to come, or the store closed) changes nothing and returns false, and
   * `heartbeat` is the way. Only a store that can answer without waiting (in-process) has it.
   */
  refresh?(subKey: string, uuid: string, channels: readonly string[], window: HeartbeatWindow): boolean;
  /** Removes `uuid` (and its state) from `channels`; resolves with those it was present on, with the occupancy after. */
  leave(subKey: string, uuid: string, channels: readonly string[]): Promise<ChannelOccupancy[]>;
  /**
   * Removes presences whose expiry is at or before `now` (ms), oldest expiry first, and hands
   * each to exactly one caller, whichever node calls. Their state goes too. States kept for absent
   * uuids are not touched: `forgetStates` removes those.
   *
   * Each presence handed out stays a claim until `now + leaseMs` (ms): one not settled by
   * `announced` by then is handed out again by the first later `expire` whose `now` is at or past
   * that deadline (on any node, leased again), with the channel's occupancy at that time. A claim
   * whose uuid joined the channel again meanwhile is dropped instead (the join came after it). So
   * a timeout is handed out at least once per lease until announced, whatever happens to the
   * caller that took it (lost reply, failed announce, dead node). Claims due again come first, then
   * new expiries; at most `limit` in all. `leaseMs` is required: a caller that never settles would
   * otherwise be a silent at-most-once.
   */
  expire(now: number, limit: number, leaseMs: number): Promise<ExpiredPresence[]>;
  /**
   * Settles claims handed out by `expire` (their timeouts went out): they are not handed out
   * again. A claim is named by its subKey, channel and uuid and the lease of that hand-out
   * (`leaseUntil`; `occupancy` is ignored): a claim handed out since under a later lease is left
   * alone. Idempotent; claims it does not hold (settled already, dropped, never made) are ignored.
   */
  announced(claims: readonly ExpiredPresence[]): Promise<void>;
  /**
   * Removes states kept for channels their uuid is not present on (`setState`) whose `keepUntil`
   * is at or before `now` (ms), earliest `keepUntil` first, at most `limit`; resolves with how
   * many went. Each is removed by exactly one caller, whichever node calls. States of present
   * uuids are left alone (they go with the presence).
   */
  forgetStates(now: number, limit: number): Promise<number>;
  /** How many uuids are present on each channel (0 for none). */
  occupancy(subKey: string, channels: readonly string[]): Promise<Map<string, number>>;
  /** The uuids present on `channel` sorted by uuid (code points), skipping `offset`, at most `limit`. */
  present(subKey: string, channel: string, offset: number, limit: number, withState: boolean): Promise<PresentUuid[]>;
  /** The channels `uuid` is present on, sorted by name. */
  whereNow(subKey: string, uuid: string): Promise<string[]>;
  /**
   * Sets `uuid`'s state on `channels` (an empty object clears it). It is kept while the uuid is
   * present there, or until `keepUntil` (ms) when it is not. Resolves with the channels whose
   * state changed and on which the uuid is present, with their occupancy.
   */
  setState(subKey: string, uuid: string, channels: readonly string[], state: PresenceState, keepUntil: number): Promise<ChannelOccupancy[]>;
  /** `uuid`'s state on each of `channels` that has one. */
  getState(subKey: string, uuid: string, channels: readonly string[]): Promise<Map<string, PresenceState>>;
  /**
   * Interval mode. Notes that `channel` is past its keyset's announce max: its joins, leaves and
   * timeouts go out in interval events until `interval` finds it back under (`quiet`). Idempotent.
   */
  markBusy(subKey: string, channel: string): Promise<void>;
  /** The channels of every keyset in interval mode. */
  busy(): Promise<{ subKey: string; channel: string }[]>;
  /**
   * Keeps a change of `channel` for its next interval (at most `maxDeltas` per channel; past that,
   * `overflow`), marking it busy as `markBusy` does in the same step: an interval that ends the
   * mode between a caller's `markBusy` and this call cannot make the change go unreported.
   */
  noteDelta(subKey: string, channel: string, kind: DeltaKind, uuid: string, maxDeltas: number): Promise<void>;
  /**
   * Claims `channel`'s interval event at `now` (ms) when the last claim was at least `everyMs`
   * before (or none was): resolves with its occupancy and the changes kept since, which it
   * forgets; `undefined` when the interval is not due or another node claimed it. When the
   * occupancy is `quiet` or fewer, the channel leaves interval mode (no longer `busy`).
   */
  interval(subKey: string, channel: string, now: number, everyMs: number, quiet: number): Promise<IntervalDue | undefined>;
  /** Resolves once the store has answered a trivial request; rejects with why it cannot (for `GET /ready`). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
