import type { PNStatus } from './status.ts';
import type { PNStatusCategory } from './status-category.ts';

/**
 * The error `.sync()` rejects with (and awaiting a builder throws). It carries the
 * {@link PNStatus} that `.pnAsync()` would have passed to its callback.
 * @example
 * try {
 *   await client.getUUIDMetadata({ uuid: 'nobody' }).sync();
 * } catch (error) {
 *   if (isPubNubException(error) && error.statusCode === 404) { ... }
 * }
 */
export class PubNubException extends Error {
  override readonly name = 'PubNubException' as const;
  readonly status: PNStatus;

  constructor(status: PNStatus, options?: { cause?: unknown }) {
    super(describe(status), options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
  }

  /** HTTP status code of the failed request; 0 when no response was received. */
  get statusCode(): number {
    return this.status.statusCode;
  }

  get category(): PNStatusCategory {
    return this.status.category;
  }
}

/** Whether `value` is a {@link PubNubException}; also works across realms and bundle copies. */
export function isPubNubException(value: unknown): value is PubNubException {
  return value instanceof PubNubException || (value instanceof Error && value.name === 'PubNubException' && 'status' in value);
}

function describe(status: PNStatus): string {
  const what = status.operation.replace(/^PN/, '').replace(/Operation$/, '');
  const details = (status.errorData?.details ?? []).map((detail) => (detail.location ? `${detail.location}: ${detail.message}` : detail.message));
  const information = [status.errorData?.information ?? status.category, ...details].join(' ');
  const code = status.statusCode > 0 ? ` (HTTP ${status.statusCode})` : '';
  const request = status.clientRequest ? ` ${status.clientRequest.method} ${stripQuery(status.clientRequest.url)}` : '';
  return `${what} failed${code}: ${information}${request}`;
}

/** Messages end up in logs; the query may hold an auth token, so it stays out. */
function stripQuery(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? url : url.slice(0, at);
}
