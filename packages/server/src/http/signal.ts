import Type from 'typebox';
import { publishNeeds } from '../auth/authorize.ts';
import { RosterError } from '../errors.ts';
import type { MessageInput } from '../realtime/sequencer.ts';
import { answer, JS_MEDIA, PublishAnswer } from './answers.ts';
import { checkUuidParam, decodeSegment } from './channel-list.ts';
import { queryOf, type RoutePlugin } from './context.ts';
import { JS_TYPE } from './error-envelope.ts';
import { parseChannel, parseCustomMessageType, parseJson } from './publish.ts';
import { inOrder, needs } from './route-steps.ts';
import { CREDENTIAL_PARAMS, PubKeyParam, queryParam, SubKeyParam, ZeroParam } from './schema.ts';
import { rawParamsOf, single, type QueryValues } from './url.ts';

/**
 * PubNub's limit on a signal's payload: 64 bytes of its JSON text, UTF-8 (REST "Signal
 * introduction": "limited to a message payload size of 64 bytes … only to the request body, not
 * to the URI or headers").
 */
export const MAX_SIGNAL_BYTES = 64;

/**
 * What PubNub answers an oversize signal with: 400, `[0,"Signal size too large","<timetoken>"]`
 * (pubnub/objective-c fixture PNPublishIntegrationTests/ItShouldNotSendTooLongSignalMessage.json).
 * Here the third item names the field and its size instead of a timetoken (as publish's refusals do).
 */
const TOO_LARGE = 'Signal size too large';

/** Validate step: the signal's payload and options. A signal has no `meta`, `store` or `ttl`: it is never stored. */
function validateSignal(query: QueryValues, payloadText: string, maxIdLength: number): MessageInput {
  const bytes = Buffer.byteLength(payloadText);
  if (bytes > MAX_SIGNAL_BYTES) {
    throw new RosterError('INVALID_INPUT', TOO_LARGE, [
      { message: `The signal's message is ${bytes} bytes; at most ${MAX_SIGNAL_BYTES} are allowed.`, location: 'message', locationType: 'path' },
    ]);
  }
  const customMessageType = parseCustomMessageType(query);
  if (payloadText.trim() === '')
    throw new RosterError('INVALID_INPUT', 'Invalid JSON', [{ message: 'The message is empty.', location: 'message', locationType: 'path' }]);
  // Valid JSON, so subscribers get it as sent.
  return {
    payload: parseJson(payloadText, 'message', 'path'),
    payloadJson: payloadText,
    meta: undefined,
    publisher: checkUuidParam(single(query, 'uuid'), maxIdLength),
    customMessageType,
  };
}

const SIGNAL_WITH_PAYLOAD = '/signal/:pubKey/:subKey/:signature/:channel/:callback/*';

const SignalParams = Type.Object({
  pubKey: PubKeyParam,
  subKey: SubKeyParam,
  signature: ZeroParam('The old signature slot'),
  channel: Type.String({ description: 'The channel to signal: one name (no comma), percent-encoded.' }),
  callback: ZeroParam('The JSONP callback'),
  '*': Type.String({ description: `The signal's payload: JSON, percent-encoded, at most ${MAX_SIGNAL_BYTES} bytes once decoded.` }),
});

const SignalQuery = Type.Object({
  ...CREDENTIAL_PARAMS,
  uuid: queryParam("The sender's user id, delivered to subscribers: 1 to 92 characters, no control characters."),
  custom_message_type: queryParam('3 to 50 letters, digits, `-` or `_`, not starting with `pn-` or `pn_`; delivered with the signal.'),
});

/**
 * Send a signal: `GET /signal/{pub}/{sub}/0/{channel}/0/{payload}` (PubNub REST "Send signal to
 * channel", which gives no POST form; the JS SDK's `signal()` sends this), answered
 * as publish is: `[1,"Sent","<timetoken>"]`. Subscribers get it with `e: 1`; it is never stored.
 * Access Manager: `write` on the channel, as publish.
 */
export const signalRoutes: RoutePlugin = async (app, { context }) => {
  const rawParams = rawParamsOf(SIGNAL_WITH_PAYLOAD);
  app.get(
    SIGNAL_WITH_PAYLOAD,
    {
      schema: {
        summary: 'Send a signal: a small message that is never stored',
        params: SignalParams,
        querystring: SignalQuery,
        response: { 200: answer('Sent, once the event bus has taken the signal.', PublishAnswer, JS_MEDIA) },
      },
      config: { service: 'publish', wildcard: 'message' },
    },
    (request, reply) =>
      inOrder(context, request, {
        parse() {
          const keyset = context.keysets.byKeyPair(request.params.pubKey, request.params.subKey);
          return { keyset, channel: parseChannel(request.params.channel, keyset.limits.maxIdLength) };
        },
        auth({ channel }) {
          return needs(() => publishNeeds(channel));
        },
        validate({ keyset }) {
          return validateSignal(queryOf(request), decodeSegment(rawParams(request)['*'], 'message'), keyset.limits.maxIdLength);
        },
        async run(signal, { keyset, channel }) {
          const timetoken = await context.realtime.publishSignal(keyset.subscribeKey, channel, signal);
          void reply.type(JS_TYPE);
          return `[1,"Sent","${timetoken}"]`;
        },
      }),
  );
};
