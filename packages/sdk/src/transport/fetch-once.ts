import type { FetchLike } from '../config.ts';
import { readBodyText, ResponseTooLarge } from './read-body.ts';
import type { HttpMethod, TransportFailureKind, TransportOutcome } from './request.ts';

export interface Attempt {
  readonly method: HttpMethod;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** Covers the whole exchange: connecting, the headers and reading the body. */
  readonly timeoutMs: number;
  /** The most body bytes read; past them the outcome is a `too-large` failure. */
  readonly maxBodyBytes: number;
  /** Cancels the attempt (unsubscribe, disconnect). */
  readonly signal: AbortSignal | undefined;
}

/** One HTTP exchange with a timeout and a cap on the body's size; never throws, a failure is an outcome. */
export async function fetchOnce(fetchImpl: FetchLike, attempt: Attempt): Promise<TransportOutcome> {
  const request = { method: attempt.method, url: attempt.url };
  if (attempt.signal?.aborted) return { ok: false, request, failure: 'cancelled', cause: attempt.signal.reason };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, attempt.timeoutMs);
  const cancel = () => controller.abort();
  attempt.signal?.addEventListener('abort', cancel, { once: true });
  try {
    const init: RequestInit = { method: attempt.method, headers: attempt.headers, signal: controller.signal };
    if (attempt.body !== undefined) init.body = attempt.body;
    const response = await fetchImpl(attempt.url, init);
    const text = await readBodyText(response, attempt.maxBodyBytes);
    return { ok: true, request, response: { statusCode: response.status, headers: response.headers, text } };
  } catch (cause) {
    // Decided by who aborted, not by the error's message or name, which differ between runtimes.
    const failure: TransportFailureKind =
      cause instanceof ResponseTooLarge ? 'too-large' : timedOut ? 'timeout' : attempt.signal?.aborted ? 'cancelled' : 'network';
    return { ok: false, request, failure, cause };
  } finally {
    clearTimeout(timer);
    attempt.signal?.removeEventListener('abort', cancel);
  }
}
