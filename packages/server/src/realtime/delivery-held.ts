import type { BusAttachment } from './bus.ts';
import type { HeldSubscribe } from './delivery-keyset.ts';

/**
 * A node's held long-polls. Idle ones cost no timer each: they sit in their keyset's index of
 * channel → Set of waiters, and in one set in deadline order (all share one hold time), so a
 * sweep stops at the first one still in time. The bus is told when a channel gains its first
 * waiter here and when it loses its last.
 */
export class HeldPolls {
  readonly #attachment: BusAttachment;
  /** Every held long-poll, in deadline order. */
  readonly #held = new Set<HeldSubscribe>();
  /** Held polls with envelopes waiting that the answer budget could not take yet; retried each sweep. */
  readonly #starved = new Set<HeldSubscribe>();

  constructor(attachment: BusAttachment) {
    this.#attachment = attachment;
  }

  get size(): number {
    return this.#held.size;
  }

  /** Holds `held` on each of its channels; `starved` when envelopes already wait that the budget cannot take. */
  hold(held: HeldSubscribe, starved: boolean): void {
    const { space } = held;
    this.#held.add(held);
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
    if (!this.#held.delete(held)) return;
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

  /** Every held poll, earliest deadline first; releasing the one at hand while iterating is safe. */
  all(): Iterable<HeldSubscribe> {
    return this.#held;
  }

  /** The starved polls (see `starve`); releasing the one at hand while iterating is safe. */
  starved(): Iterable<HeldSubscribe> {
    return this.#starved;
  }

  /** Held polls whose deadline is not after `now`, earliest first. */
  *expired(now: number): Generator<HeldSubscribe> {
    for (const held of this.#held) {
      if (held.deadline > now) return;
      yield held;
    }
  }
}
