import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RosterError } from '../errors.ts';
import { checkUuidParam, decodeSegment, parseChannelList } from './channel-list.ts';
import { queryOf, type AppContext } from './context.ts';
import { JS_TYPE } from './error-envelope.ts';
import { rawSegments, single } from './url.ts';

const ANSWERS = {
  heartbeat: '{"status":200,"message":"OK","service":"Presence"}',
  leave: '{"status":200,"message":"OK","action":"leave","service":"Presence"}',
} as const;

/** Checks the keyset and the channel list of `/v2/presence/sub-key/{sub}/channel/{channels}/{action}`. */
function presenceAction(context: AppContext, request: FastifyRequest): keyof typeof ANSWERS {
  // ['v2', 'presence', 'sub-key', subKey, 'channel', channels, action]
  const segments = rawSegments(request);
  const action = segments[6];
  if (segments.length !== 7 || (action !== 'heartbeat' && action !== 'leave')) {
    throw new RosterError('NOT_FOUND', 'Presence is not supported by this server; only heartbeat and leave are accepted.');
  }
  const keyset = context.keysets.bySubscribeKey(decodeSegment(segments[3]!, 'subKey'));
  parseChannelList(segments[5]!, keyset.limits.maxIdLength);
  checkUuidParam(single(queryOf(request), 'uuid'), keyset.limits.maxIdLength);
  return action;
}

/**
 * Presence itself (here-now, where-now, state, join/leave events) is not implemented. Heartbeat
 * and leave, which the SDKs send around subscribing, are accepted and answered as PubNub does so
 * that subscribing and unsubscribing work without errors.
 */
export function presenceRoutes(app: FastifyInstance, context: AppContext): void {
  app.get('/v2/presence/sub-key/:subKey/channel/*', { config: { service: 'presence' } }, async (request, reply) => {
    const action = presenceAction(context, request);
    void reply.type(JS_TYPE);
    return ANSWERS[action];
  });
}
