/** The one form every date in the console takes (src/dates.ts). */
import { describe, expect, it } from 'vitest';
import { formatDate } from '../src/dates.ts';

describe('formatDate', () => {
  it('shows a stored timestamp to the second, in UTC', () => {
    expect(formatDate('2026-12-06T05:33:17.123456Z')).toBe('2026-12-06 05:33:17 UTC');
    expect(formatDate('2026-12-06T05:33:17Z')).toBe('2026-12-06 05:33:17 UTC');
  });

  it('turns a timestamp with an offset into UTC, not into the browser’s time zone', () => {
    expect(formatDate('2026-12-06T06:33:17+01:00')).toBe('2026-12-06 05:33:17 UTC');
  });

  it('shows a Date (a token’s expiry) the same way', () => {
    expect(formatDate(new Date(Date.UTC(2026, 11, 6, 5, 33, 15)))).toBe('2026-12-06 05:33:15 UTC');
  });

  it('shows text that is not a date as it came', () => {
    expect(formatDate('')).toBe('');
    expect(formatDate('yesterday')).toBe('yesterday');
  });
});
