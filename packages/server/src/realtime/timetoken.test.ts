import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
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
  it('reads Date.now() to within 50 µs, so nodes on one machine stamp alike (performance.timeOrigin alone is up to 1 ms off)', () => {
    const off: string[] = [];
    const slack = 500n; // 50 µs in timetoken units
    for (let sample = 0; sample < 5_000; sample++) {
      const before = BigInt(Date.now()) * 10_000n;
      const wall = wallClock();
      const after = (BigInt(Date.now()) + 1n) * 10_000n;
      if (wall < before - slack || wall > after + slack) off.push(`${wall} outside ${before}..${after}`);
    }
    expect(off).toEqual([]);
  });
});

/**
 * Run in a process of its own: prints its wall clock minus the machine's monotonic clock (in ns),
 * read where the two reads bracket it most closely. Processes whose calibrations agree print the same.
 */
const PRINT_OFFSET = `
  const { wallClock } = await import(${JSON.stringify(new URL('./timetoken.ts', import.meta.url).href)});
  let width = 1n << 60n, offset = 0n;
  for (let i = 0; i < 1000; i++) {
    const before = process.hrtime.bigint(); const wall = wallClock(); const after = process.hrtime.bigint();
    if (after - before < width) { width = after - before; offset = wall * 100n - (before + after) / 2n; }
  }
  console.log(String(offset));`;

describe('wallClock across processes', () => {
  it('agrees to well under a millisecond between nodes started at once on a busy machine', { timeout: 60_000 }, async () => {
    const busy = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;);'], { stdio: 'ignore' }));
    try {
      const run = promisify(execFile);
      const outputs = await Promise.all(
        Array.from({ length: 8 }, () => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PRINT_OFFSET], { timeout: 30_000 })),
      );
      const offsets = outputs.map(({ stdout }) => BigInt(stdout.trim()));
      const spread = offsets.reduce((a, b) => (a > b ? a : b)) - offsets.reduce((a, b) => (a < b ? a : b));
      expect(Number(spread) / 1e6, 'ms between the most distant clocks').toBeLessThan(0.5);
    } finally {
      for (const child of busy) child.kill();
    }
  });
});
