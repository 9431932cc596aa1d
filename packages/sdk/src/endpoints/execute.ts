import { PubNubException } from '../models/exception.ts';
import type { PNOperationType } from '../models/operation.ts';
import { PNStatusCategory } from '../models/status-category.ts';
import { PNStatus } from '../models/status.ts';
import type { Envelope } from '../models/results.ts';
import { parseJson } from '../transport/json.ts';
import type { RequestDescriptor } from '../transport/request.ts';
import { statusOf } from '../transport/status-of.ts';
import type { Transport } from '../transport/transport.ts';

/** A 2xx response handed to an endpoint's parser. */
export interface ParsedResponse {
  /** The JSON body, or `undefined` when the body is not JSON. */
  readonly body: unknown;
  /** The raw body, for values JSON numbers cannot hold (17-digit timetokens). */
  readonly text: string;
}

/** Thrown by request builders and parsers; turned into a status, never seen by callers as-is. */
export class InvalidParameters extends Error {}

/** Thrown by parsers when a 2xx body is not what the endpoint returns. */
export class MalformedResponse extends Error {}

/** What one call needs: its operation, a request builder and a response parser. */
export interface Call<TResult> {
  readonly operation: PNOperationType;
  /** Builds the request; throws {@link InvalidParameters} for missing or invalid parameters. */
  buildRequest(): RequestDescriptor;
  /** Turns a 2xx response into the result; throws {@link MalformedResponse} when it cannot. */
  parse(response: ParsedResponse, status: PNStatus): TResult;
}

/** Runs a call: build, send, and map the outcome to an envelope or a {@link PubNubException}. */
export async function execute<TResult>(transport: Transport, call: Call<TResult>, signal?: AbortSignal): Promise<Envelope<TResult>> {
  const { operation } = call;
  let descriptor: RequestDescriptor;
  try {
    descriptor = call.buildRequest();
  } catch (error) {
    if (!(error instanceof InvalidParameters)) throw error;
    throw new PubNubException(clientStatus(operation, PNStatusCategory.PNValidationErrorCategory, error.message));
  }
  const outcome = await transport.send(descriptor, signal);
  const status = statusOf(operation, outcome);
  if (status.isError() || !outcome.ok) throw new PubNubException(status, { cause: outcome.ok ? undefined : outcome.cause });
  const response = { body: parseJson(outcome.response.text), text: outcome.response.text };
  try {
    return { result: call.parse(response, status), status };
  } catch (error) {
    if (!(error instanceof MalformedResponse)) throw error;
    throw new PubNubException(
      new PNStatus({
        category: PNStatusCategory.PNMalformedResponseCategory,
        operation,
        statusCode: outcome.response.statusCode,
        errorData: { information: error.message, body: response.body ?? response.text, details: [] },
        clientRequest: outcome.request,
      }),
    );
  }
}

/** A status for something the client decided without a request (validation). */
export function clientStatus(operation: PNOperationType, category: PNStatusCategory, information: string): PNStatus {
  return new PNStatus({ category, operation, statusCode: 0, errorData: { information, details: [] } });
}
