import type { RetryOptions } from '../config.ts';
import type { TransportOutcome } from './request.ts';

const RETRIED_STATUS_CODES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Whether an outcome of an idempotent request is worth another attempt. */
export function shouldRetry(outcome: TransportOutcome): boolean {
  if (!outcome.ok) return outcome.failure !== 'cancelled';
  return RETRIED_STATUS_CODES.has(outcome.response.statusCode);
}

/**
 * Milliseconds to wait before retry number `retry` (1-based): exponential from `baseDelayMs`,
 * or the server's `Retry-After` in seconds, capped at `maxDelayMs` either way.
 */
export function retryDelay(retry: number, outcome: TransportOutcome, options: Required<RetryOptions>): number {
  const retryAfter = outcome.ok ? Number(outcome.response.headers.get('retry-after') ?? Number.NaN) : Number.NaN;
  const delay = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : options.baseDelayMs * 2 ** (retry - 1);
  return Math.min(delay, options.maxDelayMs);
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
