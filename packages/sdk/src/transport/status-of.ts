import type { PNOperationType } from '../models/operation.ts';
import { categoryForStatusCode, PNStatusCategory } from '../models/status-category.ts';
import { PNStatus, type PNErrorDetail } from '../models/status.ts';
import { isRecord, parseJson } from './json.ts';
import type { SentRequest, TransportFailureKind, TransportOutcome } from './request.ts';

/** The status of a transport outcome: success, HTTP error or transport failure. */
export function statusOf(operation: PNOperationType, outcome: TransportOutcome): PNStatus {
  if (!outcome.ok) return failureStatus(operation, outcome.failure, outcome.request, outcome.cause);
  const { statusCode, text } = outcome.response;
  const body = parseJson(text);
  // A JSON body reporting status >= 400 is an error even under HTTP 200 (PubNub does the same).
  const bodyStatus = isRecord(body) && typeof body['status'] === 'number' ? body['status'] : undefined;
  const effective = statusCode >= 400 ? statusCode : bodyStatus !== undefined && bodyStatus >= 400 ? bodyStatus : statusCode;
  if (effective < 400) {
    return new PNStatus({ category: PNStatusCategory.PNAcknowledgmentCategory, operation, statusCode, clientRequest: outcome.request });
  }
  return new PNStatus({
    category: categoryForStatusCode(effective),
    operation,
    statusCode: effective,
    errorData: { information: errorMessage(body, effective), body: body ?? text, details: errorDetails(body) },
    clientRequest: outcome.request,
  });
}

const FAILURE: Record<TransportFailureKind, { category: PNStatusCategory; information: string }> = {
  timeout: { category: PNStatusCategory.PNTimeoutCategory, information: 'The request timed out.' },
  network: { category: PNStatusCategory.PNNetworkIssuesCategory, information: 'The request got no response from the server.' },
  cancelled: { category: PNStatusCategory.PNCancelledCategory, information: 'The request was cancelled.' },
  // As the official SDK files an answer it cannot use: the body was never read whole.
  'too-large': { category: PNStatusCategory.PNMalformedResponseCategory, information: 'The response was too large to read.' },
};

function failureStatus(operation: PNOperationType, kind: TransportFailureKind, request: SentRequest, cause: unknown): PNStatus {
  const { category, information } = FAILURE[kind];
  const reason = cause instanceof Error && (kind === 'network' || kind === 'too-large') ? ` (${cause.message})` : '';
  return new PNStatus({ category, operation, statusCode: 0, errorData: { information: information + reason, details: [], cause }, clientRequest: request });
}

function errorMessage(body: unknown, statusCode: number): string {
  if (isRecord(body)) {
    const error = body['error'];
    if (isRecord(error) && typeof error['message'] === 'string') return error['message'];
    if (typeof body['message'] === 'string') return body['message'];
  }
  // Publish answers errors as [0, "message", ...].
  if (Array.isArray(body) && typeof body[1] === 'string') return body[1];
  return `HTTP ${statusCode}`;
}

function errorDetails(body: unknown): PNErrorDetail[] {
  const error = isRecord(body) ? body['error'] : undefined;
  const details = isRecord(error) ? error['details'] : undefined;
  if (!Array.isArray(details)) return [];
  return details.filter(isRecord).map((detail) => ({
    message: typeof detail['message'] === 'string' ? detail['message'] : '',
    ...(typeof detail['location'] === 'string' ? { location: detail['location'] } : {}),
    ...(typeof detail['locationType'] === 'string' ? { locationType: detail['locationType'] } : {}),
  }));
}
