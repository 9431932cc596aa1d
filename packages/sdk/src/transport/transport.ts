import { encodeQuery, signatureV2, sortedQuery, type QueryParams } from '@roster/protocol';
import type { ResolvedConfig } from '../config.ts';
import { PNSDK } from '../version.ts';
import { fetchOnce } from './fetch-once.ts';
import { MAX_RESPONSE_BYTES } from './read-body.ts';
import { requestId } from './request-id.ts';
import type { RequestDescriptor, TransportOutcome } from './request.ts';
import { retryDelay, shouldRetry, sleep } from './retry.ts';

/** Sends request descriptors: common parameters, auth, signing, timeout and retries. */
export interface Transport {
  send(descriptor: RequestDescriptor, signal?: AbortSignal): Promise<TransportOutcome>;
}

/** Where the transport reads the current auth token (it can change with `setToken`). */
export type TokenSource = () => string | undefined;

/** The transport over `fetch` that every client uses. */
export function createFetchTransport(config: ResolvedConfig, token: TokenSource): Transport {
  return {
    async send(descriptor, signal) {
      const id = requestId();
      let outcome = await attempt(config, token, descriptor, id, signal);
      const retries = descriptor.idempotent ? config.retry.limit : 0;
      for (let retry = 1; retry <= retries && shouldRetry(outcome); retry++) {
        await sleep(retryDelay(retry, outcome, config.retry), signal);
        if (signal?.aborted) break;
        // Signed again on each attempt: the signature covers a timestamp the server checks.
        outcome = await attempt(config, token, descriptor, id, signal);
      }
      return outcome;
    },
  };
}

async function attempt(
  config: ResolvedConfig,
  token: TokenSource,
  descriptor: RequestDescriptor,
  id: string,
  signal: AbortSignal | undefined,
): Promise<TransportOutcome> {
  const query = await finalQuery(config, token, descriptor, id);
  const url = `${config.baseUrl}${descriptor.path}${query.length > 0 ? `?${encodeQuery(query)}` : ''}`;
  const headers: Record<string, string> = { ...descriptor.headers };
  if (descriptor.body !== undefined) headers['Content-Type'] = 'application/json';
  return fetchOnce(config.fetch, {
    method: descriptor.method,
    url,
    headers,
    body: descriptor.body,
    timeoutMs: descriptor.timeoutMs ?? config.requestTimeoutMs,
    maxBodyBytes: descriptor.maxResponseBytes ?? MAX_RESPONSE_BYTES,
    signal,
  });
}

/** The endpoint's parameters, then `uuid`, `requestid`, `pnsdk`, `auth`, `timestamp`, `signature`, as the official SDK orders them. */
async function finalQuery(config: ResolvedConfig, token: TokenSource, descriptor: RequestDescriptor, id: string): Promise<QueryParams> {
  const query: Array<readonly [string, string]> = [...descriptor.query];
  if (!query.some(([key]) => key === 'uuid')) query.push(['uuid', config.userId]);
  query.push(['requestid', id], ['pnsdk', PNSDK]);
  const authenticated = descriptor.authenticated ?? true;
  const auth = token() ?? config.authKey;
  if (authenticated && auth !== undefined && auth !== '') query.push(['auth', auth]);
  if (authenticated && config.secretKey !== undefined) {
    query.push(['timestamp', String(Math.floor(Date.now() / 1000))]);
    const signature = await signatureV2(config.secretKey, {
      method: descriptor.method,
      publishKey: config.publishKey ?? '',
      path: descriptor.path,
      query: sortedQuery(query),
      body: descriptor.body,
    });
    query.push(['signature', signature]);
  }
  return query;
}
