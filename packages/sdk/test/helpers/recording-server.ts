import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request exactly as it arrived. */
export interface RecordedRequest {
  readonly method: string;
  /** Raw path, still percent-encoded. */
  readonly path: string;
  /** Raw query string without `?`. */
  readonly rawQuery: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A reply: status and JSON (or raw text) body. */
export interface Reply {
  readonly status?: number;
  readonly body: unknown;
  readonly contentType?: string;
  /** Never answer (a long-poll with nothing to deliver); the connection closes with the server. */
  readonly hang?: boolean;
}

export type Responder = (request: RecordedRequest) => Reply;

export interface RecordingServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT` (the official SDK's `origin`). */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Forget recorded requests. */
  reset(): void;
  /** Replace the responder. */
  respond(responder: Responder): void;
  close(): Promise<void>;
}

const TIMETOKEN = '17000000000000001';

/** PubNub-shaped answers for every endpoint the SDKs call. */
export const pubnubLikeResponder: Responder = (request) => {
  const { path, method } = request;
  if (path.startsWith('/time/')) return { body: `[${TIMETOKEN}]`, contentType: 'text/javascript; charset="UTF-8"' };
  if (path.startsWith('/publish/')) return { body: [1, 'Sent', TIMETOKEN], contentType: 'text/javascript; charset="UTF-8"' };
  if (path.startsWith('/v2/subscribe/')) {
    // Handshakes are answered at once; long-polls wait, as there is nothing to deliver.
    if (/(^|&)tt=/.test(request.rawQuery)) return { body: null, hang: true };
    return { body: { t: { t: TIMETOKEN, r: 1 }, m: [] } };
  }
  if (path.startsWith('/v2/presence/')) return { body: { status: 200, message: 'OK', service: 'Presence' } };
  const segments = path.split('/').filter(Boolean);
  // /v2/objects/{sub}/{collection}[/{id}[/{related}]]
  if (method === 'DELETE') return { body: { status: 200, data: null } };
  if (segments.length === 5) {
    const id = decodeURIComponent(segments[4] ?? '');
    return { body: { status: 200, data: { id, name: null, updated: '2024-01-01T00:00:00Z', eTag: 'e' } } };
  }
  return { body: { status: 200, data: [] } };
};

/** A local HTTP server that records every request and answers with `responder`. */
export async function startRecordingServer(responder: Responder = pubnubLikeResponder): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  let current = responder;
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const raw = incoming.url ?? '/';
      const at = raw.indexOf('?');
      const request: RecordedRequest = {
        method: incoming.method ?? 'GET',
        path: at === -1 ? raw : raw.slice(0, at),
        rawQuery: at === -1 ? '' : raw.slice(at + 1),
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const reply = current(request);
      if (reply.hang === true) return;
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      outgoing.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? 'application/json', Connection: 'close' });
      outgoing.end(text);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    origin: `127.0.0.1:${port}`,
    requests,
    reset: () => void requests.splice(0),
    respond: (next) => void (current = next),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** Decodes a raw query string into key → values (repeated keys keep their order); `+` stays `+`. */
export function decodeQuery(rawQuery: string): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  if (rawQuery === '') return result;
  for (const pair of rawQuery.split('&')) {
    const at = pair.indexOf('=');
    const key = decodeURIComponent(at === -1 ? pair : pair.slice(0, at));
    const value = at === -1 ? '' : decodeURIComponent(pair.slice(at + 1));
    (result[key] ??= []).push(value);
  }
  return result;
}

/** Same as {@link decodeQuery} but keeps values percent-encoded, to compare encodings byte for byte. */
export function rawQueryValues(rawQuery: string): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  if (rawQuery === '') return result;
  for (const pair of rawQuery.split('&')) {
    const at = pair.indexOf('=');
    (result[at === -1 ? pair : pair.slice(0, at)] ??= []).push(at === -1 ? '' : pair.slice(at + 1));
  }
  return result;
}
