import type { FastifyInstance, FastifyRequest } from 'fastify';
import { publishNeeds } from '../auth/authorize.ts';
import { badRequest, RosterError } from '../errors.ts';
import type { MessageInput } from '../realtime/sequencer.ts';
import { checkChannelName, checkUuidParam, decodeSegment } from './channel-list.ts';
import { queryOf, type AppContext } from './context.ts';
import { authorize } from './credentials.ts';
import { JS_TYPE } from './error-envelope.ts';
import { inflateBody } from './inflate.ts';
import { rawSegments, single } from './url.ts';

/** PubNub's limit on one message (payload and meta together). */
export const MAX_MESSAGE_BYTES = 32 * 1024;
/** Bodies larger than this are refused before they are read; smaller ones are checked exactly. */
const MAX_POST_BYTES = 1024 * 1024;
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

function parseJson(text: string, location: string, locationType: 'path' | 'query' | 'body'): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RosterError('INVALID_INPUT', 'Invalid JSON', [{ message: `${location} is not valid JSON.`, location, locationType }]);
  }
  if (nestsDeeper(value, MAX_JSON_DEPTH)) {
    throw new RosterError('INVALID_INPUT', 'Invalid JSON', [{ message: `${location} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`, location, locationType }]);
  }
  return value;
}

function parseMeta(text: string | undefined): unknown {
  if (text === undefined || text === '' || text === 'null') return undefined;
  const meta = parseJson(text, 'meta', 'query');
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw badRequest('meta', 'query', 'meta must be a JSON object.');
  return meta;
}

function parseChannel(segment: string, maxLength: number): string {
  const channel = decodeSegment(segment, 'channel');
  if (channel === '') throw badRequest('channel', 'path', 'The channel name is empty.');
  if (channel.includes(',')) throw badRequest('channel', 'path', 'Publish to one channel: the name may not contain a comma.');
  checkChannelName(channel, 'channel', maxLength);
  return channel;
}

/** Validates a publish and hands the message to the event bus; once the bus has taken it, answers PubNub's `[1,"Sent","<tt>"]`. */
async function publish(context: AppContext, request: FastifyRequest, segments: readonly string[], messageText: string): Promise<string> {
  // ['publish', pubKey, subKey, signature, channel, callback, ...]
  const keyset = context.keysets.byKeyPair(decodeSegment(segments[1]!, 'pubKey'), decodeSegment(segments[2]!, 'subKey'));
  const channel = parseChannel(segments[4]!, keyset.limits.maxIdLength);
  await authorize(context, request, keyset, publishNeeds(channel));
  const query = queryOf(request);
  const metaText = single(query, 'meta');
  const bytes = Buffer.byteLength(messageText) + (metaText ? Buffer.byteLength(metaText) : 0);
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new RosterError('PAYLOAD_TOO_LARGE', 'Message Too Large', [
      { message: `The message and its meta are ${bytes} bytes; at most ${MAX_MESSAGE_BYTES} are allowed.`, location: 'message', locationType: 'body' },
    ]);
  }
  const customMessageType = single(query, 'custom_message_type') || undefined;
  if (customMessageType !== undefined && !CUSTOM_MESSAGE_TYPE.test(customMessageType)) {
    throw badRequest('custom_message_type', 'query', 'custom_message_type is 3 to 50 letters, digits, - or _, and may not start with pn- or pn_.');
  }
  if (messageText.trim() === '') throw new RosterError('INVALID_INPUT', 'Invalid JSON', [{ message: 'The message is empty.', location: 'message', locationType: 'body' }]);
  const meta = parseMeta(metaText);
  // Both texts are valid JSON: subscribers get them as published, not re-serialized.
  const message: MessageInput = {
    payload: parseJson(messageText, 'message', 'body'),
    payloadJson: messageText,
    meta,
    metaJson: meta === undefined ? undefined : metaText,
    publisher: checkUuidParam(single(query, 'uuid'), keyset.limits.maxIdLength),
    customMessageType,
  };
  // `store`, `ttl`, `norep` and `seqn` are accepted and ignored: this server keeps no history.
  const timetoken = await context.realtime.publishMessage(keyset.subscribeKey, channel, message);
  return `[1,"Sent","${timetoken}"]`;
}

/** `GET /publish/{pub}/{sub}/0/{channel}/0/{message}` and `POST /publish/{pub}/{sub}/0/{channel}/0`. */
export function publishRoutes(app: FastifyInstance, context: AppContext): void {
  app.get('/publish/:pubKey/:subKey/:signature/:channel/:callback/*', { config: { service: 'publish' } }, async (request, reply) => {
    const segments = rawSegments(request);
    const messageText = decodeSegment(segments.slice(6).join('/'), 'message');
    void reply.type(JS_TYPE);
    return publish(context, request, segments, messageText);
  });

  // POST bodies are JSON text, possibly compressed, whatever the Content-Type says.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_POST_BYTES }, (request, body, done) => {
      try {
        const encoding = request.headers['content-encoding'];
        const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
        const text = inflateBody(raw, Array.isArray(encoding) ? encoding[0] : encoding, MAX_POST_BYTES).toString('utf8');
        request.rawBody = text;
        done(null, text);
      } catch (error) {
        done(error instanceof Error ? error : new Error(String(error)));
      }
    });
    scope.post('/publish/:pubKey/:subKey/:signature/:channel/:callback', { config: { service: 'publish' } }, async (request, reply) => {
      void reply.type(JS_TYPE);
      return publish(context, request, rawSegments(request), typeof request.body === 'string' ? request.body : '');
    });
  });
}
