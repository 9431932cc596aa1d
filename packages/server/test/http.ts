import type { RunningServer } from '@roster/testing';

/** A reply as a test sees it: status, parsed JSON (or raw text) and headers. */
export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | (string | number)[]>;
  body?: unknown;
  /** Sent as is, with no Content-Type added. */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** Query strings encoded as PubNub's JS SDK does: encodeURIComponent plus `!~*'()`. */
export function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function queryString(query: RequestOptions['query']): string {
  const pairs = Object.entries(query ?? {}).flatMap(([key, value]) =>
    (Array.isArray(value) ? value : [value]).map((v) => `${encode(key)}=${encode(String(v))}`),
  );
  return pairs.length > 0 ? `?${pairs.join('&')}` : '';
}

/** A tiny client for one keyset of a running server: paths are relative to `/v2/objects/{sub}`. */
export function objectsClient(server: RunningServer, subKey = 'demo') {
  const send = async <T = any>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const url = path.startsWith('/') ? `${server.url}${path}` : `${server.url}/v2/objects/${subKey}/${path}`;
    const response = await fetch(`${url}${queryString(options.query)}`, { method, headers, body: body ?? null });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text so the test can show it
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  };
  return {
    send,
    get: <T = any>(path: string, options?: RequestOptions) => send<T>('GET', path, options),
    patch: <T = any>(path: string, body: unknown, options?: RequestOptions) => send<T>('PATCH', path, { ...options, body }),
    delete: <T = any>(path: string, options?: RequestOptions) => send<T>('DELETE', path, options),
  };
}

export type ObjectsClient = ReturnType<typeof objectsClient>;

/** `updated` as PubNub sends it: ISO 8601 UTC with up to 6 fractional digits. */
export const ISO_UPDATED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** 200, or the HTTP status the official SDK reports for a failed call. */
export async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    return (error as { status?: { statusCode?: number } }).status?.statusCode ?? -1;
  }
}
