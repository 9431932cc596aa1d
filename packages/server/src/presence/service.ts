import type { Keyset, Keysets } from '../model/keyset.ts';
import { STDERR_LOG, type Log } from '../model/log.ts';
import { isPresenceName } from '../model/presence-names.ts';
import { PresenceAnnouncer } from './announce.ts';
import type { PresenceEventSink } from './events.ts';
import type { HeartbeatOutcome, HeartbeatWindow, PresenceState, PresenceStore, PresentUuid } from './store.ts';
import { DEFAULT_EXPIRE_BOUNDS, expireRound, Ticker, TIMEOUT_LEASE_MS, type ExpireBounds } from './sweep.ts';

/** How many channels' here-now pages are read from the store at once. */
const PAGES_AT_ONCE = 256;

/** What a here-now asks for: uuids listed or just counted (`disable_uuids`), with their state (`state=1`), and the page of each channel's uuids. */
export interface HereNowOptions {
  uuids: boolean;
  state: boolean;
  limit: number;
  offset: number;
}

/** One channel of a here-now answer; `uuids` only when `HereNowOptions.uuids`. */
export interface ChannelPresence {
  occupancy: number;
  uuids?: PresentUuid[];
}

/** How the service is run; every part has a default for a node. */
export interface PresenceServiceOptions {
  /** The wall clock in milliseconds since the epoch. @default Date.now */
  now?: () => number;
  /** How often the timers tick (expire timed-out presences, claim due interval events), in ms. @default 1000 */
  sweepMs?: number;
  /** How many presences one tick expires at most. @default DEFAULT_EXPIRE_BOUNDS (20 batches of 500) */
  expire?: ExpireBounds;
  /** @default stderr */
  log?: Log;
}

/** Nobody is present on a presence channel (`{channel}-pnpres`), where a channel's events go. */
const notPresenceChannel = (channel: string): boolean => !isPresenceName(channel);

/** `channels` once each, without presence channels (a subscribe's single channel as it is). */
function presenceable(channels: readonly string[]): readonly string[] {
  if (channels.length === 1) return notPresenceChannel(channels[0]!) ? channels : [];
  return [...new Set(channels)].filter(notPresenceChannel);
}

/**
 * PubNub's Presence over a `PresenceStore`: subscribes and heartbeats keep a uuid present on
 * channels for its heartbeat timeout, `leave` and timeouts end it, here-now and where-now read
 * it, and per-channel state rides along. Changes are announced on `{channel}-pnpres` as
 * PubNub's "Presence events" by announce.ts (join, leave, timeout, state-change; `interval`
 * events past the keyset's `presenceAnnounceMax`). `start` runs the timers of timeouts and
 * interval events; in a cluster every node runs them against the shared store.
 *
 * Failures: a store failure rejects the call that hit it (heartbeat, leave, reads, state); a
 * failure to announce (bus down, interval bookkeeping) is logged and never rejects, the change
 * having been made; a timeout that failed so is announced again by a later tick (sweep.ts).
 * Inputs are validated and bounded at the HTTP edge (channel counts, here-now `limit`).
 *
 * @example
 * const presence = new PresenceService(new MemoryPresenceStore(), hub, keysets);
 * presence.start();
 * await presence.heartbeat(keyset, 'alice', ['room'], 300); // `join` on room-pnpres
 * await presence.hereNow(keyset, ['room'], { uuids: true, state: false, limit: 1000, offset: 0 }); // room → {occupancy: 1, uuids: [{uuid: 'alice'}]}
 * await presence.stop();
 */
export class PresenceService {
  readonly #store: PresenceStore;
  readonly #keysets: Pick<Keysets, 'find'>;
  readonly #announcer: PresenceAnnouncer;
  readonly #now: () => number;
  readonly #ticker: Ticker;

  constructor(store: PresenceStore, events: PresenceEventSink, keysets: Pick<Keysets, 'find'>, options: PresenceServiceOptions = {}) {
    const log = options.log ?? STDERR_LOG;
    this.#store = store;
    this.#keysets = keysets;
    this.#announcer = new PresenceAnnouncer(store, events, log);
    this.#now = options.now ?? Date.now;
    const keysetOf = (subKey: string) => this.#keysets.find(subKey);
    const bounds = options.expire ?? DEFAULT_EXPIRE_BOUNDS;
    this.#ticker = new Ticker(
      async () => {
        await expireRound(store, this.#announcer, keysetOf, this.#now(), bounds, log);
        if (!this.#ticker.stopped) await this.#announcer.intervals(keysetOf, this.#now());
      },
      options.sweepMs ?? 1000,
      {
        slowAfterMs: TIMEOUT_LEASE_MS,
        slow: (runningMs) => log.warn({ runningMs }, 'a presence sweep is still running; timeouts and interval events wait for it'),
        failed: (error) => log.error({ err: error }, 'a presence sweep failed; the next one runs as usual'),
      },
    );
  }

  /**
   * A `heartbeat` parameter (or, when absent, the keyset's `presenceTimeoutSeconds`) clamped into
   * the keyset's `[limits.minPresenceTimeoutSeconds, limits.maxPresenceTimeoutSeconds]`, in
   * seconds. A heartbeat without one keeps the timeout the uuid was last given on the channel
   * (see `heartbeat`); this default is for channels it was not present on.
   */
  timeoutOf(keyset: Keyset, timeoutSeconds: number | undefined): number {
    const { minPresenceTimeoutSeconds: min, maxPresenceTimeoutSeconds: max } = keyset.limits;
    return Math.min(max, Math.max(min, timeoutSeconds ?? keyset.presenceTimeoutSeconds));
  }

  /**
   * A subscribe poll or a heartbeat: `uuid` is present on `channels` (`-pnpres` ones are
   * dropped) for `timeoutOf(keyset, timeoutSeconds)` from now, a timeout the store remembers.
   * Without `timeoutSeconds` (a poll of the JS event engine, which sends its `heartbeat` on
   * heartbeats only) each channel keeps the timeout last given there, or gets the keyset's default
   * where the uuid was not present. `state` (per channel) replaces its state there. Publishes `join` on the channels it was not present on (carrying the state given
   * for the channel) and `state-change` where the state given differs from the stored one.
   * Rejects with the store's failure; announcing failures are only logged.
   */
  async heartbeat(
    keyset: Keyset,
    uuid: string,
    channels: readonly string[],
    timeoutSeconds: number | undefined,
    state?: ReadonlyMap<string, PresenceState>,
  ): Promise<void> {
    const kept = presenceable(channels);
    if (kept.length === 0) return;
    const states = state === undefined ? undefined : new Map([...state].filter(([channel]) => notPresenceChannel(channel)));
    const outcome = await this.#store.heartbeat(keyset.subscribeKey, uuid, kept, this.#window(keyset, timeoutSeconds), states);
    // Most heartbeats (every subscribe poll with a `uuid` is one) change nothing to announce.
    if (outcome.joined.length === 0 && outcome.stateChanged.length === 0) return;
    await this.#announceHeartbeat(keyset, uuid, outcome, states);
  }

  /**
   * A heartbeat without state that changes nothing but expiries, done at once where the store can
   * (in-process): true when `uuid` was present on each of `channels` already and now is for
   * longer, as `heartbeat` would have made it; false, with nothing done, when `heartbeat` must be
   * called instead (a join to announce, or a store that answers only later). A subscribe poll is a
   * heartbeat, and most change nothing.
   */
  refresh(keyset: Keyset, uuid: string, channels: readonly string[], timeoutSeconds: number | undefined): boolean {
    if (this.#store.refresh === undefined) return false;
    const kept = presenceable(channels);
    return kept.length === 0 || this.#store.refresh(keyset.subscribeKey, uuid, kept, this.#window(keyset, timeoutSeconds));
  }

  /** How long a heartbeat from now keeps a uuid present (`timeoutOf`, in ms). */
  #window(keyset: Keyset, timeoutSeconds: number | undefined): HeartbeatWindow {
    return {
      now: this.#now(),
      timeoutMs: timeoutSeconds === undefined ? undefined : this.timeoutOf(keyset, timeoutSeconds) * 1000,
      defaultTimeoutMs: this.timeoutOf(keyset, undefined) * 1000,
    };
  }

  /** What a heartbeat changed: `join` where the uuid was not present, `state-change` where the state given differs (and no join carried it). */
  async #announceHeartbeat(keyset: Keyset, uuid: string, outcome: HeartbeatOutcome, states: ReadonlyMap<string, PresenceState> | undefined): Promise<void> {
    const now = this.#now();
    const announcedJoins = new Set<string>();
    await Promise.all(
      outcome.joined.map(async ({ channel, occupancy }) => {
        const { as } = await this.#announcer.change(keyset, channel, 'join', uuid, occupancy, now, states?.get(channel));
        if (as === 'event') announcedJoins.add(channel);
      }),
    );
    await Promise.all(
      outcome.stateChanged
        .filter(({ channel }) => !announcedJoins.has(channel)) // the join carried it
        .map(({ channel, occupancy }) => this.#announcer.stateChange(keyset.subscribeKey, channel, uuid, occupancy, states?.get(channel) ?? {}, now)),
    );
  }

  /** `uuid` leaves `channels`: `leave` on each it was present on. Rejects with the store's failure. */
  async leave(keyset: Keyset, uuid: string, channels: readonly string[]): Promise<void> {
    const kept = presenceable(channels);
    if (kept.length === 0) return;
    const left = await this.#store.leave(keyset.subscribeKey, uuid, kept);
    const now = this.#now();
    await Promise.all(left.map(({ channel, occupancy }) => this.#announcer.change(keyset, channel, 'leave', uuid, occupancy, now)));
  }

  /** Per channel (in the order given, once each), its occupancy and, when asked, the page `offset`/`limit` of its uuids sorted by uuid. */
  async hereNow(keyset: Keyset, channels: readonly string[], options: HereNowOptions): Promise<Map<string, ChannelPresence>> {
    const subKey = keyset.subscribeKey;
    const distinct = [...new Set(channels)];
    const occupancy = await this.#store.occupancy(subKey, distinct);
    const answers = new Map<string, ChannelPresence>();
    // A few hundred pages at a time: a group of 20,000 channels does not queue 20,000 store calls
    // at once (on Redis each would wait behind the others, past its command timeout).
    for (let from = 0; from < distinct.length; from += PAGES_AT_ONCE) {
      const pages = distinct.slice(from, from + PAGES_AT_ONCE).map(async (channel): Promise<[string, ChannelPresence]> => {
        const count = occupancy.get(channel) ?? 0;
        if (!options.uuids) return [channel, { occupancy: count }];
        const uuids = count === 0 ? [] : await this.#store.present(subKey, channel, options.offset, options.limit, options.state);
        return [channel, { occupancy: count, uuids }];
      });
      for (const [channel, presence] of await Promise.all(pages)) answers.set(channel, presence);
    }
    return answers;
  }

  /** The channels `uuid` is present on, sorted by name. */
  whereNow(keyset: Keyset, uuid: string): Promise<string[]> {
    return this.#store.whereNow(keyset.subscribeKey, uuid);
  }

  /**
   * Sets `uuid`'s state on `channels` (`{}` clears it); where it is not present the state is kept
   * for the keyset's default timeout, for a join to come. Publishes `state-change` on the channels
   * it is present on whose state changed. Resolves with the state as stored (PubNub echoes it);
   * rejects with the store's failure.
   */
  async setState(keyset: Keyset, uuid: string, channels: readonly string[], state: PresenceState): Promise<PresenceState> {
    const kept = presenceable(channels);
    if (kept.length === 0) return state;
    const keepUntil = this.#now() + this.timeoutOf(keyset, undefined) * 1000;
    const changed = await this.#store.setState(keyset.subscribeKey, uuid, kept, state, keepUntil);
    const now = this.#now();
    await Promise.all(changed.map(({ channel, occupancy }) => this.#announcer.stateChange(keyset.subscribeKey, channel, uuid, occupancy, state, now)));
    return state;
  }

  /** `uuid`'s state on each of `channels` that has one. */
  getState(keyset: Keyset, uuid: string, channels: readonly string[]): Promise<Map<string, PresenceState>> {
    return this.#store.getState(keyset.subscribeKey, uuid, channels);
  }

  /** Starts the timer (every `sweepMs`): timeouts of expired presences, then due interval events. */
  start(): void {
    this.#ticker.start();
  }

  /** One tick now (or the one under way): what the timer does, for tests and tools. */
  tick(): Promise<void> {
    return this.#ticker.runOnce();
  }

  /** Stops the timer and waits for a tick under way; the store is its owner's to close. */
  stop(): Promise<void> {
    return this.#ticker.stop();
  }
}
