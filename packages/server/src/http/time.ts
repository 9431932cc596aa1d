import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.ts';
import { JS_TYPE } from './error-envelope.ts';

/**
 * `GET /time/0` → `[17379929965457610]`: the current timetoken as a JSON number, as PubNub
 * answers (the digits are written out, not passed through a JS number).
 */
export function timeRoutes(app: FastifyInstance, context: AppContext): void {
  app.get('/time/:callback', { config: { service: 'time' } }, async (_request, reply) => {
    void reply.type(JS_TYPE);
    return `[${context.realtime.now()}]`;
  });
}
