import { describe, expect, it } from 'vitest';
import { parseTimetoken, TimetokenClock, wallClock } from './timetoken.ts';

describe('TimetokenClock', () => {
  it('issues 17-digit timetokens close to the wall clock', () => {
    const clock = new TimetokenClock();
    const timetoken = clock.next();
    expect(String(timetoken)).toMatch(/^\d{17}$/);
    expect(Number(timetoken / 10_000n)).toBeGreaterThanOrEqual(Date.now() - 1000);
  });

  it('is strictly increasing even when the wall clock stands still or steps back', () => {
    let wall = 17_000_000_000_000_000n;
    const clock = new TimetokenClock(() => wall);
    const first = clock.next();
    const second = clock.next();
    wall -= 1_000_000n;
    const third = clock.next();
    expect(second).toBeGreaterThan(first);
    expect(third).toBeGreaterThan(second);
  });

  it('never issues a timetoken at or below one it reported as now', () => {
    const wall = 17_000_000_000_000_000n;
    const clock = new TimetokenClock(() => wall);
    const reported = clock.now();
    expect(clock.next()).toBeGreaterThan(reported);
    expect(clock.now()).toBeGreaterThanOrEqual(reported);
  });

  it('never reports or issues less than a timetoken it observed from elsewhere', () => {
    const wall = 17_000_000_000_000_000n;
    const clock = new TimetokenClock(() => wall);
    clock.observe(wall + 5_000n);
    expect(clock.now()).toBe(wall + 5_000n);
    expect(clock.next()).toBe(wall + 5_001n);
    clock.observe(wall); // an older one changes nothing
    expect(clock.now()).toBe(wall + 5_001n);
  });

  it('follows a timetoken from a clock far ahead only up to its own wall clock plus maxLead', () => {
    let wall = 17_000_000_000_000_000n;
    const clock = new TimetokenClock(() => wall, 1_000n);
    expect(clock.observe(wall + 900n)).toBe(true);
    expect(clock.now()).toBe(wall + 900n);
    expect(clock.observe(wall + 10_000_000_000n)).toBe(false); // a node with its clock 1000 s ahead
    expect(clock.now()).toBe(wall + 1_000n);
    wall += 5_000n;
    expect(clock.next()).toBe(wall);
  });

  it('issues a million distinct timetokens in a tight loop', () => {
    const clock = new TimetokenClock();
    let last = 0n;
    for (let index = 0; index < 1_000_000; index++) {
      const next = clock.next();
      if (next <= last) throw new Error(`not increasing at ${index}`);
      last = next;
    }
  });
});

describe('parseTimetoken', () => {
  it('accepts digits only', () => {
    expect(parseTimetoken('17379929965457610')).toBe(17379929965457610n);
    expect(parseTimetoken('1')).toBe(1n);
    for (const bad of ['', '-1', '1.5', '1e17', 'abc', '12345678901234567890']) expect(parseTimetoken(bad)).toBeUndefined();
  });
});

describe('wallClock', () => {
  it('reads the same millisecond as Date.now(), so nodes on one machine stamp alike (performance.timeOrigin alone is up to 1 ms off)', () => {
    const off: string[] = [];
    for (let sample = 0; sample < 5_000; sample++) {
      const before = Date.now();
      const millis = Number(wallClock() / 10_000n);
      const after = Date.now();
      if (millis < before || millis > after) off.push(`${millis} outside ${before}..${after}`);
    }
    expect(off).toEqual([]);
  });
});
