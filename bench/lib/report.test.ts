import { describe, expect, it } from 'vitest';
import { metricsCheck } from '../metrics-overhead.ts';
import { check, verdict } from './report.ts';

describe('verdict', () => {
  it('says met or MISSED against the target as the issue wrote it', () => {
    expect(verdict(check({ measure: 'rate vs bare node:http', atLeast: 0.5, unit: 'share' }, 0.51))).toBe('met (target ≥ 50.0%)');
    expect(verdict(check({ measure: 'deep / first latency', atMost: 1.3, unit: 'factor' }, 1.4))).toBe('MISSED (target ≤ 1.3×)');
    expect(verdict(undefined)).toBe('');
  });

  it('says inconclusive, and why, when the run cannot decide', () => {
    const unsure = { ...check({ measure: 'x', atMost: 20, unit: 'ms' }, 12), inconclusive: 'too few samples' };
    expect(verdict(unsure)).toBe('inconclusive: too few samples (target ≤ 20 ms)');
  });
});

describe('what the metrics cost', () => {
  it('is met within 3% of the rate, missed beyond, and inconclusive when the node without them was slower by more than that', () => {
    expect(verdict(metricsCheck(0.012))).toBe('met (target ≤ 3.0%)');
    expect(verdict(metricsCheck(-0.02))).toBe('met (target ≤ 3.0%)');
    expect(verdict(metricsCheck(0.05))).toBe('MISSED (target ≤ 3.0%)');
    expect(verdict(metricsCheck(-0.166))).toMatch(/^inconclusive: the node without metrics was the slower one/);
  });
});
