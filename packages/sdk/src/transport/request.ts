import type { QueryParams } from '@roster/protocol';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * A request as an endpoint describes it: plain data, no I/O. The transport adds the common
 * parameters (`uuid`, `requestid`, `pnsdk`, `auth`), signs it and sends it.
 */
export interface RequestDescriptor {
  readonly method: HttpMethod;
  /** The path, already percent-encoded (see `encodePath`). */
  readonly path: string;
  /** The endpoint's own query parameters, unencoded. */
  readonly query: QueryParams;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Safe to send again after a network error or 5xx: only then does the transport retry. */
  readonly idempotent: boolean;
  /** `false` for `/time`, which takes no auth token and no signature. Default `true`. */
  readonly authenticated?: boolean;
  /** Long-poll requests override the normal request timeout. */
  readonly timeoutMs?: number;
  /** The most bytes of the answer's body read; default `MAX_RESPONSE_BYTES` (read-body.ts). */
  readonly maxResponseBytes?: number;
}

/** A request as it went on the wire. */
export interface SentRequest {
  readonly method: HttpMethod;
  readonly url: string;
}

/** An HTTP response, whatever its status. */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Why a request produced no usable HTTP response: `too-large`, its body passed the cap it was read with. */
export type TransportFailureKind = 'timeout' | 'network' | 'cancelled' | 'too-large';

export type TransportOutcome =
  | { readonly ok: true; readonly request: SentRequest; readonly response: HttpResponse }
  | { readonly ok: false; readonly request: SentRequest; readonly failure: TransportFailureKind; readonly cause: unknown };
