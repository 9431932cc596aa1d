import type { Keyset } from '../model/keyset.ts';
import type { Log } from '../model/log.ts';
import type { PresenceEvent, PresenceEventSink } from './events.ts';
import type { DeltaKind, IntervalDue, PresenceState, PresenceStore } from './store.ts';

/**
 * The most changes (joins, leaves and timeouts together) one channel's interval event lists; past
 * that it says `here_now_refresh: true` instead. 100 ids of up to 92 characters keep an interval
 * event well under PubNub's 32 KiB message size.
 */
export const MAX_INTERVAL_DELTAS = 100;

/** A presence event's time fields: `timestamp` in unix seconds, `precise_timestamp` in milliseconds. */
function stamp(now: number): Pick<PresenceEvent, 'timestamp' | 'precise_timestamp'> {
  return { timestamp: Math.floor(now / 1000), precise_timestamp: now };
}

/** The `interval` event of a claimed interval: occupancy and, with presence deltas, the non-empty lists or `here_now_refresh`. */
export function intervalEvent(due: IntervalDue, now: number, deltas: boolean): PresenceEvent {
  const event: PresenceEvent = { action: 'interval', occupancy: due.occupancy, ...stamp(now) };
  if (!deltas) return event;
  if (due.overflow) return { ...event, here_now_refresh: true };
  if (due.join.length > 0) event.join = due.join;
  if (due.leave.length > 0) event.leave = due.leave;
  if (due.timeout.length > 0) event.timeout = due.timeout;
  return event;
}

/** What became of a change handed to `PresenceAnnouncer.change`. */
export interface ChangeOutcome {
  /** `event`: announced on its own (a join's event carries its state); `interval`: kept for the channel's interval event. */
  as: 'event' | 'interval';
  /** It went out: the bus took the event, or the store kept the delta. False when that failed (logged). */
  wentOut: boolean;
}

const busyKey = (subKey: string, channel: string): string => `${subKey}\u0000${channel}`;

/**
 * Turns presence changes into events on `{channel}-pnpres` (PubNub's "Presence events"): each
 * join, leave and timeout is announced on its own while the channel's occupancy stays at or
 * under the keyset's `presenceAnnounceMax`; past it the channel goes into interval mode
 * (`PresenceStore.markBusy`), where they are kept as deltas (with `presenceDeltas`) for an
 * `interval` event every `presenceIntervalSeconds` (`intervals`), until an interval finds the
 * occupancy back at or under the max. `state-change` events are announced on their own in
 * either mode. Nothing here rejects: a store or bus failure is logged, the change itself stands;
 * `change` says whether it went out, so that the sweep can have a timeout handed out again.
 */
export class PresenceAnnouncer {
  readonly #store: PresenceStore;
  readonly #events: PresenceEventSink;
  readonly #log: Log;
  /**
   * Channels known to be in interval mode: marked here, or listed by `busy()` at the last
   * interval pass (another node may have marked them). A change of one is kept as a delta even
   * when the occupancy is back under the max, so that the interval event that ends the mode counts it.
   */
  #busy = new Set<string>();
  /** Channels marked while an interval pass was listing them, so that its listing does not forget them. */
  #markedDuringPass: Set<string> | undefined;

  constructor(store: PresenceStore, events: PresenceEventSink, log: Log) {
    this.#store = store;
    this.#events = events;
    this.#log = log;
  }

  /**
   * A join, leave or timeout of `uuid` on `channel`, `occupancy` being the count after it;
   * `state` rides on a join. Resolves with whether it was announced on its own or kept for the
   * channel's interval event, and whether that went out (never rejects: a failure is logged).
   */
  async change(keyset: Keyset, channel: string, kind: DeltaKind, uuid: string, occupancy: number, now: number, state?: PresenceState): Promise<ChangeOutcome> {
    const key = busyKey(keyset.subscribeKey, channel);
    if (occupancy <= keyset.presenceAnnounceMax && !this.#busy.has(key)) {
      const event: PresenceEvent = { action: kind, uuid, occupancy, ...stamp(now) };
      if (state !== undefined && Object.keys(state).length > 0) event.state = state;
      return { as: 'event', wentOut: await this.#publish(keyset.subscribeKey, channel, event) };
    }
    try {
      // Marked on every kept change, not once: another node's interval may just have ended the
      // mode. `noteDelta` marks it in the same step as it keeps the change.
      if (keyset.presenceDeltas) await this.#store.noteDelta(keyset.subscribeKey, channel, kind, uuid, MAX_INTERVAL_DELTAS);
      else await this.#store.markBusy(keyset.subscribeKey, channel);
      this.#busy.add(key);
      this.#markedDuringPass?.add(key);
      return { as: 'interval', wentOut: true };
    } catch (error) {
      this.#log.warn({ err: error, channel, kind }, 'a presence change of a channel in interval mode was not kept for its interval event');
      return { as: 'interval', wentOut: false };
    }
  }

  /** `uuid`'s state on `channel` changed to `state` (announced in interval mode too, as PubNub does). */
  async stateChange(subKey: string, channel: string, uuid: string, occupancy: number, state: PresenceState, now: number): Promise<void> {
    await this.#publish(subKey, channel, { action: 'state-change', uuid, occupancy, state, ...stamp(now) });
  }

  /**
   * One pass over the channels in interval mode: claims each one's interval when due (across
   * nodes, one claim per interval) and publishes its `interval` event. `keysetOf` finds a
   * channel's keyset; one no longer served has its channels taken out of interval mode silently.
   * Claims run `concurrency` at a time.
   */
  async intervals(keysetOf: (subKey: string) => Keyset | undefined, now: number, concurrency = 32): Promise<void> {
    let busy: { subKey: string; channel: string }[];
    const marked = (this.#markedDuringPass = new Set());
    try {
      busy = await this.#store.busy();
    } catch (error) {
      this.#log.warn({ err: error }, 'the channels in presence interval mode could not be listed; the next pass tries again');
      return;
    } finally {
      this.#markedDuringPass = undefined;
    }
    this.#busy = new Set([...busy.map(({ subKey, channel }) => busyKey(subKey, channel)), ...marked]);
    for (let start = 0; start < busy.length; start += concurrency) {
      await Promise.all(busy.slice(start, start + concurrency).map(({ subKey, channel }) => this.#interval(keysetOf(subKey), subKey, channel, now)));
    }
  }

  async #interval(keyset: Keyset | undefined, subKey: string, channel: string, now: number): Promise<void> {
    let due: IntervalDue | undefined;
    try {
      if (keyset === undefined) {
        await this.#store.interval(subKey, channel, now, 0, Number.MAX_SAFE_INTEGER);
        this.#busy.delete(busyKey(subKey, channel));
        return;
      }
      due = await this.#store.interval(subKey, channel, now, keyset.presenceIntervalSeconds * 1000, keyset.presenceAnnounceMax);
    } catch (error) {
      this.#log.warn({ err: error, channel }, 'a presence interval could not be claimed; the next pass tries again');
      return;
    }
    if (due === undefined) return;
    if (due.occupancy <= keyset.presenceAnnounceMax) this.#busy.delete(busyKey(subKey, channel));
    await this.#publish(subKey, channel, intervalEvent(due, now, keyset.presenceDeltas));
  }

  /** Whether the bus took `event`; a refusal is logged. */
  async #publish(subKey: string, channel: string, event: PresenceEvent): Promise<boolean> {
    try {
      await this.#events.publishPresence(subKey, channel, event);
      return true;
    } catch (error) {
      this.#log.warn({ err: error, channel, action: event.action }, 'a presence event was not published');
      return false;
    }
  }
}
