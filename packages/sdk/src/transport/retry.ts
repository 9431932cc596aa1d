import type { RetryOptions } from '../config.ts';
import type { TransportOutcome } from './request.ts';

const RETRIED_STATUS_CODES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/**
 * Whether an outcome of an idempotent request is worth another attempt. An oversized body is
 * not: the server would most likely send it again, costing the cap in bytes each time.
 */
export function shouldRetry(outcome: TransportOutcome): boolean {
  if (!outcome.ok) return outcome.failure !== 'cancelled' && outcome.failure !== 'too-large';
  return RETRIED_STATUS_CODES.has(outcome.response.statusCode);
}

/** Draws a number in [0, 1), like `Math.random`; injected so delays are reproducible in tests. */
export type RandomSource = () => number;

/**
 * "Equal jitter": a delay drawn from [ceilingMs / 2, ceilingMs] (milliseconds, rounded).
 * Half the backoff is kept so a failing server still gets breathing room; the other half is
 * random so clients that failed together (a node restart) do not all come back at once.
 * `random() === 0` gives the ceiling itself.
 */
export function equalJitter(ceilingMs: number, random: RandomSource): number {
  return Math.round(ceilingMs - (random() * ceilingMs) / 2);
}

/**
 * Milliseconds to wait before retry number `retry` (1-based). Without `Retry-After` it is the
 * exponential backoff `min(baseDelayMs * 2^(retry - 1), maxDelayMs)` with equal jitter, so a
 * delay in [backoff / 2, backoff]. A server's `Retry-After` (seconds) is honoured as given,
 * without jitter, capped at `maxDelayMs`.
 */
export function retryDelay(retry: number, outcome: TransportOutcome, options: Required<RetryOptions>, random: RandomSource = Math.random): number {
  const retryAfter = outcome.ok ? Number(outcome.response.headers.get('retry-after') ?? Number.NaN) : Number.NaN;
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return Math.min(retryAfter * 1000, options.maxDelayMs);
  return equalJitter(Math.min(options.baseDelayMs * 2 ** (retry - 1), options.maxDelayMs), random);
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks `signal.aborted`). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted) return done();
    const onAbort = () => {
      clearTimeout(timer);
      done();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      done();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
