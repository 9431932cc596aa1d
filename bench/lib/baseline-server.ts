/**
 * The HTTP ceiling every scenario is compared with: a route on Node's own `http` module that reads
 * the request body, then answers a JSON body of exactly the size asked for: `/bytes/{n}`.
 * Bodies are built once per size, so the route does no work a real server could skip.
 *
 *   node --import tsx bench/lib/baseline-server.ts [--spin µs]   → prints `listening on http://127.0.0.1:PORT`
 *
 * `--spin µs`: a busy loop that long before each answer, for a bare route as slow as a heavier
 * server (bench/client-wake-ups.ts).
 */
import { createServer } from 'node:http';
import { jsonOfSize } from './json-of-size.ts';

const bodies = new Map<number, Buffer>();
const spinAt = process.argv.indexOf('--spin');
const spinMs = spinAt === -1 ? 0 : Number(process.argv[spinAt + 1]) / 1000;

function bodyOfSize(size: number): Buffer {
  let body = bodies.get(size);
  if (!body) bodies.set(size, (body = jsonOfSize(size)));
  return body;
}

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

const server = createServer((req, res) => {
  const match = /^\/bytes\/(\d+)/.exec(req.url ?? '');
  req.resume();
  req.on('end', () => {
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    if (spinMs > 0) busyFor(spinMs);
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
