/**
 * The node:http front of the write floors (sqlite-write-floor-server.ts,
 * postgres-write-floor-server.ts): `PATCH /v2/objects/{sub}/uuids/{id}` with a JSON body of a
 * user's fields, handed to `write` with a way to answer; anything else is a 404.
 */
import { createServer, type Server } from 'node:http';

/** The fields a floor writes. */
export interface Fields {
  name?: string;
  custom?: unknown;
}

/** Answers a write: its status and JSON body. */
export type Answer = (status: number, body: string) => void;

/** Listens on a free loopback port; resolves with the server and its base URL. */
export function servePatches(write: (id: string, fields: Fields, answer: Answer) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const id = /^\/v2\/objects\/[^/]+\/uuids\/([^/?]+)/.exec(req.url ?? '')?.[1];
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (id === undefined || req.method !== 'PATCH') return void res.writeHead(404).end();
      write(id, JSON.parse(Buffer.concat(chunks).toString()) as Fields, (status, body) =>
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
    });
  });
}
