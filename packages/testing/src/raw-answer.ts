import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

/** An answer as it came on the wire: its status and each header's values, by lower-cased name, as often as each came. */
export interface RawAnswer {
  status: number;
  headers: Map<string, string[]>;
}

/**
 * Sends `method url` with `headers` over `node:http` and reads the answer's raw headers, which
 * `fetch` merges: for a test that a header comes exactly once.
 */
export function rawAnswer(url: string, method = 'GET', headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    request(url, { method, headers }, (response) => {
      const byName = new Map<string, string[]>();
      for (let index = 0; index < response.rawHeaders.length; index += 2) {
        const name = response.rawHeaders[index]!.toLowerCase();
        byName.set(name, [...(byName.get(name) ?? []), response.rawHeaders[index + 1]!]);
      }
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: byName }));
    })
      .on('error', reject)
      .end();
  });
}

/** A TCP connection to a server, for tests that write requests byte by byte and read what comes back as it came. */
export interface RawConnection {
  socket: Socket;
  /** Everything received so far, as text. */
  received(): string;
  /** Resolves when the connection has closed, whichever side closed it. */
  closed: Promise<void>;
}

/** Opens a connection to the host and port of `url` (an `http://` base URL); resolves once it is connected. */
export async function rawConnection(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((ready, fail) => socket.once('connect', ready).once('error', fail));
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const closed = new Promise<void>((done) => socket.once('close', () => done()));
  return { socket, received: () => received, closed };
}
