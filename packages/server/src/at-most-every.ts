/**
 * Something done at most once every `ms` milliseconds, such as a log line about a failure that
 * may repeat on every call while it lasts: `due()` says whether it is time, and if so takes now as
 * the last time. The first call is always due.
 *
 * @example
 * const warning = new AtMostEvery(30_000);
 * if (warning.due()) log.warn({ err }, 'the store failed; retrying'); // once per 30 s at most
 */
export class AtMostEvery {
  readonly #ms: number;
  readonly #now: () => number;
  #last = -Infinity;

  /** @param now the clock, in milliseconds (`Date.now` by default). */
  constructor(ms: number, now: () => number = Date.now) {
    this.#ms = ms;
    this.#now = now;
  }

  due(): boolean {
    const now = this.#now();
    if (now - this.#last < this.#ms) return false;
    this.#last = now;
    return true;
  }
}
