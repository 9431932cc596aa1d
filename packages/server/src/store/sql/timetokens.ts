import type { TimetokenRange } from '../store.ts';

/** The range of a 64-bit signed integer column (SQLite INTEGER, PostgreSQL bigint). */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

const DECIMAL = /^-?\d+$/;

/**
 * A timetoken (decimal text) as the 64-bit integer the tables store. Throws `RangeError` for
 * text that is not a decimal integer or does not fit 64 bits: the domain validates timetokens
 * before they reach the store, so this is a caller's bug, not a client's.
 */
export function storedTimetoken(timetoken: string): bigint {
  const value = parseDecimal(timetoken);
  if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`A timetoken is a 64-bit integer: ${timetoken}`);
  return value;
}

function parseDecimal(text: string): bigint {
  if (!DECIMAL.test(text)) throw new RangeError(`A timetoken is decimal text: ${JSON.stringify(text)}`);
  return BigInt(text);
}

const clamp = (value: bigint) => (value < INT64_MIN ? INT64_MIN : value > INT64_MAX ? INT64_MAX : value);

/**
 * `range` as the inclusive pair [from, to] of 64-bit integers holding exactly its timetokens
 * (an exclusive bound moves by one: timetokens are integers), so every read binds the same
 * `BETWEEN ? AND ?` and seeks the index from either end. Bounds beyond 64 bits are clamped as
 * the numbers they are. `undefined`: no timetoken is in the range, nothing need be read.
 */
export function inclusiveRange(range: TimetokenRange): [bigint, bigint] | undefined {
  let from = INT64_MIN;
  let to = INT64_MAX;
  if (range.lower) from = parseDecimal(range.lower.timetoken) + (range.lower.inclusive ? 0n : 1n);
  if (range.upper) to = parseDecimal(range.upper.timetoken) - (range.upper.inclusive ? 0n : 1n);
  if (from > to || from > INT64_MAX || to < INT64_MIN) return undefined;
  return [clamp(from), clamp(to)];
}

/** The timetokens strictly after `timetoken`, as `inclusiveRange` gives them. */
export function rangeAfter(timetoken: string): [bigint, bigint] | undefined {
  return inclusiveRange({ lower: { timetoken, inclusive: false } });
}

/** `now` for the expiry test `expires_at > now`, clamped to what the column can hold. */
export function expiryNow(now: string): bigint {
  return clamp(parseDecimal(now));
}

/**
 * A row count for SQL's LIMIT: a whole number, at least 0. SQLite reads a negative LIMIT as no
 * limit at all, which would turn a bounded read into a scan.
 */
export function rowLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
}
