import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { RosterError } from '../errors.ts';
import { answer as described, JS_MEDIA, PresenceAnswer } from './answers.ts';
import { checkUuidParam, parseChannelList } from './channel-list.ts';
import { keysetOf, queryOf, type RoutePlugin } from './context.ts';
import { JS_TYPE } from './error-envelope.ts';
import { inOrder, OPEN } from './route-steps.ts';
import { CREDENTIAL_PARAMS, queryParam, SubKeyParam } from './schema.ts';
import { rawParamsOf, single } from './url.ts';

const HEARTBEAT_PATH = '/v2/presence/sub-key/:subKey/channel/:channels/heartbeat';
const LEAVE_PATH = '/v2/presence/sub-key/:subKey/channel/:channels/leave';

const ANSWERS = {
  [HEARTBEAT_PATH]: '{"status":200,"message":"OK","service":"Presence"}',
  [LEAVE_PATH]: '{"status":200,"message":"OK","action":"leave","service":"Presence"}',
} as const;

const schema = {
  params: Type.Object({
    subKey: SubKeyParam,
    channels: Type.String({ description: 'The channels: names joined by `,`, each percent-encoded.' }),
  }),
  querystring: Type.Object({ ...CREDENTIAL_PARAMS, heartbeat: queryParam('Seconds until the user would time out: accepted and ignored.') }),
};

const config = { service: 'presence' } as const;

/**
 * Presence itself (here-now, where-now, state, join/leave events) is not implemented. Heartbeat
 * and leave, which the SDKs send around subscribing, are accepted and answered as PubNub does so
 * that subscribing and unsubscribing work without errors.
 */
export const presenceRoutes: RoutePlugin = async (app, { context }) => {
  const answer = (path: typeof HEARTBEAT_PATH | typeof LEAVE_PATH) => {
    const rawParams = rawParamsOf(path);
    return (request: FastifyRequest<{ Params: { subKey: string } }>, reply: FastifyReply) =>
      inOrder(context, request, {
        parse() {
          const keyset = keysetOf(context, request.params);
          return { keyset, channels: parseChannelList(rawParams(request).channels, keyset.limits.maxIdLength) };
        },
        // Presence is not access-checked here: it reveals and changes nothing.
        auth() {
          return OPEN;
        },
        validate({ keyset }) {
          return checkUuidParam(single(queryOf(request), 'uuid'), keyset.limits.maxIdLength);
        },
        run() {
          void reply.type(JS_TYPE);
          return ANSWERS[path];
        },
      });
  };

  const answers = (summary: string) => ({ ...schema, summary, response: { 200: described('Accepted.', PresenceAnswer, JS_MEDIA) } });
  app.get(HEARTBEAT_PATH, { schema: answers('Presence heartbeat: accepted, nothing else'), config }, answer(HEARTBEAT_PATH));
  app.get(LEAVE_PATH, { schema: answers('Presence leave: accepted, nothing else'), config }, answer(LEAVE_PATH));
  app.get('/v2/presence/sub-key/:subKey/channel/*', { config }, async () => {
    throw new RosterError('NOT_FOUND', 'Presence is not supported by this server; only heartbeat and leave are accepted.');
  });
};
