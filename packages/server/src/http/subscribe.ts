import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import { subscribeNeeds } from '../auth/authorize.ts';
import { badRequest, RosterError } from '../errors.ts';
import type { HeldSubscribe, SubscribeQuery } from '../realtime/delivery.ts';
import { MessageFilterCache } from '../realtime/message-filter.ts';
import { parseTimetoken } from '../realtime/timetoken.ts';
import { answer, JS_MEDIA, SubscribeAnswer } from './answers.ts';
import { checkUuidParam, parseChannelList } from './channel-list.ts';
import { keysetOf, type AppContext, type RoutePlugin } from './context.ts';
import { JS_TYPE } from './error-envelope.ts';
import { inOrder, needs } from './route-steps.ts';
import { CREDENTIAL_PARAMS, queryParam, SubKeyParam, ZeroParam } from './schema.ts';
import { rawParamsOf, single, type QueryValues } from './url.ts';

function parseAfter(text: string | undefined): SubscribeQuery['after'] {
  // The JS event engine's handshake sends no `tt`; other SDKs send `tt=0`.
  if (text === undefined || text === '' || text === '0') return undefined;
  const timetoken = parseTimetoken(text);
  if (timetoken === undefined) throw badRequest('tt', 'query', `tt must be a timetoken (digits); got '${text}'.`);
  return timetoken;
}

/** Validate step: what this server does not serve (channel groups, wildcards), and the poll's options. */
function validateSubscribe(query: QueryValues, channels: string[], maxIdLength: number, filters: MessageFilterCache): Omit<SubscribeQuery, 'subKey'> {
  if (single(query, 'channel-group')) {
    throw new RosterError('INVALID_INPUT', 'Channel groups are not supported by this server.', [
      { message: 'Subscribe to channels by name instead.', location: 'channel-group', locationType: 'query' },
    ]);
  }
  checkUuidParam(single(query, 'uuid'), maxIdLength);
  if (channels.length === 0) throw badRequest('channels', 'path', 'Name at least one channel to subscribe to.');
  const wildcard = channels.find((channel) => channel.endsWith('.*'));
  if (wildcard) throw badRequest('channels', 'path', `Wildcard subscribe ('${wildcard}') is not supported by this server.`);
  const filterText = single(query, 'filter-expr');
  return { channels, after: parseAfter(single(query, 'tt')), filter: filterText ? filters.get(filterText) : undefined };
}

/**
 * Holds the poll until the hub answers it: at once, with the next envelopes, or empty at the hold
 * time. A poll that was held notes for how long on the request, for its log line.
 */
function held(context: AppContext, reply: FastifyReply, query: SubscribeQuery): Promise<string> {
  return new Promise<string>((resolve) => {
    const start = performance.now();
    let poll: HeldSubscribe | undefined;
    const answer = (body: string) => {
      if (poll !== undefined) reply.request.heldMs = performance.now() - start;
      // Counted until the socket is done with it: clients that never read cannot pile answers up.
      const response = reply.raw;
      if (response.destroyed || response.writableFinished) context.realtime.answerGone(body.length);
      else response.once('close', () => context.realtime.answerGone(body.length));
      resolve(body);
    };
    const holding = context.realtime.subscribe(query, answer);
    poll = holding;
    // 'close' on the response: finished, or the client went away (a cancelled long-poll).
    if (holding) reply.raw.once('close', () => context.realtime.cancel(holding));
  });
}

const SUBSCRIBE_PATH = '/v2/subscribe/:subKey/:channels/:callback';

const schema = {
  summary: 'Subscribe: a long-poll for messages and App Context events',
  response: { 200: answer('What arrived after `tt`, or nothing once the hold time is over; a handshake answers at once.', SubscribeAnswer, JS_MEDIA) },
  params: Type.Object({
    subKey: SubKeyParam,
    channels: Type.String({ description: 'The channels: names joined by `,`, each percent-encoded (a `,` in a name as `%2C`); a lone `,` names none.' }),
    callback: ZeroParam('The JSONP callback'),
  }),
  querystring: Type.Object({
    ...CREDENTIAL_PARAMS,
    tt: queryParam('The timetoken to deliver messages after; none or `0` is the handshake, answered at once with the current timetoken.'),
    tr: queryParam('The region of `tt`: accepted and ignored (one region).'),
    'filter-expr': queryParam('A subscribe filter over `meta` and the envelope (`meta.priority == "high"`).'),
    'channel-group': queryParam('Channel groups are not supported: a 400.'),
    heartbeat: queryParam('Accepted and ignored (presence is not implemented).'),
  }),
};

/**
 * Subscribe long-poll, `GET /v2/subscribe/{sub}/{channels}/0`: a handshake answers at once with
 * the current timetoken; a poll with `tt` answers with the envelopes after it, or waits for the
 * next one until the hold time.
 */
export const subscribeRoutes: RoutePlugin = async (app, { context }) => {
  const filters = new MessageFilterCache();
  const rawParams = rawParamsOf(SUBSCRIBE_PATH);

  app.get(SUBSCRIBE_PATH, { schema, config: { service: 'subscribe' } }, (request, reply) =>
    inOrder(context, request, {
      parse() {
        const keyset = keysetOf(context, request.params);
        return { keyset, channels: parseChannelList(rawParams(request).channels, keyset.limits.maxIdLength) };
      },
      auth({ channels }) {
        return needs(...subscribeNeeds(channels));
      },
      validate({ keyset, channels }) {
        return { subKey: keyset.subscribeKey, ...validateSubscribe(request.query, channels, keyset.limits.maxIdLength, filters) };
      },
      run(query) {
        void reply.type(JS_TYPE);
        return held(context, reply, query);
      },
    }),
  );

  // Held long-polls answer at once when the node shuts down, so SIGTERM never waits on them.
  app.addHook('preClose', async () => context.realtime.close());
};
