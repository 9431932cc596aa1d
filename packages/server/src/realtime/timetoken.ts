/**
 * PubNub timetokens: 100-nanosecond units since the Unix epoch, 17 decimal digits today. They
 * pass 2^53, so they are bigints here and strings on the wire (a JSON number would lose digits).
 */
export type Timetoken = bigint;

/** How far `observe` follows a timetoken past the wall clock by default: 60 seconds. */
export const MAX_LEAD: Timetoken = 60n * 10_000_000n;

/** Digits a client may send as `tt`; anything longer is not a timetoken. */
const TIMETOKEN_TEXT = /^\d{1,19}$/;

/** How often the wall clock is set against `Date.now()` again, in ms of `performance.now()`. */
const CALIBRATE_EVERY_MS = 10 * 60 * 1000;

/**
 * `Date.now()` minus `performance.now()`, taken the moment `Date.now()` moves on to its next
 * millisecond: nodes on one machine then agree to a few microseconds, and across machines to
 * their NTP. (`performance.timeOrigin` alone is up to a millisecond off, so a message another
 * node stamped just after a handshake could get a timetoken before it.) Busy-waits at most 1 ms.
 */
function calibrate(): { offset: number; at: number } {
  const start = Date.now();
  let now = performance.now();
  let date = start;
  while (date === start) {
    now = performance.now();
    date = Date.now();
  }
  return { offset: date - now, at: now };
}

let calibration = calibrate();

/** The wall clock in timetoken units (100 ns), with sub-millisecond precision from `performance.now()`. */
export function wallClock(): Timetoken {
  const now = performance.now();
  if (now - calibration.at > CALIBRATE_EVERY_MS) calibration = calibrate();
  const millis = calibration.offset + now;
  const whole = Math.floor(millis);
  return BigInt(whole) * 10_000n + BigInt(Math.floor((millis - whole) * 10_000));
}

/**
 * Issues this node's timetokens: strictly increasing, close to the wall clock, and never going
 * back when the wall clock does.
 *
 * @example
 * const clock = new TimetokenClock();
 * const handshake = clock.now(); // every later `next()` is greater
 * const message = clock.next();
 */
export class TimetokenClock {
  #last: Timetoken = 0n;
  readonly #read: () => Timetoken;
  readonly #maxLead: Timetoken;

  /**
   * @param read the wall clock in timetoken units (tests pass a fake one).
   * @param maxLead how far past this wall clock `observe` follows a timetoken from elsewhere, in
   *   timetoken units (100 ns). @default 60 seconds
   */
  constructor(read: () => Timetoken = wallClock, maxLead: Timetoken = MAX_LEAD) {
    this.#read = read;
    this.#maxLead = maxLead;
  }

  /** A new timetoken for an envelope, greater than every timetoken issued or reported before. */
  next(): Timetoken {
    const wall = this.#read();
    this.#last = wall > this.#last ? wall : this.#last + 1n;
    return this.#last;
  }

  /**
   * Takes in a timetoken issued elsewhere (another node's message arriving over the bus): later
   * `now()` and `next()` values are at least as great, so a cursor from that message is never
   * taken for one from the future here. A node whose clock runs far ahead cannot drag this one
   * along: it follows at most `maxLead` past its own wall clock, and returns `false` when the
   * timetoken was beyond that.
   */
  observe(timetoken: Timetoken): boolean {
    const ceiling = this.#read() + this.#maxLead;
    const taken = timetoken > ceiling ? ceiling : timetoken;
    if (taken > this.#last) this.#last = taken;
    return taken === timetoken;
  }

  /** The current time for a reply (`t` of a subscribe answer, `/time/0`); later `next()` values are greater. */
  now(): Timetoken {
    const wall = this.#read();
    if (wall > this.#last) this.#last = wall;
    return this.#last;
  }
}

/** A client's `tt` as a timetoken; `undefined` when it is not one. */
export function parseTimetoken(text: string): Timetoken | undefined {
  return TIMETOKEN_TEXT.test(text) ? BigInt(text) : undefined;
}
