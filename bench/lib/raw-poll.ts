import { connect, type Socket } from 'node:net';

interface Waiting {
  resolve: (answer: { at: number; body: string }) => void;
  reject: (error: Error) => void;
}

/**
 * A long-polling subscriber on a bare keep-alive TCP socket. It writes its GET requests itself
 * and notes when the first byte of each answer arrives: with a thousand subscribers in one
 * process, a full HTTP client's per-response work would otherwise be most of what is measured.
 */
export class RawPoller {
  readonly #socket: Socket;
  readonly #host: string;
  #buffer: Buffer = Buffer.alloc(0);
  #firstByteAt = 0;
  #waiting: Waiting | undefined;

  private constructor(socket: Socket, host: string) {
    this.#socket = socket;
    this.#host = host;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (error) => this.#waiting?.reject(error));
  }

  static open(url: string): Promise<RawPoller> {
    const { hostname, port, host } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawPoller(socket, host)));
      socket.once('error', reject);
    });
  }

  /** Sends `GET path`; resolves with the answer's body and when its first byte arrived. */
  poll(path: string): Promise<{ at: number; body: string }> {
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.#host}\r\nConnection: keep-alive\r\n\r\n`);
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    if (this.#buffer.length === 0) this.#firstByteAt = performance.now();
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const headerEnd = this.#buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(this.#buffer.subarray(0, headerEnd).toString('latin1'));
    if (!length) {
      this.#waiting?.reject(new Error('an answer without Content-Length'));
      return;
    }
    const end = headerEnd + 4 + Number(length[1]);
    if (this.#buffer.length < end) return;
    const body = this.#buffer.subarray(headerEnd + 4, end).toString('utf8');
    this.#buffer = this.#buffer.subarray(end);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve({ at: this.#firstByteAt, body });
  }
}
