import { IndexedMinHeap, type HeapItem } from './indexed-heap.ts';
import { compareCodePoints, SortedStrings } from './sorted-strings.ts';
import { NO_STATE, parseState, stateJson } from './state-json.ts';
import type {
  ChannelOccupancy,
  DeltaKind,
  ExpiredPresence,
  HeartbeatOutcome,
  HeartbeatWindow,
  IntervalDue,
  PresenceState,
  PresenceStore,
  PresentUuid,
} from './store.ts';

/** A uuid on a channel of a keyset, in a heap by `at`. */
interface Placed extends HeapItem {
  subKey: string;
  channel: string;
  uuid: string;
}

/** A uuid present on a channel until `at`, in the expiry heap, with the timeout it was last given (ms). */
interface Presence extends Placed {
  timeoutMs: number;
}

/** A state kept for a channel the uuid is not present on, until `at` (its `keepUntil`). */
type KeptState = Placed;

/** A timed-out presence handed out by `expire` and not yet `announced`, leased until `at`. */
type Claim = Placed;

/** What names a claim: its subKey, channel and uuid, unambiguously. */
const claimKey = (subKey: string, channel: string, uuid: string): string => JSON.stringify([subKey, channel, uuid]);

interface StoredState {
  json: string;
  /** Set while the uuid is not present on the channel: the state then goes at `keep.at`. */
  keep: KeptState | undefined;
}

/** Who is present on one channel: by uuid, and the same uuids in code point order for here-now pages. */
class ChannelPresence {
  readonly byUuid = new Map<string, Presence>();
  readonly sorted = new SortedStrings();
}

/** What one uuid has in a keyset: the channels it is present on and its states by channel. */
class UuidPresence {
  readonly channels = new Set<string>();
  readonly states = new Map<string, StoredState>();
}

/** A channel in interval mode. */
interface Interval {
  /** When its interval was last claimed (ms); undefined before the first. */
  last: number | undefined;
  deltas: { kind: DeltaKind; uuid: string }[];
  overflow: boolean;
}

class KeysetPresence {
  readonly channels = new Map<string, ChannelPresence>();
  readonly uuids = new Map<string, UuidPresence>();
  readonly busy = new Map<string, Interval>();

  get empty(): boolean {
    return this.channels.size === 0 && this.uuids.size === 0 && this.busy.size === 0;
  }
}

/**
 * Presence kept in this process: the store of a single node (`--presence in-process`). Every
 * operation costs the channels and uuids it names, never the whole store: here-now pages slice a
 * list kept sorted as uuids come and go, and `expire` (`forgetStates`) takes the earliest expiries (`keepUntil`s) off a heap,
 * and the claims due again off another (there are no more of them than presences that expired).
 * Its methods run to completion one at a time, which makes each atomic.
 */
export class MemoryPresenceStore implements PresenceStore {
  readonly #keysets = new Map<string, KeysetPresence>();
  readonly #expiries = new IndexedMinHeap<Presence>();
  readonly #keeps = new IndexedMinHeap<KeptState>();
  /** Claims by `claimKey`, and the same in a heap by lease deadline. */
  readonly #claims = new Map<string, Claim>();
  readonly #leases = new IndexedMinHeap<Claim>();
  #closed = false;

  async heartbeat(
    subKey: string,
    uuid: string,
    channels: readonly string[],
    window: HeartbeatWindow,
    state?: ReadonlyMap<string, PresenceState>,
  ): Promise<HeartbeatOutcome> {
    this.#checkOpen();
    const keyset = this.#keyset(subKey);
    const user = this.#uuid(keyset, uuid);
    const outcome: HeartbeatOutcome = { joined: [], stateChanged: [] };
    for (const channel of channels.length === 1 ? channels : new Set(channels)) {
      let present = keyset.channels.get(channel);
      if (present === undefined) keyset.channels.set(channel, (present = new ChannelPresence()));
      const known = present.byUuid.get(uuid);
      if (known === undefined) {
        const timeoutMs = window.timeoutMs ?? window.defaultTimeoutMs;
        const presence: Presence = { subKey, channel, uuid, timeoutMs, at: window.now + timeoutMs, heapIndex: -1 };
        present.byUuid.set(uuid, presence);
        present.sorted.add(uuid);
        user.channels.add(channel);
        this.#expiries.push(presence);
        // A timeout not yet announced is overtaken by this join.
        this.#settle(subKey, channel, uuid);
        outcome.joined.push({ channel, occupancy: present.byUuid.size });
      } else {
        known.timeoutMs = window.timeoutMs ?? known.timeoutMs;
        this.#expiries.update(known, window.now + known.timeoutMs);
      }
      // A state kept for the channel before the uuid joined now lasts as long as the presence.
      const stored = user.states.get(channel);
      if (stored?.keep !== undefined) this.#unkeep(stored);
      const given = state?.get(channel);
      if (given !== undefined && this.#putState(user, channel, stateJson(given))) outcome.stateChanged.push({ channel, occupancy: present.byUuid.size });
    }
    this.#tidy(subKey, keyset, uuid, user);
    return outcome;
  }

  refresh(subKey: string, uuid: string, channels: readonly string[], window: HeartbeatWindow): boolean {
    const present = this.#closed ? undefined : this.#keysets.get(subKey)?.channels;
    if (present === undefined) return false;
    for (const channel of channels) if (present.get(channel)?.byUuid.has(uuid) !== true) return false;
    // Present, so no state of theirs is kept for a join (`keep`): only the expiries move.
    for (const channel of channels) {
      const known = present.get(channel)!.byUuid.get(uuid)!;
      known.timeoutMs = window.timeoutMs ?? known.timeoutMs;
      this.#expiries.update(known, window.now + known.timeoutMs);
    }
    return true;
  }

  async leave(subKey: string, uuid: string, channels: readonly string[]): Promise<ChannelOccupancy[]> {
    this.#checkOpen();
    const keyset = this.#keysets.get(subKey);
    const user = keyset?.uuids.get(uuid);
    if (keyset === undefined || user === undefined) return [];
    const left: ChannelOccupancy[] = [];
    for (const channel of new Set(channels)) {
      this.#dropState(user, channel);
      const presence = keyset.channels.get(channel)?.byUuid.get(uuid);
      if (presence === undefined) continue;
      this.#expiries.remove(presence);
      left.push({ channel, occupancy: this.#remove(keyset, user, presence) });
    }
    this.#tidy(subKey, keyset, uuid, user);
    return left;
  }

  async expire(now: number, limit: number, leaseMs: number): Promise<ExpiredPresence[]> {
    this.#checkOpen();
    const expired = this.#reoffer(now, limit, leaseMs);
    for (let next = this.#expiries.peek(); next !== undefined && next.at <= now && expired.length < limit; next = this.#expiries.peek()) {
      this.#expiries.remove(next);
      const { subKey, channel, uuid } = next;
      const keyset = this.#keysets.get(subKey)!;
      const user = keyset.uuids.get(uuid)!;
      this.#dropState(user, channel);
      expired.push({ subKey, channel, uuid, occupancy: this.#remove(keyset, user, next), leaseUntil: now + leaseMs });
      this.#tidy(subKey, keyset, uuid, user);
      this.#lease(subKey, channel, uuid, now + leaseMs);
    }
    return expired;
  }

  async announced(claims: readonly ExpiredPresence[]): Promise<void> {
    this.#checkOpen();
    for (const { subKey, channel, uuid, leaseUntil } of claims) this.#settle(subKey, channel, uuid, leaseUntil);
  }

  async forgetStates(now: number, limit: number): Promise<number> {
    this.#checkOpen();
    let forgotten = 0;
    for (let next = this.#keeps.peek(); next !== undefined && next.at <= now && forgotten < limit; next = this.#keeps.peek()) {
      const { subKey, channel, uuid } = next;
      const keyset = this.#keysets.get(subKey)!;
      const user = keyset.uuids.get(uuid)!;
      // Takes `next` off the keep heap: only states of absent uuids are in it.
      this.#dropState(user, channel);
      this.#tidy(subKey, keyset, uuid, user);
      forgotten++;
    }
    return forgotten;
  }

  async occupancy(subKey: string, channels: readonly string[]): Promise<Map<string, number>> {
    this.#checkOpen();
    const keyset = this.#keysets.get(subKey);
    return new Map(channels.map((channel) => [channel, keyset?.channels.get(channel)?.byUuid.size ?? 0]));
  }

  async present(subKey: string, channel: string, offset: number, limit: number, withState: boolean): Promise<PresentUuid[]> {
    this.#checkOpen();
    const keyset = this.#keysets.get(subKey);
    const uuids = keyset?.channels.get(channel)?.sorted.page(offset, limit) ?? [];
    return uuids.map((uuid) => {
      const stored = withState ? keyset?.uuids.get(uuid)?.states.get(channel) : undefined;
      return stored === undefined ? { uuid } : { uuid, state: parseState(stored.json) };
    });
  }

  async whereNow(subKey: string, uuid: string): Promise<string[]> {
    this.#checkOpen();
    const channels = this.#keysets.get(subKey)?.uuids.get(uuid)?.channels;
    return channels === undefined ? [] : [...channels].sort(compareCodePoints);
  }

  async setState(subKey: string, uuid: string, channels: readonly string[], state: PresenceState, keepUntil: number): Promise<ChannelOccupancy[]> {
    this.#checkOpen();
    const keyset = this.#keyset(subKey);
    const user = this.#uuid(keyset, uuid);
    const json = stateJson(state);
    const changed: ChannelOccupancy[] = [];
    for (const channel of new Set(channels)) {
      const present = keyset.channels.get(channel)?.byUuid.has(uuid) === true;
      const wasChanged = this.#putState(user, channel, json);
      const stored = user.states.get(channel);
      if (stored !== undefined && !present) this.#keep(stored, { subKey, channel, uuid, at: keepUntil, heapIndex: -1 });
      else if (stored?.keep !== undefined) this.#unkeep(stored);
      if (wasChanged && present) changed.push({ channel, occupancy: keyset.channels.get(channel)!.byUuid.size });
    }
    this.#tidy(subKey, keyset, uuid, user);
    return changed;
  }

  async getState(subKey: string, uuid: string, channels: readonly string[]): Promise<Map<string, PresenceState>> {
    this.#checkOpen();
    const states = this.#keysets.get(subKey)?.uuids.get(uuid)?.states;
    const found = new Map<string, PresenceState>();
    for (const channel of channels) {
      const stored = states?.get(channel);
      if (stored !== undefined) found.set(channel, parseState(stored.json));
    }
    return found;
  }

  async markBusy(subKey: string, channel: string): Promise<void> {
    this.#checkOpen();
    const keyset = this.#keyset(subKey);
    if (!keyset.busy.has(channel)) keyset.busy.set(channel, { last: undefined, deltas: [], overflow: false });
  }

  async busy(): Promise<{ subKey: string; channel: string }[]> {
    this.#checkOpen();
    return [...this.#keysets].flatMap(([subKey, keyset]) => [...keyset.busy.keys()].map((channel) => ({ subKey, channel })));
  }

  async noteDelta(subKey: string, channel: string, kind: DeltaKind, uuid: string, maxDeltas: number): Promise<void> {
    this.#checkOpen();
    await this.markBusy(subKey, channel);
    const interval = this.#keyset(subKey).busy.get(channel)!;
    if (interval.deltas.length < maxDeltas) interval.deltas.push({ kind, uuid });
    else interval.overflow = true;
  }

  async interval(subKey: string, channel: string, now: number, everyMs: number, quiet: number): Promise<IntervalDue | undefined> {
    this.#checkOpen();
    const keyset = this.#keysets.get(subKey);
    const interval = keyset?.busy.get(channel);
    if (keyset === undefined || interval === undefined) return undefined;
    if (interval.last !== undefined && now - interval.last < everyMs) return undefined;
    const occupancy = keyset.channels.get(channel)?.byUuid.size ?? 0;
    const due: IntervalDue = { occupancy, join: [], leave: [], timeout: [], overflow: interval.overflow };
    for (const { kind, uuid } of interval.deltas) due[kind].push(uuid);
    interval.last = now;
    interval.deltas = [];
    interval.overflow = false;
    if (occupancy <= quiet) {
      keyset.busy.delete(channel);
      if (keyset.empty) this.#keysets.delete(subKey);
    }
    return due;
  }

  /** Forgets everything; later calls reject, as those of a closed Redis connection do. */
  async ping(): Promise<void> {
    this.#checkOpen();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#keysets.clear();
    this.#claims.clear();
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('the presence store is closed');
  }

  #keyset(subKey: string): KeysetPresence {
    let keyset = this.#keysets.get(subKey);
    if (keyset === undefined) this.#keysets.set(subKey, (keyset = new KeysetPresence()));
    return keyset;
  }

  #uuid(keyset: KeysetPresence, uuid: string): UuidPresence {
    let user = keyset.uuids.get(uuid);
    if (user === undefined) keyset.uuids.set(uuid, (user = new UuidPresence()));
    return user;
  }

  /**
   * The claims whose lease ended by `now`, at most `limit`, leased again until `now + leaseMs`
   * with their channel's occupancy now; those whose uuid is present again are dropped.
   */
  #reoffer(now: number, limit: number, leaseMs: number): ExpiredPresence[] {
    const due: Claim[] = [];
    // Taken off first: a lease of 0 would put a claim straight back at the top.
    for (let next = this.#leases.peek(); next !== undefined && next.at <= now && due.length < limit; next = this.#leases.peek()) {
      this.#leases.remove(next);
      due.push(next);
    }
    const offered: ExpiredPresence[] = [];
    for (const claim of due) {
      const { subKey, channel, uuid } = claim;
      const present = this.#keysets.get(subKey)?.channels.get(channel);
      if (present?.byUuid.has(uuid) === true) {
        this.#claims.delete(claimKey(subKey, channel, uuid));
        continue;
      }
      claim.at = now + leaseMs;
      this.#leases.push(claim);
      offered.push({ subKey, channel, uuid, occupancy: present?.byUuid.size ?? 0, leaseUntil: claim.at });
    }
    return offered;
  }

  /** Keeps a claim on `uuid`'s timeout on `channel` until `at`, replacing one already kept. */
  #lease(subKey: string, channel: string, uuid: string, at: number): void {
    const key = claimKey(subKey, channel, uuid);
    const kept = this.#claims.get(key);
    if (kept !== undefined) {
      this.#leases.update(kept, at);
      return;
    }
    const claim: Claim = { subKey, channel, uuid, at, heapIndex: -1 };
    this.#claims.set(key, claim);
    this.#leases.push(claim);
  }

  /** Drops the claim on `uuid`'s timeout on `channel`; with `leaseUntil`, only while it is that hand-out's. */
  #settle(subKey: string, channel: string, uuid: string, leaseUntil?: number): void {
    if (this.#claims.size === 0) return;
    const key = claimKey(subKey, channel, uuid);
    const claim = this.#claims.get(key);
    if (claim === undefined || (leaseUntil !== undefined && claim.at !== leaseUntil)) return;
    this.#leases.remove(claim);
    this.#claims.delete(key);
  }

  /** Takes `presence` (already out of the expiry heap) off its channel; returns the occupancy after. */
  #remove(keyset: KeysetPresence, user: UuidPresence, presence: Presence): number {
    const { channel, uuid } = presence;
    const present = keyset.channels.get(channel)!;
    present.byUuid.delete(uuid);
    present.sorted.delete(uuid);
    user.channels.delete(channel);
    if (present.byUuid.size === 0) keyset.channels.delete(channel);
    return present.byUuid.size;
  }

  /** Stores `json` as `user`'s state on `channel` (`{}` clears it); whether that changed it. */
  #putState(user: UuidPresence, channel: string, json: string): boolean {
    const stored = user.states.get(channel);
    if (json === NO_STATE) {
      this.#dropState(user, channel);
      return stored !== undefined;
    }
    if (stored === undefined) {
      user.states.set(channel, { json, keep: undefined });
      return true;
    }
    const changed = stored.json !== json;
    stored.json = json;
    return changed;
  }

  #dropState(user: UuidPresence, channel: string): void {
    const stored = user.states.get(channel);
    if (stored === undefined) return;
    if (stored.keep !== undefined) this.#unkeep(stored);
    user.states.delete(channel);
  }

  #keep(stored: StoredState, keep: KeptState): void {
    if (stored.keep === undefined) {
      stored.keep = keep;
      this.#keeps.push(keep);
    } else {
      this.#keeps.update(stored.keep, keep.at);
    }
  }

  #unkeep(stored: StoredState): void {
    this.#keeps.remove(stored.keep!);
    stored.keep = undefined;
  }

  /** Drops the records of a uuid, and then of a keyset, that hold nothing any more. */
  #tidy(subKey: string, keyset: KeysetPresence, uuid: string, user: UuidPresence): void {
    if (user.channels.size > 0 || user.states.size > 0) return;
    keyset.uuids.delete(uuid);
    if (keyset.empty) this.#keysets.delete(subKey);
  }
}
