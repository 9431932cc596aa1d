/**
 * What kind of outcome a {@link PNStatus} describes. A closed set: every status the SDK
 * produces carries exactly one of these, chosen from the HTTP status code or the transport
 * failure, never from message text.
 */
export const PNStatusCategory = {
  /** The request succeeded. */
  PNAcknowledgmentCategory: 'PNAcknowledgmentCategory',
  /** 400: the server rejected the parameters or body (see `errorData.details`). */
  PNBadRequestCategory: 'PNBadRequestCategory',
  /** 401/403: the token, auth key or signature does not grant this operation. */
  PNAccessDeniedCategory: 'PNAccessDeniedCategory',
  /** 404: the user or channel does not exist. */
  PNNotFoundCategory: 'PNNotFoundCategory',
  /** 412: `ifMatchesEtag` did not match the stored eTag. */
  PNPreconditionFailedCategory: 'PNPreconditionFailedCategory',
  /** 429: rate limited. */
  PNTooManyRequestsCategory: 'PNTooManyRequestsCategory',
  /** 5xx. */
  PNServerErrorCategory: 'PNServerErrorCategory',
  /** Any other non-2xx status. */
  PNUnknownCategory: 'PNUnknownCategory',
  /** The request did not complete within the configured timeout. */
  PNTimeoutCategory: 'PNTimeoutCategory',
  /** The request never got an HTTP response (DNS, refused connection, reset, CORS...). */
  PNNetworkIssuesCategory: 'PNNetworkIssuesCategory',
  /** The request was cancelled by the SDK (unsubscribe, disconnect). */
  PNCancelledCategory: 'PNCancelledCategory',
  /** A 2xx response whose body is not what the endpoint returns. */
  PNMalformedResponseCategory: 'PNMalformedResponseCategory',
  /** The call was rejected before sending: a required parameter is missing or invalid. */
  PNValidationErrorCategory: 'PNValidationErrorCategory',
  /** Subscribe: the first handshake succeeded. */
  PNConnectedCategory: 'PNConnectedCategory',
  /** Subscribe: the loop recovered after network errors and resumed from its timetoken. */
  PNReconnectedCategory: 'PNReconnectedCategory',
  /** Subscribe: the subscribed channel list changed while connected. */
  PNSubscriptionChangedCategory: 'PNSubscriptionChangedCategory',
  /** Subscribe: the loop stopped because you unsubscribed from everything or disconnected. */
  PNDisconnectedCategory: 'PNDisconnectedCategory',
  /** Subscribe: the loop stopped on an error it will not retry (see `errorData`). */
  PNUnexpectedDisconnectCategory: 'PNUnexpectedDisconnectCategory',
} as const;

export type PNStatusCategory = (typeof PNStatusCategory)[keyof typeof PNStatusCategory];

/** The category for an HTTP status code. */
export function categoryForStatusCode(statusCode: number): PNStatusCategory {
  if (statusCode >= 200 && statusCode < 300) return PNStatusCategory.PNAcknowledgmentCategory;
  if (statusCode >= 500) return PNStatusCategory.PNServerErrorCategory;
  switch (statusCode) {
    case 400:
    case 414:
      return PNStatusCategory.PNBadRequestCategory;
    case 401:
    case 403:
      return PNStatusCategory.PNAccessDeniedCategory;
    case 404:
      return PNStatusCategory.PNNotFoundCategory;
    case 412:
      return PNStatusCategory.PNPreconditionFailedCategory;
    case 429:
      return PNStatusCategory.PNTooManyRequestsCategory;
    default:
      return PNStatusCategory.PNUnknownCategory;
  }
}
