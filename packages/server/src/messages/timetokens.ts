import { badRequest } from '../errors.ts';
import type { LocationType } from '../errors.ts';
import type { TimetokenRange } from '../store/store.ts';

/** The largest timetoken: stores keep them as 64-bit signed integers. */
const MAX_TIMETOKEN = 2n ** 63n - 1n;
const DIGITS = /^\d{1,19}$/;

/** Timetoken units (100 ns) in an hour. */
const PER_HOUR = 3600n * 10_000_000n;

/**
 * A timetoken a client sent (`start`, `end`, `timetoken`, a message's or an action's), as its
 * canonical decimal text: 1 to 19 digits, at most 2^63 − 1. Otherwise a 400 naming `field`.
 */
export function parseTimetoken(text: string, field: string, locationType: LocationType = 'query'): string {
  if (!DIGITS.test(text) || BigInt(text) > MAX_TIMETOKEN) {
    throw badRequest(field, locationType, `${field} must be a timetoken: a non-negative integer of at most 19 digits; got '${clip(text)}'.`);
  }
  return BigInt(text).toString();
}

/** The timetoken from which a message published at `timetoken` and kept `hours` is expired. */
export const expiresAt = (timetoken: string, hours: number): string => (BigInt(timetoken) + BigInt(hours) * PER_HOUR).toString();

/**
 * The range a history or actions read covers, as PubNub defines it: `start` is exclusive (only
 * older items), `end` inclusive (it and newer ones). With neither, everything; with both, the
 * items between them, `end` included (none when `start` is not after `end`).
 */
export function readRange(start: string | undefined, end: string | undefined): TimetokenRange {
  return {
    upper: start === undefined ? undefined : { timetoken: start, inclusive: false },
    lower: end === undefined ? undefined : { timetoken: end, inclusive: true },
  };
}

/**
 * The messages a delete from history removes, by PubNub's rule: the message at `end` goes and the
 * one at `start` stays, whichever of the two is the larger (the Chat SDK deletes message `tt`
 * with `start=tt-1&end=tt`). Equal bounds delete nothing; no bounds delete everything. With one
 * bound only, the read rule applies: `start` alone deletes what is older than it, `end` alone it
 * and what is newer.
 */
export function deleteRange(start: string | undefined, end: string | undefined): TimetokenRange {
  if (start === undefined || end === undefined) return readRange(start, end);
  const startBound = { timetoken: start, inclusive: false };
  const endBound = { timetoken: end, inclusive: true };
  // Equal bounds fall to the second case: (end, end] holds no timetoken.
  return BigInt(start) > BigInt(end) ? { lower: endBound, upper: startBound } : { lower: startBound, upper: endBound };
}

/** At most 40 characters of what a client sent, for an error message. */
const clip = (text: string): string => (text.length > 40 ? `${text.slice(0, 40)}…` : text);
