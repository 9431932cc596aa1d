import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

interface Stored {
  readonly timetoken: bigint;
  readonly envelope: Record<string, unknown>;
}

/**
 * A minimal PubNub-style real-time server: `/time/0`, GET `/publish`, and `/v2/subscribe`
 * long-polls that answer with every envelope after `tt`. Enough to drive the SDK's subscribe
 * loop over real HTTP while the Roster server's real-time layer is being written.
 */
export interface FakeRealtime {
  readonly url: string;
  /** Pushes an envelope (e.g. an App Context event, `e: 2`) on a channel. */
  push(channel: string, envelope: Record<string, unknown>): string;
  /** Subscribe requests seen so far (raw URLs). */
  readonly subscribes: string[];
  close(): Promise<void>;
}

export async function startFakeRealtime(): Promise<FakeRealtime> {
  const log: Stored[] = [];
  const waiting = new Set<{ channels: string[]; after: bigint; response: ServerResponse }>();
  const subscribes: string[] = [];
  const sockets = new Set<Socket>();
  let last = BigInt(Date.now()) * 10_000n;
  const now = () => (last = BigInt(Date.now()) * 10_000n > last ? BigInt(Date.now()) * 10_000n : last + 1n);

  const reply = (response: ServerResponse, body: unknown, status = 200) => {
    response.writeHead(status, { 'Content-Type': 'text/javascript; charset="UTF-8"' });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const matching = (channels: string[], after: bigint) => log.filter((stored) => stored.timetoken > after && channels.includes(String(stored.envelope['c'])));
  const answer = (channels: string[], after: bigint, response: ServerResponse) => {
    const found = matching(channels, after);
    const t = found.length > 0 ? found[found.length - 1]!.timetoken : now();
    reply(response, { t: { t: String(t), r: 1 }, m: found.map((stored) => stored.envelope) });
  };
  const store = (channel: string, envelope: Record<string, unknown>): string => {
    const timetoken = now();
    log.push({ timetoken, envelope: { a: '1', f: 0, k: 'demo', ...envelope, c: channel, p: { t: String(timetoken), r: 1 } } });
    for (const waiter of [...waiting]) {
      if (waiter.channels.includes(channel)) {
        waiting.delete(waiter);
        answer(waiter.channels, waiter.after, waiter.response);
      }
    }
    return String(timetoken);
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').map(decodeURIComponent);
    if (url.pathname === '/time/0') return reply(response, `[${now()}]`);
    if (parts[1] === 'publish') {
      const timetoken = store(parts[5] ?? '', { d: JSON.parse(parts[7] ?? 'null') as unknown, i: url.searchParams.get('uuid') ?? undefined });
      return reply(response, [1, 'Sent', timetoken]);
    }
    if (parts[1] === 'v2' && parts[2] === 'subscribe') {
      subscribes.push(request.url ?? '');
      const channels = (url.pathname.split('/')[4] ?? '').split(',').map(decodeURIComponent);
      const tt = url.searchParams.get('tt');
      if (tt === null || tt === '0') return reply(response, { t: { t: String(now()), r: 1 }, m: [] });
      const after = BigInt(tt);
      if (matching(channels, after).length > 0) return answer(channels, after, response);
      const waiter = { channels, after, response };
      waiting.add(waiter);
      request.socket.once('close', () => waiting.delete(waiter));
      return undefined;
    }
    if (parts[1] === 'v2' && parts[2] === 'presence') return reply(response, { status: 200, message: 'OK', service: 'Presence' });
    return reply(response, { status: 404, error: true, message: 'Not found.' }, 404);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    push: store,
    subscribes,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}
