/**
 * The framework floor: the same `/bytes/{n}` route as the bare baseline, on Fastify with the
 * defaults Roster builds on (router, JSON body parser, reply pipeline), answering a prebuilt
 * body. Roster's rate over this one is the share left to Roster's own work. It also serves
 * `long-poll-baseline.ts`'s long-poll routes, on Fastify's reply pipeline: the framework floor of
 * real-time delivery (`bench/profile.ts subscribe`).
 *
 *   node --import tsx bench/lib/fastify-floor-server.ts   → prints `listening on http://127.0.0.1:PORT`
 */
import Fastify, { type FastifyReply } from 'fastify';
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

const waiting = new Map<string, Set<FastifyReply>>();
let counter = 17_000_000_000_000_000n;
app.get('/subscribe/:channel', (request, reply) => {
  const { channel } = request.params as { channel: string };
  if ((request.query as { tt?: string }).tt === '0') return reply.type('text/javascript').send(`{"t":{"t":"${counter}","r":1},"m":[]}`);
  let set = waiting.get(channel);
  if (!set) waiting.set(channel, (set = new Set()));
  set.add(reply);
  reply.raw.once('close', () => set.delete(reply));
  return reply;
});
app.get('/publish/:channel/:message', (request, reply) => {
  const { channel, message } = request.params as { channel: string; message: string };
  const timetoken = String(++counter);
  const body = `{"t":{"t":"${timetoken}","r":1},"m":[{"c":"${channel}","p":{"t":"${timetoken}","r":1},"d":${message}}]}`;
  const set = waiting.get(channel);
  waiting.delete(channel);
  for (const held of set ?? []) void held.type('text/javascript').send(body);
  return reply.type('text/javascript').send(`[1,"Sent","${timetoken}"]`);
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening on ${address}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
