import type { PNOperationType } from './operation.ts';
import { PNStatusCategory } from './status-category.ts';

/** One entry of a server error's `details` list, e.g. which body field was invalid. */
export interface PNErrorDetail {
  readonly message: string;
  /** A field path (`custom.role`) or parameter name (`limit`). */
  readonly location?: string;
  /** `body`, `query` or `path`. */
  readonly locationType?: string;
}

/** Why a call failed, as far as the SDK could tell. */
export interface PNErrorData {
  /** A readable summary: the server's error message, or what went wrong on the client. */
  readonly information: string;
  /** The parsed response body of a failed HTTP request, when there was one. */
  readonly body?: unknown;
  /** The server's per-field problems (400 responses), else empty. */
  readonly details: readonly PNErrorDetail[];
  /** The underlying exception of a network failure or timeout. */
  readonly cause?: unknown;
}

/** The request a status is about, for logs. */
export interface PNClientRequest {
  readonly method: string;
  /** The full URL that was requested (includes the query, so the auth token if any). */
  readonly url: string;
}

/** Everything a {@link PNStatus} is made from. */
export interface PNStatusInit {
  readonly category: PNStatusCategory;
  readonly operation: PNOperationType;
  /** HTTP status code; 0 when no response was received. */
  readonly statusCode: number;
  readonly errorData?: PNErrorData | null;
  readonly affectedChannels?: readonly string[];
  readonly affectedChannelGroups?: readonly string[];
  readonly clientRequest?: PNClientRequest | null;
}

const SUCCESS_CATEGORIES: ReadonlySet<PNStatusCategory> = new Set<PNStatusCategory>([
  PNStatusCategory.PNAcknowledgmentCategory,
  PNStatusCategory.PNConnectedCategory,
  PNStatusCategory.PNReconnectedCategory,
  PNStatusCategory.PNSubscriptionChangedCategory,
  PNStatusCategory.PNDisconnectedCategory,
]);

/**
 * The outcome of a call: what kind of outcome (`category`), the HTTP status code and, for
 * errors, `errorData`. Every `.sync()` envelope and `.pnAsync()` callback gets one; errors
 * are also thrown as a {@link PubNubException} holding it.
 * @example
 * client.getUUIDMetadata().pnAsync((result, status) => {
 *   if (status.isError()) console.log(status.statusCode, status.errorData?.information);
 * });
 */
export class PNStatus {
  readonly category: PNStatusCategory;
  readonly operation: PNOperationType;
  readonly statusCode: number;
  /** `true` when the call failed. Same as {@link PNStatus.isError}. */
  readonly error: boolean;
  readonly errorData: PNErrorData | null;
  /** Subscribe statuses: the channels the change applies to; otherwise empty. */
  readonly affectedChannels: readonly string[];
  /** Subscribe statuses: the channel groups the change applies to; otherwise empty. */
  readonly affectedChannelGroups: readonly string[];
  readonly clientRequest: PNClientRequest | null;

  constructor(init: PNStatusInit) {
    this.category = init.category;
    this.operation = init.operation;
    this.statusCode = init.statusCode;
    this.error = !SUCCESS_CATEGORIES.has(init.category);
    this.errorData = init.errorData ?? null;
    this.affectedChannels = init.affectedChannels ?? [];
    this.affectedChannelGroups = init.affectedChannelGroups ?? [];
    this.clientRequest = init.clientRequest ?? null;
  }

  /** Whether the call failed. */
  isError(): boolean {
    return this.error;
  }
}
