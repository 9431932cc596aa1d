import { isPubNubException } from '../models/exception.ts';
import type { PNOperationType } from '../models/operation.ts';
import { PNStatusCategory } from '../models/status-category.ts';
import type { PNStatus } from '../models/status.ts';
import type { Envelope, PNCallback } from '../models/results.ts';
import type { RequestDescriptor } from '../transport/request.ts';
import type { Transport } from '../transport/transport.ts';
import type { ResolvedConfig } from '../config.ts';
import { clientStatus, execute, type Call, type ParsedResponse } from './execute.ts';

/** What every builder needs from its client. */
export interface EndpointContext {
  readonly config: ResolvedConfig;
  readonly transport: Transport;
}

/**
 * The base of every builder. A builder collects parameters (fluently or from the named
 * options it was created with) and runs when you call `.sync()`, `.pnAsync(callback)` or
 * await it; each of those sends a new request.
 */
export abstract class Endpoint<TResult> implements PromiseLike<Envelope<TResult>>, Call<TResult> {
  abstract readonly operation: PNOperationType;

  protected readonly context: EndpointContext;

  constructor(context: EndpointContext) {
    this.context = context;
  }

  /**
   * The request this builder would send, without the common parameters (`uuid`, `requestid`,
   * `pnsdk`, `auth`, signature). Throws when a required parameter is missing.
   */
  abstract buildRequest(): RequestDescriptor;

  abstract parse(response: ParsedResponse, status: PNStatus): TResult;

  /**
   * Sends the request. Resolves to `{ result, status }`; rejects with a `PubNubException`
   * whose `status` says what went wrong.
   * @example const { result } = await client.getUUIDMetadata().uuid('ann').sync();
   */
  sync(): Promise<Envelope<TResult>> {
    return execute(this.context.transport, this);
  }

  /**
   * Sends the request and calls `callback(result, status)` once: with `result === null` and
   * `status.isError()` on failure. Never throws and never rejects.
   * @example client.getUUIDMetadata().pnAsync((result, status) => { if (!status.isError()) show(result.data); });
   */
  pnAsync(callback: PNCallback<TResult>): void {
    this.sync().then(
      (envelope) => deliver(callback, envelope.result, envelope.status),
      (error: unknown) => deliver(callback, null, isPubNubException(error) ? error.status : unexpected(this.operation, error)),
    );
  }

  /** Makes the builder awaitable: `await builder` is `await builder.sync()`. */
  then<TFulfilled = Envelope<TResult>, TRejected = never>(
    onFulfilled?: ((envelope: Envelope<TResult>) => TFulfilled | PromiseLike<TFulfilled>) | null,
    onRejected?: ((reason: unknown) => TRejected | PromiseLike<TRejected>) | null,
  ): Promise<TFulfilled | TRejected> {
    return this.sync().then(onFulfilled, onRejected);
  }
}

/** Runs a user callback outside our promise chain, so an exception in it surfaces as an uncaught error instead of being swallowed. */
function deliver<TResult>(callback: PNCallback<TResult>, result: TResult | null, status: PNStatus): void {
  try {
    callback(result, status);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

function unexpected(operation: PNOperationType, error: unknown): PNStatus {
  return clientStatus(operation, PNStatusCategory.PNUnknownCategory, error instanceof Error ? error.message : String(error));
}
