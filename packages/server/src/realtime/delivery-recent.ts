/**
 * One keyset's channels subscribed to lately → `millis()` of the last subscribe, oldest first.
 * Only these (and waited ones) get App Context events logged: nobody else has a timetoken to
 * catch up from.
 */
export class RecentChannels {
  readonly #at = new Map<string, number>();

  /** Remembers that `channels` were subscribed to at `now`, forgetting the oldest past `max`. */
  note(channels: readonly string[], now: number, max: number): void {
    for (const channel of channels) {
      this.#at.delete(channel);
      this.#at.set(channel, now);
    }
    for (const channel of this.#at.keys()) {
      if (this.#at.size <= max) break;
      this.#at.delete(channel);
    }
  }

  has(channel: string): boolean {
    return this.#at.has(channel);
  }

  /** Forgets channels last subscribed to before `time`. */
  forgetBefore(time: number): void {
    for (const [channel, at] of this.#at) {
      if (at >= time) break;
      this.#at.delete(channel);
    }
  }
}
