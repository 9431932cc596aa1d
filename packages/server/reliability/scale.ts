/**
 * How big the reliability suite runs. `npm run test:reliability` runs the full counts and
 * durations the benchmarks doc reports; `npm run test:reliability:smoke` (what CI runs) sets
 * `ROSTER_RELIABILITY=smoke` and finishes in a few minutes.
 */
export const SMOKE = process.env['ROSTER_RELIABILITY'] === 'smoke';

/** The full value, or the smoke one. */
export function scale<T>(full: T, smoke: T): T {
  return SMOKE ? smoke : full;
}
