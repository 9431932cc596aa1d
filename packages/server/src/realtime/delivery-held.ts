import type { BusAttachment } from './bus.ts';
import type { HeldSubscribe } from './delivery-keyset.ts';

/**
 * A node's held long-polls. Idle ones cost no timer each: they sit in their keyset's index of
 * channel → Set of waiters, and in one set per hold time (the node's, and the shorter ones polls
 * ask for), each in deadline order, so a sweep stops in each at the first one still in time. The
 * bus is told when a channel gains its first waiter here and when it loses its last.
 */
export class HeldPolls {
  readonly #attachment: BusAttachment;
  /** Every held long-poll by its hold time (`holdMs`), each set in deadline order; no set is empty. */
  readonly #held = new Map<number, Set<HeldSubscribe>>();
  #size = 0;
  /** Held polls with envelopes waiting that the answer budget could not take yet; retried each sweep. */
  readonly #starved = new Set<HeldSubscribe>();

  constructor(attachment: BusAttachment) {
    this.#attachment = attachment;
  }

  get size(): number {
    return this.#size;
  }

  /** Holds `held` on each of its channels; `starved` when envelopes already wait that the budget cannot take. */
  hold(held: HeldSubscribe, starved: boolean): void {
    const { space } = held;
    let same = this.#held.get(held.holdMs);
    if (!same) this.#held.set(held.holdMs, (same = new Set()));
    if (!same.has(held)) this.#size++;
    same.add(held);
    for (const channel of held.channels) {
      let waiting = space.waiters.get(channel);
      if (!waiting) {
        space.waiters.set(channel, (waiting = new Set()));
        this.#attachment.onInterest(space.subKey, channel);
      }
      waiting.add(held);
      if (held.filter) space.filters.add(channel, held.filter);
    }
    if (starved) this.#starved.add(held);
  }

  /** Keeps `held` waiting until the answer budget can take what waits for it. */
  starve(held: HeldSubscribe): void {
    this.#starved.add(held);
  }

  /** Stops holding `held` (once; later calls do nothing). */
  release(held: HeldSubscribe): void {
    const same = this.#held.get(held.holdMs);
    if (!same?.delete(held)) return;
    if (same.size === 0) this.#held.delete(held.holdMs);
    this.#size--;
    this.#starved.delete(held);
    const { space } = held;
    for (const channel of held.channels) {
      if (held.filter) space.filters.remove(channel, held.filter);
      const waiting = space.waiters.get(channel);
      if (!waiting) continue;
      waiting.delete(held);
      if (waiting.size === 0) {
        space.waiters.delete(channel);
        this.#attachment.onNoInterest(space.subKey, channel);
      }
    }
  }

  /** Every held poll; releasing the one at hand while iterating is safe. */
  *all(): Generator<HeldSubscribe> {
    for (const same of this.#held.values()) yield* same;
  }

  /** The starved polls (see `starve`); releasing the one at hand while iterating is safe. */
  starved(): Iterable<HeldSubscribe> {
    return this.#starved;
  }

  /** Held polls whose deadline is not after `now`, earliest first for each hold time; releasing the one at hand is safe. */
  *expired(now: number): Generator<HeldSubscribe> {
    for (const same of [...this.#held.values()]) {
      for (const held of same) {
        if (held.deadline > now) break;
        yield held;
      }
    }
  }
}
