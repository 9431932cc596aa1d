import { describe, expect, it } from 'vitest';
import type { TransportOutcome } from './request.ts';
import { equalJitter, retryDelay, type RandomSource } from './retry.ts';

const options = { limit: 5, baseDelayMs: 200, maxDelayMs: 1000 };

const networkError: TransportOutcome = { ok: false, request: { method: 'GET', url: '/' }, failure: 'network', cause: undefined };

function answered(statusCode: number, headers: Record<string, string> = {}): TransportOutcome {
  return { ok: true, request: { method: 'GET', url: '/' }, response: { statusCode, headers: new Headers(headers), text: '' } };
}

/** A random source that replays `draws` in a loop. */
function replay(...draws: number[]): RandomSource {
  let next = 0;
  return () => draws[next++ % draws.length] ?? 0;
}

describe('retry delays', () => {
  it('equal jitter draws from [ceiling / 2, ceiling]', () => {
    expect(equalJitter(400, () => 0)).toBe(400);
    expect(equalJitter(400, () => 0.5)).toBe(300);
    expect(equalJitter(400, () => 0.9999)).toBe(200);
  });

  it('stay between half the exponential backoff and the backoff, capped at maxDelayMs', () => {
    const random = replay(0.1, 0.7, 0.4, 0.95, 0.3);
    for (let retry = 1; retry <= 6; retry++) {
      const ceiling = Math.min(200 * 2 ** (retry - 1), 1000);
      const delay = retryDelay(retry, networkError, options, random);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });

  it('differ between attempts even once the cap is reached', () => {
    const random = replay(0.2, 0.8);
    const capped = [4, 5, 6, 7].map((retry) => retryDelay(retry, answered(503), options, random));
    expect(new Set(capped).size).toBeGreaterThan(1);
  });

  it('are reproducible with a fixed random source', () => {
    const delays = () => {
      const random = replay(0.25, 0.5);
      return [1, 2, 3, 4].map((retry) => retryDelay(retry, networkError, options, random));
    };
    expect(delays()).toEqual([175, 300, 700, 750]);
    expect(delays()).toEqual(delays());
  });

  it("honour the server's Retry-After as given, without jitter, capped at maxDelayMs", () => {
    expect(retryDelay(1, answered(429, { 'retry-after': '0.5' }), options, () => 0.9)).toBe(500);
    expect(retryDelay(1, answered(429, { 'retry-after': '30' }), options, () => 0.9)).toBe(1000);
  });
});
