import type { FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { publishNeeds } from '../auth/authorize.ts';
import { badRequest, RosterError } from '../errors.ts';
import type { MessageInput } from '../realtime/sequencer.ts';
import { answer, JS_MEDIA, PublishAnswer } from './answers.ts';
import { basePresenceName, isPresenceName } from '../model/presence-names.ts';
import { checkChannelName, checkUuidParam, decodeSegment } from './channel-list.ts';
import { queryOf, type RoutePlugin } from './context.ts';
import { JS_TYPE } from './error-envelope.ts';
import { bodyText } from './body.ts';
import { storeOptions } from './message-params.ts';
import { inOrder, needs } from './route-steps.ts';
import { CREDENTIAL_PARAMS, PubKeyParam, queryParam, SubKeyParam, ZeroParam, type TypeBoxProvider } from './schema.ts';
import { rawParamsOf, single, type QueryValues } from './url.ts';

/** PubNub's limit on one message (payload and meta together). */
export const MAX_MESSAGE_BYTES = 32 * 1024;
/**
 * The largest body read for a message: twice the message limit, so that a message somewhat over
 * it is told its size (and a compressed one has room for the stream's own bytes). Larger bodies
 * are refused before they are read; smaller ones are checked exactly.
 */
const MAX_POST_BYTES = 2 * MAX_MESSAGE_BYTES;
/** PubNub's rule for `custom_message_type`: 3–50 of these characters, not starting with `-`/`_` or `pn-`/`pn_`. */
const CUSTOM_MESSAGE_TYPE = /^(?!pn[-_])[A-Za-z0-9][A-Za-z0-9_-]{2,49}$/i;

/**
 * Deepest nesting of arrays and objects a message or its meta may have. The sequencer serializes both
 * again with JSON.stringify, which recurses: about 5,000 levels (well under 32 KiB) overflow it.
 */
const MAX_JSON_DEPTH = 1000;

/** Whether a parsed JSON value nests arrays and objects deeper than `limit`; walks without recursion. */
function nestsDeeper(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const [current, depth] = item;
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return false;
}

/** A message (or meta) text parsed, or a 400 naming `location`: not JSON, or nested deeper than `MAX_JSON_DEPTH`. */
export function parseJson(text: string, location: string, locationType: 'path' | 'query' | 'body'): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RosterError('INVALID_INPUT', 'Invalid JSON', [{ message: `${location} is not valid JSON.`, location, locationType }]);
  }
  if (nestsDeeper(value, MAX_JSON_DEPTH)) {
    throw new RosterError('INVALID_INPUT', 'Invalid JSON', [
      { message: `${location} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`, location, locationType },
    ]);
  }
  return value;
}

function parseMeta(text: string | undefined): unknown {
  if (text === undefined || text === '' || text === 'null') return undefined;
  const meta = parseJson(text, 'meta', 'query');
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw badRequest('meta', 'query', 'meta must be a JSON object.');
  return meta;
}

/**
 * Parse step: the one channel published (or signalled) to, decoded by the router, held to the
 * channel-name rule. A `-pnpres` channel carries the server's presence events: what a client
 * published there would reach subscribers as a presence event (a forged join), so it is refused.
 */
export function parseChannel(channel: string, maxLength: number): string {
  if (channel === '') throw badRequest('channel', 'path', 'The channel name is empty.');
  if (channel.includes(',')) throw badRequest('channel', 'path', 'Publish to one channel: the name may not contain a comma.');
  checkChannelName(channel, 'channel', maxLength);
  if (isPresenceName(channel)) {
    throw badRequest('channel', 'path', `'${channel}' carries the presence events of '${basePresenceName(channel)}': nothing may be published there.`);
  }
  return channel;
}

/** The `custom_message_type` query parameter, by PubNub's rule; `undefined` when absent or empty. */
export function parseCustomMessageType(query: QueryValues): string | undefined {
  const customMessageType = single(query, 'custom_message_type') || undefined;
  if (customMessageType !== undefined && !CUSTOM_MESSAGE_TYPE.test(customMessageType)) {
    throw badRequest('custom_message_type', 'query', 'custom_message_type is 3 to 50 letters, digits, - or _, and may not start with pn- or pn_.');
  }
  return customMessageType;
}

/** Validate step: the message and its options, by PubNub's rules. */
function validateMessage(query: QueryValues, messageText: string, maxIdLength: number): MessageInput {
  const metaText = single(query, 'meta');
  const bytes = Buffer.byteLength(messageText) + (metaText ? Buffer.byteLength(metaText) : 0);
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new RosterError('PAYLOAD_TOO_LARGE', 'Message Too Large', [
      { message: `The message and its meta are ${bytes} bytes; at most ${MAX_MESSAGE_BYTES} are allowed.`, location: 'message', locationType: 'body' },
    ]);
  }
  const customMessageType = parseCustomMessageType(query);
  if (messageText.trim() === '')
    throw new RosterError('INVALID_INPUT', 'Invalid JSON', [{ message: 'The message is empty.', location: 'message', locationType: 'body' }]);
  const meta = parseMeta(metaText);
  // Both texts are valid JSON: subscribers get them as published, not re-serialized.
  return {
    payload: parseJson(messageText, 'message', 'body'),
    payloadJson: messageText,
    meta,
    metaJson: meta === undefined ? undefined : metaText,
    publisher: checkUuidParam(single(query, 'uuid'), maxIdLength),
    customMessageType,
  };
}

const PUBLISH_PATH = '/publish/:pubKey/:subKey/:signature/:channel/:callback';
const PUBLISH_WITH_MESSAGE = '/publish/:pubKey/:subKey/:signature/:channel/:callback/*';

const PublishParams = Type.Object({
  pubKey: PubKeyParam,
  subKey: SubKeyParam,
  signature: ZeroParam('The old signature slot'),
  channel: Type.String({ description: 'The channel to publish to: one name (no comma), percent-encoded.' }),
  callback: ZeroParam('The JSONP callback'),
});

const PublishQuery = Type.Object({
  ...CREDENTIAL_PARAMS,
  uuid: queryParam("The publisher's user id, delivered to subscribers: 1 to 92 characters, no control characters."),
  meta: queryParam('A JSON object delivered with the message, for subscribe filters.'),
  custom_message_type: queryParam('3 to 50 letters, digits, `-` or `_`, not starting with `pn-` or `pn_`; delivered with the message.'),
  store: queryParam('`0` (or `false`) keeps the message out of history; default `1`: it is stored (Message Persistence).'),
  ttl: queryParam("Hours the message is kept in history: `0` for no expiry; absent (or `null`): the keyset's `messageRetentionHours`."),
  norep: queryParam('Accepted and ignored.'),
  seqn: queryParam('Accepted and ignored.'),
});

const config = { service: 'publish' } as const;
const PUBLISHED = { 200: answer('Published, once the event bus has taken it and history keeps it (unless `store=0`).', PublishAnswer, JS_MEDIA) };

/** Publish a message: `GET /publish/{pub}/{sub}/0/{channel}/0/{message}`, or `POST` without the message segment and the message as the body. */
export const publishRoutes: RoutePlugin = async (app, { context }) => {
  /** The steps of both forms, the message text aside. */
  const publish = (request: FastifyRequest, params: Static<typeof PublishParams>, reply: FastifyReply, messageText: () => string) =>
    inOrder(context, request, {
      parse() {
        const keyset = context.keysets.byKeyPair(params.pubKey, params.subKey);
        return { keyset, channel: parseChannel(params.channel, keyset.limits.maxIdLength) };
      },
      auth({ channel }) {
        return needs(() => publishNeeds(channel));
      },
      validate({ keyset }) {
        const query = queryOf(request);
        return { message: validateMessage(query, messageText(), keyset.limits.maxIdLength), storage: storeOptions(query) };
      },
      // Answered once the event bus has taken the message and history keeps it, as PubNub's `[1,"Sent","<timetoken>"]`.
      async run({ message, storage }, { keyset, channel }) {
        const timetoken = await context.messages.publish(keyset, channel, message, storage);
        void reply.type(JS_TYPE);
        return `[1,"Sent","${timetoken}"]`;
      },
    });

  const rawParams = rawParamsOf(PUBLISH_WITH_MESSAGE);
  app.get(
    PUBLISH_WITH_MESSAGE,
    {
      schema: {
        summary: 'Publish a message given in the path',
        params: Type.Object({ ...PublishParams.properties, '*': Type.String({ description: 'The message: JSON, percent-encoded.' }) }),
        querystring: PublishQuery,
        response: PUBLISHED,
      },
      config: { ...config, wildcard: 'message' },
    },
    (request, reply) => publish(request, request.params, reply, () => decodeSegment(rawParams(request)['*'], 'message')),
  );

  // POST bodies are JSON text, possibly compressed, whatever the Content-Type says.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
      try {
        done(null, bodyText(request, Buffer.isBuffer(body) ? body : Buffer.from(body)));
      } catch (error) {
        done(error instanceof Error ? error : new Error(String(error)));
      }
    });
    const body = Type.Union([Type.String(), Type.Null()], { description: 'The message: JSON text, compressed when Content-Encoding is gzip or deflate.' });
    scope.withTypeProvider<TypeBoxProvider>().post(
      PUBLISH_PATH,
      {
        schema: { summary: 'Publish a message given as the body', params: PublishParams, querystring: PublishQuery, body, response: PUBLISHED },
        config,
        bodyLimit: MAX_POST_BYTES,
      },
      (request, reply) => publish(request, request.params, reply, () => request.body ?? ''),
    );
  });
};
