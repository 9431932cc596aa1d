import Type from 'typebox';
import { historyNeeds } from '../auth/authorize.ts';
import { badRequest } from '../errors.ts';
import { MAX_MESSAGE_COUNT } from '../messages/service.ts';
import { parseTimetoken } from '../messages/timetokens.ts';
import { answer, JS_MEDIA } from './answers.ts';
import { checkChannelName, checkUuidParam, decodeSegment } from './channel-list.ts';
import { keysetOf, queryOf, type RoutePlugin } from './context.ts';
import { JS_TYPE } from './error-envelope.ts';
import { inOrder, needs } from './route-steps.ts';
import { CREDENTIAL_PARAMS, queryParam, SubKeyParam } from './schema.ts';
import { rawParamsOf, single, type QueryValues } from './url.ts';

/** PubNub's limit on the channels of one count. */
export const MAX_COUNT_CHANNELS = 100;

const COUNTS_PATH = '/v3/history/sub-key/:subKey/message-counts/:channels';

/**
 * The channels of the path in the order sent, repeats kept: `channelsTimetoken` pairs with them
 * by position.
 */
function countedChannels(segment: string, maxLength: number): string[] {
  const channels = segment.split(',').map((part) => decodeSegment(part, 'channels'));
  if (channels.some((channel) => channel === '')) throw badRequest('channels', 'path', 'A channel name in the list is empty.');
  if (channels.length > MAX_COUNT_CHANNELS) {
    throw badRequest('channels', 'path', `Message counts take at most ${MAX_COUNT_CHANNELS} channels; got ${channels.length}.`);
  }
  for (const channel of channels) checkChannelName(channel, 'channels', maxLength);
  return channels;
}

/**
 * Per channel, the timetoken its count starts after: `timetoken` for every channel, or
 * `channelsTimetoken`, one per channel in the order of the path (PubNub: a list of another
 * length is a 400). Exactly one of the two is given. A channel named twice counts from the last
 * timetoken given for it.
 */
function countsAfter(query: QueryValues, channels: readonly string[]): Map<string, string> {
  const one = single(query, 'timetoken') || undefined;
  const list = single(query, 'channelsTimetoken') || undefined;
  if (one !== undefined && list !== undefined) {
    throw badRequest('channelsTimetoken', 'query', 'Give timetoken (one for every channel) or channelsTimetoken (one per channel), not both.');
  }
  if (one === undefined && list === undefined) {
    throw badRequest('timetoken', 'query', 'timetoken (or channelsTimetoken, one per channel) is required: messages after it are counted.');
  }
  const timetokens =
    list === undefined ? channels.map(() => parseTimetoken(one!, 'timetoken')) : list.split(',').map((text) => parseTimetoken(text, 'channelsTimetoken'));
  if (timetokens.length !== channels.length) {
    throw badRequest(
      'channelsTimetoken',
      'query',
      `channelsTimetoken has ${timetokens.length} timetokens for ${channels.length} channels; give one per channel, in order.`,
    );
  }
  return new Map(channels.map((channel, index) => [channel, timetokens[index]!]));
}

const CountsAnswer = Type.Object({
  status: Type.Literal(200),
  error: Type.Literal(false),
  error_message: Type.Literal(''),
  channels: Type.Record(Type.String(), Type.Integer({ minimum: 0, maximum: MAX_MESSAGE_COUNT }), {
    description: `Per channel, its messages after the timetoken, counted to at most ${MAX_MESSAGE_COUNT}.`,
  }),
  more: Type.Object({}, { description: 'Always empty: every count is complete up to its cap.' }),
});

/**
 * Message counts (`GET /v3/history/sub-key/{sub}/message-counts/{channels}`): how many messages
 * each channel has strictly after a timetoken, as PubNub's REST API "Get message count" and
 * the JavaScript SDK's `message_counts.ts` define it; the Chat SDK's unread counts.
 */
export const messageCountRoutes: RoutePlugin = async (app, { context }) => {
  const rawParams = rawParamsOf(COUNTS_PATH);
  app.get(
    COUNTS_PATH,
    {
      schema: {
        summary: 'Count messages after a timetoken',
        params: Type.Object({
          subKey: SubKeyParam,
          channels: Type.String({ description: `Up to ${MAX_COUNT_CHANNELS} channels: names joined by \`,\`, each percent-encoded.` }),
        }),
        querystring: Type.Object({
          ...CREDENTIAL_PARAMS,
          timetoken: queryParam('Count the messages of every channel after this timetoken (exclusive).'),
          channelsTimetoken: queryParam('Instead of `timetoken`: one timetoken per channel, comma-separated, in the order of the path.'),
        }),
        response: { 200: answer('Counts by channel.', CountsAnswer, JS_MEDIA) },
      },
      config: { service: 'history' },
    },
    (request, reply) =>
      inOrder(context, request, {
        parse() {
          const keyset = keysetOf(context, request.params);
          return { keyset, channels: countedChannels(rawParams(request).channels, keyset.limits.maxIdLength) };
        },
        auth({ channels }) {
          return needs(() => historyNeeds([...new Set(channels)]));
        },
        validate({ keyset, channels }) {
          const query = queryOf(request);
          checkUuidParam(single(query, 'uuid'), keyset.limits.maxIdLength);
          return countsAfter(query, channels);
        },
        async run(after, { keyset }) {
          const counts = await context.messages.counts(keyset.subscribeKey, after);
          const entries = [...after.keys()].map((channel) => `${JSON.stringify(channel)}:${counts.get(channel) ?? 0}`);
          void reply.type(JS_TYPE);
          return `{"status":200,"error":false,"error_message":"","channels":{${entries.join(',')}},"more":{}}`;
        },
      }),
  );
};
