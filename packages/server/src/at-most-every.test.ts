import { describe, expect, it } from 'vitest';
import { AtMostEvery } from './at-most-every.ts';

describe('AtMostEvery', () => {
  it('is due at first, then again only once the interval has passed since the last time it was', () => {
    let now = 1_000;
    const warning = new AtMostEvery(30_000, () => now);
    expect(warning.due()).toBe(true);
    now += 29_999;
    expect(warning.due()).toBe(false);
    now += 1;
    expect(warning.due()).toBe(true);
    now += 10_000;
    expect(warning.due()).toBe(false); // counted from the last time it was due, not the first
  });
});
