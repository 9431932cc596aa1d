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

/** Ticks of `Date.now()` `calibrate` reads at most, looking for a narrow reading (each busy-waits up to 1 ms). */
const CALIBRATE_TICKS = 20;
/** A reading this narrow (ms) is taken at once. */
const NARROW_MS = 0.01;

/**
 * `Date.now()` minus `performance.now()`, read where `Date.now()` moves on to its next
 * millisecond: nodes on one machine then agree to a few microseconds, and across machines to
 * their NTP. (`performance.timeOrigin` alone is up to a millisecond off, so a message another
 * node stamped just after a handshake could get a timetoken before it.) The tick lies between the
 * last read of the old millisecond and the first read of the new one; a process descheduled in
 * between (a loaded machine) would be off by as long as it was away (tens of ms were seen), so it
 * reads up to `CALIBRATE_TICKS` ticks and keeps the one read the most closely.
 */
function calibrate(): { offset: number; at: number } {
  let best = { offset: 0, width: Infinity, at: 0 };
  let oldBefore = performance.now(); // a read of `date` happened after this
  let date = Date.now();
  for (let ticks = 0; best.width > NARROW_MS && ticks < CALIBRATE_TICKS; ticks++) {
    let before: number;
    let next: number;
    let after: number;
    for (;;) {
      before = performance.now();
      next = Date.now();
      after = performance.now();
      if (next !== date) break;
      oldBefore = before;
    }
    // Date.now() was below `next` at a moment after `oldBefore` and reached it by `after`.
    const width = after - oldBefore;
    if (width < best.width) best = { offset: next - (oldBefore + after) / 2, width, at: after };
    date = next;
    oldBefore = before;
  }
  return { offset: best.offset, at: best.at };
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
