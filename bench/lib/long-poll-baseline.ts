/**
 * The real-time baseline: a bare long-poll server on Node's own `http` module that holds
 * subscribe requests and answers them all when a message is published, doing nothing else.
 *
 *   node --import tsx bench/lib/long-poll-baseline.ts   → prints `listening on http://127.0.0.1:PORT`
 */
import { createServer, type ServerResponse } from 'node:http';

/** Sized answers, as Roster sends them (keep-alive clients then need no chunked decoding). */
function answer(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'text/javascript', 'content-length': Buffer.byteLength(body) }).end(body);
}

function serve(): void {
  const waiting = new Map<string, Set<ServerResponse>>();
  let counter = 17_000_000_000_000_000n;
  const server = createServer((req, res) => {
    const [path = '', query = ''] = (req.url ?? '').split('?');
    const parts = path.split('/');
    if (parts[1] === 'subscribe') {
      const channel = parts[2] ?? '';
      if (query === 'tt=0') {
        answer(res, `{"t":{"t":"${counter}","r":1},"m":[]}`);
        return;
      }
      let set = waiting.get(channel);
      if (!set) waiting.set(channel, (set = new Set()));
      set.add(res);
      res.once('close', () => set.delete(res));
      return;
    }
    if (parts[1] === 'publish') {
      const channel = parts[2] ?? '';
      const timetoken = String(++counter);
      const body = `{"t":{"t":"${timetoken}","r":1},"m":[{"c":"${channel}","p":{"t":"${timetoken}","r":1},"d":${decodeURIComponent(parts[3] ?? 'null')}}]}`;
      const set = waiting.get(channel);
      waiting.delete(channel);
      for (const held of set ?? []) answer(held, body);
      answer(res, `[1,"Sent","${timetoken}"]`);
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  });
}

serve();
process.on('SIGTERM', () => process.exit(0));
