import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** An HTTP proxy in front of a server that can drop every connection, as a network outage would. */
export interface FaultyProxy {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Drops open connections and refuses new ones until {@link FaultyProxy.heal}. */
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
  });
}

export async function startFaultyProxy(target: string): Promise<FaultyProxy> {
  let down = false;
  const sockets = new Set<Socket>();
  const server = createServer(async (request, response) => {
    if (down) {
      request.socket.destroy();
      return;
    }
    const upstream = new AbortController();
    request.socket.once('close', () => upstream.abort());
    try {
      const body = await readBody(request);
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'if-match']) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const answer = await fetch(`${target}${request.url ?? '/'}`, {
        method: request.method ?? 'GET',
        headers,
        ...(body === '' ? {} : { body }),
        signal: upstream.signal,
      });
      const text = await answer.text();
      if (down) return void request.socket.destroy();
      response.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'application/json' });
      response.end(text);
    } catch {
      request.socket.destroy();
    }
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    heal: () => {
      down = false;
    },
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}
