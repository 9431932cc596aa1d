/**
 * The HTTP ceiling every scenario is compared with: a route on Node's own `http` module that reads
 * the request body, then answers a JSON body of exactly the size asked for: `/bytes/{n}`.
 * Bodies are built once per size, so the route does no work a real server could skip.
 *
 *   node --import tsx bench/lib/baseline-server.ts   → prints `listening on http://127.0.0.1:PORT`
 */
import { createServer } from 'node:http';
import { jsonOfSize } from './json-of-size.ts';

const bodies = new Map<number, Buffer>();

function bodyOfSize(size: number): Buffer {
  let body = bodies.get(size);
  if (!body) bodies.set(size, (body = jsonOfSize(size)));
  return body;
}

const server = createServer((req, res) => {
  const match = /^\/bytes\/(\d+)/.exec(req.url ?? '');
  req.resume();
  req.on('end', () => {
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    const body = bodyOfSize(Math.min(Number(match[1]), 16 * 1024 * 1024));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
