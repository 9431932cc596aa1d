import { describe, expect, it } from 'vitest';
import { durationAndRate } from './progress.ts';

describe('durationAndRate', () => {
  it('works the rate out from the seconds as shown, so the two agree', () => {
    expect(durationAndRate(1_000_000, 95_213)).toBe('in 95.2 s (10504 records/s)');
    expect(durationAndRate(30, 1_460)).toBe('in 1.5 s (20 records/s)');
  });

  it('leaves the rate out of a run under a second: 5 records in 0.128 s is not "0.1 s (39 records/s)"', () => {
    expect(durationAndRate(5, 128)).toBe('in 0.1 s');
    expect(durationAndRate(5, 949)).toBe('in 0.9 s');
    expect(durationAndRate(5, 950)).toBe('in 1.0 s (5 records/s)');
  });

  it('says "under 0.1 s" rather than "0.0 s"', () => {
    expect(durationAndRate(0, 12)).toBe('in under 0.1 s');
  });
});
