/**
 * A pass-through HTTP proxy put in front of a test server so a black-box suite driving a client it
 * does not control (PubNub's Chat SDK) can say which request failed: every exchange is forwarded
 * byte for byte and recorded as method, path with query, status and the first bytes of both
 * bodies (answers decoded from gzip/deflate/br for the record only).
 */
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

export interface Exchange {
  method: string;
  /** Path and query as sent. */
  path: string;
  requestBody: string;
  /** The answer's status; `aborted` when the client went away first (a cancelled long-poll), `error` when the server could not be reached. */
  status: number | 'aborted' | 'error';
  responseBody: string;
}

export interface RecordingProxy {
  /** `127.0.0.1:PORT`, the form PubNub SDKs take as `origin`. */
  origin: string;
  /** Every exchange so far, in the order they were answered. */
  exchanges: Exchange[];
  close(): Promise<void>;
}

const KEPT = 600;

function text(body: Buffer, encoding: string | undefined): string {
  try {
    const plain = encoding === 'gzip' ? gunzipSync(body) : encoding === 'deflate' ? inflateSync(body) : encoding === 'br' ? brotliDecompressSync(body) : body;
    const all = plain.toString('utf8');
    return all.length > KEPT ? `${all.slice(0, KEPT)}…` : all;
  } catch {
    return `<${body.length} bytes, ${encoding}>`;
  }
}

/** Starts a proxy on a free loopback port forwarding to `target` (`http://host:port`). */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const exchanges: Exchange[] = [];
  const proxy = createServer((incoming, outgoing) => {
    const requestChunks: Buffer[] = [];
    const exchange: Exchange = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', requestBody: '', status: 'aborted', responseBody: '' };
    const headers: IncomingHttpHeaders = { ...incoming.headers, host: upstream.host };
    const forwarded = request({ host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers }, (answer) => {
      exchange.status = answer.statusCode ?? 0;
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      const answerChunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
      answer.pipe(outgoing);
      answer.on('end', () => {
        exchange.responseBody = text(Buffer.concat(answerChunks), answer.headers['content-encoding']);
      });
    });
    forwarded.on('error', () => {
      if (exchange.status === 'aborted' && !outgoing.destroyed) exchange.status = 'error';
      if (!outgoing.headersSent) outgoing.writeHead(502).end();
      else outgoing.destroy();
    });
    incoming.on('data', (chunk: Buffer) => requestChunks.push(chunk));
    incoming.on('end', () => (exchange.requestBody = text(Buffer.concat(requestChunks), incoming.headers['content-encoding'])));
    incoming.pipe(forwarded);
    outgoing.on('close', () => {
      if (!outgoing.writableFinished) forwarded.destroy();
      exchanges.push(exchange);
    });
  });
  await new Promise<void>((listening) => proxy.listen(0, '127.0.0.1', listening));
  const { port } = proxy.address() as AddressInfo;
  return {
    origin: `127.0.0.1:${port}`,
    exchanges,
    close: () =>
      new Promise<void>((closed) => {
        proxy.closeAllConnections();
        proxy.close(() => closed());
      }),
  };
}

function readable(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** One line per exchange: `GET /path?query → 404 {"error"…}`, with the request body when there is one. */
export function describeExchanges(exchanges: Exchange[]): string {
  return exchanges
    .map(({ method, path, requestBody, status, responseBody }) => {
      const body = requestBody === '' ? '' : `\n    body: ${requestBody}`;
      return `  ${method} ${readable(path)}${body}\n    → ${status} ${responseBody}`;
    })
    .join('\n');
}
