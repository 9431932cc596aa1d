import Type from 'typebox';
import { answer, JS_MEDIA, TimeAnswer } from './answers.ts';
import type { RoutePlugin } from './context.ts';
import { JS_TYPE } from './error-envelope.ts';
import { ZeroParam } from './schema.ts';

/**
 * `GET /time/0` → `[17379929965457610]`: the current timetoken as a JSON number, as PubNub
 * answers (the digits are written out, not passed through a JS number). It names no keyset, so
 * it has nothing to parse, authorize or validate.
 */
export const timeRoutes: RoutePlugin = async (app, { context }) => {
  const schema = {
    summary: 'The current timetoken',
    params: Type.Object({ callback: ZeroParam('The JSONP callback') }),
    response: { 200: answer('`[timetoken]`', TimeAnswer, JS_MEDIA) },
  };
  app.get('/time/:callback', { schema, config: { service: 'time' } }, async (_request, reply) => {
    void reply.type(JS_TYPE);
    return `[${context.realtime.now()}]`;
  });
};
