/** How long a channel noted again stays where it is in the order, in milliseconds (`RecentChannels.note`). */
const MOVE_EVERY_MS = 1000;

/** When a channel was last subscribed to (`at`), and last moved to the newest end (`moved`). */
interface Noted {
  at: number;
  moved: number;
}

/**
 * One keyset's channels subscribed to lately, by `millis()` of the last subscribe, in about the
 * order of it. Only these (and waited ones) get App Context events logged: nobody else has a
 * timetoken to catch up from.
 *
 * A channel noted again moves to the newest end at most once a second. Moving it deletes and sets
 * it again, which leaves a deleted slot in the channel's own bucket of V8's Map each time, and a
 * channel a thousand subscribers poll would soon cost a walk past thousands of them per poll.
 */
export class RecentChannels {
  readonly #noted = new Map<string, Noted>();

  /** Remembers that `channels` were subscribed to at `now`, forgetting about the oldest past `max`. */
  note(channels: readonly string[], now: number, max: number): void {
    for (const channel of channels) {
      const noted = this.#noted.get(channel);
      if (noted !== undefined && now - noted.moved < MOVE_EVERY_MS) {
        noted.at = now;
        continue;
      }
      if (noted !== undefined) this.#noted.delete(channel);
      this.#noted.set(channel, { at: now, moved: now });
    }
    if (this.#noted.size <= max) return;
    for (const [channel, noted] of this.#noted) {
      if (this.#noted.size <= max) break;
      this.#noted.delete(channel);
      // Subscribed to again within the last second, since it was put here: it goes to its place
      // by `at` (about the newest end), once; the order stays that of `at` to within a second.
      if (noted.at > noted.moved && now - noted.at < MOVE_EVERY_MS) {
        noted.moved = noted.at;
        this.#noted.set(channel, noted);
      }
    }
  }

  has(channel: string): boolean {
    return this.#noted.has(channel);
  }

  /**
   * Forgets channels last subscribed to before `time`, and no others (one moved on by `note`
   * when it evicted may be forgotten up to a second late).
   */
  forgetBefore(time: number): void {
    for (const [channel, noted] of this.#noted) {
      if (noted.moved >= time) break; // it and every one after it were subscribed to since
      if (noted.at < time) this.#noted.delete(channel);
    }
  }
}
