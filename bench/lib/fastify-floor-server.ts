/**
 * The framework floor: the same `/bytes/{n}` route as the bare baseline, on Fastify with the
 * defaults Roster builds on (router, JSON body parser, reply pipeline), answering a prebuilt
 * body. Roster's rate over this one is the share left to Roster's own work.
 *
 *   node --import tsx bench/lib/fastify-floor-server.ts   → prints `listening on http://127.0.0.1:PORT`
 */
import Fastify from 'fastify';
import { jsonOfSize } from './json-of-size.ts';

const bodies = new Map<number, string>();
const app = Fastify({ logger: false });
const answer = async (request: { params: unknown }) => {
  const size = Math.min(Number((request.params as { size: string }).size) || 0, 16 * 1024 * 1024);
  let body = bodies.get(size);
  if (!body) bodies.set(size, (body = jsonOfSize(size).toString()));
  return body;
};
app.get('/bytes/:size', { handler: answer });
app.patch('/bytes/:size', { handler: answer });
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening on ${address}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
