import type { FastifyInstance, FastifyRequest } from 'fastify';
import { subscribeNeeds } from '../auth/authorize.ts';
import type { Keyset } from '../model/keyset.ts';
import { badRequest, RosterError } from '../errors.ts';
import type { SubscribeQuery } from '../realtime/delivery.ts';
import { MessageFilterCache } from '../realtime/message-filter.ts';
import { parseTimetoken } from '../realtime/timetoken.ts';
import { checkUuidParam, decodeSegment, parseChannelList } from './channel-list.ts';
import { queryOf, type AppContext } from './context.ts';
import { authorize } from './credentials.ts';
import { JS_TYPE } from './error-envelope.ts';
import { rawSegments, single } from './url.ts';

function parseAfter(text: string | undefined): SubscribeQuery['after'] {
  // The JS event engine's handshake sends no `tt`; other SDKs send `tt=0`.
  if (text === undefined || text === '' || text === '0') return undefined;
  const timetoken = parseTimetoken(text);
  if (timetoken === undefined) throw badRequest('tt', 'query', `tt must be a timetoken (digits); got '${text}'.`);
  return timetoken;
}

function parseSubscribe(context: AppContext, filters: MessageFilterCache, request: FastifyRequest): { keyset: Keyset; query: SubscribeQuery } {
  // ['v2', 'subscribe', subKey, channels, callback]
  const segments = rawSegments(request);
  if (segments.length !== 5) throw new RosterError('NOT_FOUND', 'Not found.');
  const keyset = context.keysets.bySubscribeKey(decodeSegment(segments[2]!, 'subKey'));
  const query = queryOf(request);
  if (single(query, 'channel-group')) {
    throw new RosterError('INVALID_INPUT', 'Channel groups are not supported by this server.', [
      { message: 'Subscribe to channels by name instead.', location: 'channel-group', locationType: 'query' },
    ]);
  }
  const channels = parseChannelList(segments[3]!, keyset.limits.maxIdLength);
  checkUuidParam(single(query, 'uuid'), keyset.limits.maxIdLength);
  if (channels.length === 0) throw badRequest('channels', 'path', 'Name at least one channel to subscribe to.');
  const wildcard = channels.find((channel) => channel.endsWith('.*'));
  if (wildcard) throw badRequest('channels', 'path', `Wildcard subscribe ('${wildcard}') is not supported by this server.`);
  const filterText = single(query, 'filter-expr');
  const subscribe: SubscribeQuery = {
    subKey: keyset.subscribeKey,
    channels,
    after: parseAfter(single(query, 'tt')),
    filter: filterText ? filters.get(filterText) : undefined,
  };
  return { keyset, query: subscribe };
}

/**
 * `GET /v2/subscribe/{sub}/{channels}/0`: a handshake answers at once with the current
 * timetoken; a poll with `tt` answers with the envelopes after it, or waits for the next one.
 */
export function subscribeRoutes(app: FastifyInstance, context: AppContext): void {
  const filters = new MessageFilterCache();
  app.get('/v2/subscribe/:subKey/*', { config: { service: 'subscribe' } }, async (request, reply) => {
    const { keyset, query } = parseSubscribe(context, filters, request);
    await authorize(context, request, keyset, subscribeNeeds(query.channels));
    void reply.type(JS_TYPE);
    return new Promise<string>((resolve) => {
      const answer = (body: string) => {
        // Counted until the socket is done with it: clients that never read cannot pile answers up.
        const response = reply.raw;
        if (response.destroyed || response.writableFinished) context.realtime.answerGone(body.length);
        else response.once('close', () => context.realtime.answerGone(body.length));
        resolve(body);
      };
      const held = context.realtime.subscribe(query, answer);
      // 'close' on the response: finished, or the client went away (a cancelled long-poll).
      if (held) reply.raw.once('close', () => context.realtime.cancel(held));
    });
  });
}
