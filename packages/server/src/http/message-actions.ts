import Type from 'typebox';
import { addActionNeeds, getActionsNeeds, removeActionNeeds } from '../auth/authorize.ts';
import { badRequest } from '../errors.ts';
import type { ActionInput } from '../messages/service.ts';
import { parseTimetoken, readRange } from '../messages/timetokens.ts';
import type { MessageAction } from '../store/store.ts';
import { answer } from './answers.ts';
import { checkUuidParam } from './channel-list.ts';
import { keysetOf, queryOf, type RoutePlugin } from './context.ts';
import { oneChannel, pageSize, timetokenParam } from './message-params.ts';
import { inOrder, needs } from './route-steps.ts';
import { CREDENTIAL_PARAMS, queryParam, SubKeyParam } from './schema.ts';
import { rawParamsOf, single } from './url.ts';

/** PubNub's limit on an action's `type` (its SDKs refuse longer ones): characters as JavaScript counts them. */
export const MAX_ACTION_TYPE_LENGTH = 15;
/** Actions one list answers at most, and by default. */
export const MAX_ACTIONS_LIMIT = 100;
/** The largest add-action body read. */
const MAX_ACTION_BODY_BYTES = 32 * 1024;

const CHANNEL_PATH = '/v1/message-actions/:subKey/channel/:channel';
const MESSAGE_PATH = `${CHANNEL_PATH}/message/:messageTimetoken` as const;
const ACTION_PATH = `${MESSAGE_PATH}/action/:actionTimetoken` as const;

/** The acting user: PubNub requires `uuid` on add and remove (it is the action's author). */
function actor(uuid: string | undefined, maxIdLength: number): string {
  const checked = checkUuidParam(uuid, maxIdLength);
  if (checked === undefined) throw badRequest('uuid', 'query', 'uuid is required: the user who adds or removes the action.');
  return checked;
}

/** A UTF-16 surrogate with no partner: JSON can spell one (`"\ud800"`), but no store can keep it as it was given. */
const LONE_SURROGATE = /\p{Cs}/u;

/** `{type, value}`: the schema has checked that both are strings. */
function actionInput(body: ActionInput): ActionInput {
  if (body.type === '') throw badRequest('type', 'body', 'The action type is empty.');
  if (body.type.length > MAX_ACTION_TYPE_LENGTH) {
    throw badRequest('type', 'body', `The action type is at most ${MAX_ACTION_TYPE_LENGTH} characters; got ${body.type.length}.`);
  }
  if (body.value === '') throw badRequest('value', 'body', 'The action value is empty.');
  for (const field of ['type', 'value'] as const) {
    if (LONE_SURROGATE.test(body[field])) throw badRequest(field, 'body', `The action ${field} holds an unpaired UTF-16 surrogate: it is not text.`);
  }
  return { type: body.type, value: body.value };
}

/** An action as PubNub answers it. */
const actionData = ({ type, value, uuid, actionTimetoken, messageTimetoken }: MessageAction) => ({ type, value, uuid, actionTimetoken, messageTimetoken });

const Timetoken = (description: string) => Type.String({ pattern: '^\\d+$', description });
const ActionData = Type.Object(
  {
    type: Type.String(),
    value: Type.String(),
    uuid: Type.String({ description: 'Who added it.' }),
    actionTimetoken: Timetoken("The action's own timetoken."),
    messageTimetoken: Timetoken('The timetoken of the message it is on.'),
  },
  { description: 'A message action.' },
);
const NotAnnounced = Type.Object({ message: Type.String(), source: Type.Literal('actions') }, { description: 'Why subscribers were not told.' });
const AddAnswer = Type.Object({ status: Type.Integer(), data: ActionData, error: Type.Optional(NotAnnounced) });
const RemoveAnswer = Type.Object({ status: Type.Integer(), data: Type.Object({}), error: Type.Optional(NotAnnounced) });
const ListAnswer = Type.Object({
  status: Type.Literal(200),
  data: Type.Array(ActionData, { description: 'The newest `limit` actions of the range, oldest first.' }),
  more: Type.Optional(
    Type.Object(
      { url: Type.String(), start: Timetoken('The oldest action timetoken answered.'), end: Type.Optional(Type.String()), limit: Type.Integer() },
      { description: 'Older actions of the range remain; `url` reads the next page.' },
    ),
  ),
});

const channelParams = { subKey: SubKeyParam, channel: Type.String({ description: 'One channel, percent-encoded.' }) };
const messageParams = { ...channelParams, messageTimetoken: Type.String({ description: 'The timetoken of the message the action is on.' }) };
const authorQuery = Type.Object({
  ...CREDENTIAL_PARAMS,
  uuid: queryParam('Required: the user adding or removing the action, 1 to 92 characters.'),
});

const config = { service: 'actions' } as const;

/**
 * Message Actions: add (`POST …/message/{tt}`), remove (`DELETE …/message/{tt}/action/{att}`)
 * and list (`GET /v1/message-actions/{sub}/channel/{ch}`), as PubNub's REST API and its
 * JavaScript SDK (`add_message_action.ts`, `remove_message_action.ts`,
 * `get_message_actions.ts`) define them. Adds and removes are announced to the channel's
 * subscribers as `e:3` envelopes; when that fails the change stands and the answer is PubNub's 207.
 */
export const messageActionRoutes: RoutePlugin = async (app, { context }) => {
  const messageRaw = rawParamsOf(MESSAGE_PATH);
  const actionRaw = rawParamsOf(ACTION_PATH);
  const channelRaw = rawParamsOf(CHANNEL_PATH);

  app.post(
    MESSAGE_PATH,
    {
      schema: {
        summary: 'Add a message action',
        params: Type.Object(messageParams),
        querystring: authorQuery,
        body: Type.Object(
          {
            type: Type.String({ description: `What the action is (\`reactions\`, \`edited\`…): 1 to ${MAX_ACTION_TYPE_LENGTH} characters.` }),
            value: Type.String({ description: 'Its value (`👍`, the new text…): not empty.' }),
          },
          { description: 'The action.' },
        ),
        response: {
          200: answer('Added, and announced to subscribers.', AddAnswer),
          207: answer('Added, but subscribers were not told (the event bus did not take the announcement).', AddAnswer),
        },
      },
      config,
      bodyLimit: MAX_ACTION_BODY_BYTES,
    },
    (request, reply) =>
      inOrder(context, request, {
        parse() {
          const keyset = keysetOf(context, request.params);
          const raw = messageRaw(request);
          return {
            keyset,
            channel: oneChannel(raw.channel, keyset.limits.maxIdLength),
            messageTimetoken: parseTimetoken(raw.messageTimetoken, 'messageTimetoken', 'path'),
          };
        },
        auth({ channel }) {
          return needs(() => addActionNeeds(channel));
        },
        validate({ keyset }) {
          return { input: actionInput(request.body), uuid: actor(single(queryOf(request), 'uuid'), keyset.limits.maxIdLength) };
        },
        async run({ input, uuid }, { keyset, channel, messageTimetoken }) {
          const { action, announced } = await context.messages.addAction(keyset.subscribeKey, channel, messageTimetoken, input, uuid);
          if (announced) return { status: 200, data: actionData(action) };
          void reply.status(207);
          return { status: 207, data: actionData(action), error: { message: 'Stored but failed to publish message action.', source: 'actions' } };
        },
      }),
  );

  app.delete(
    ACTION_PATH,
    {
      schema: {
        summary: 'Remove a message action',
        description: 'Only the user who added an action may remove it. Removing an action that is not there answers 200 as well.',
        params: Type.Object({ ...messageParams, actionTimetoken: Type.String({ description: "The action's timetoken." }) }),
        querystring: authorQuery,
        response: {
          200: answer('Removed (and announced), or not there.', RemoveAnswer),
          207: answer('Removed, but subscribers were not told.', RemoveAnswer),
        },
      },
      config,
    },
    (request, reply) =>
      inOrder(context, request, {
        parse() {
          const keyset = keysetOf(context, request.params);
          const raw = actionRaw(request);
          return {
            keyset,
            channel: oneChannel(raw.channel, keyset.limits.maxIdLength),
            messageTimetoken: parseTimetoken(raw.messageTimetoken, 'messageTimetoken', 'path'),
            actionTimetoken: parseTimetoken(raw.actionTimetoken, 'actionTimetoken', 'path'),
          };
        },
        auth({ channel }) {
          return needs(() => removeActionNeeds(channel));
        },
        validate({ keyset }) {
          return actor(single(queryOf(request), 'uuid'), keyset.limits.maxIdLength);
        },
        async run(uuid, { keyset, channel, messageTimetoken, actionTimetoken }) {
          const outcome = await context.messages.removeAction(keyset.subscribeKey, channel, messageTimetoken, actionTimetoken, uuid);
          if (outcome === undefined || outcome.announced) return { status: 200, data: {} };
          void reply.status(207);
          return { status: 207, data: {}, error: { message: 'Removed but failed to publish message action removal.', source: 'actions' } };
        },
      }),
  );

  app.get(
    CHANNEL_PATH,
    {
      schema: {
        summary: 'List message actions',
        description: "The channel's newest `limit` actions by action timetoken within `start`/`end`, oldest first.",
        params: Type.Object(channelParams),
        querystring: Type.Object({
          ...CREDENTIAL_PARAMS,
          start: queryParam('An action timetoken: only actions older than it (exclusive).'),
          end: queryParam('An action timetoken: only actions at or after it (inclusive).'),
          limit: queryParam(`Actions to answer: a positive integer; at most (and by default) ${MAX_ACTIONS_LIMIT} (more is capped).`),
        }),
        response: { 200: answer('Actions, oldest first.', ListAnswer) },
      },
      config,
    },
    (request) =>
      inOrder(context, request, {
        parse() {
          const keyset = keysetOf(context, request.params);
          return { keyset, channel: oneChannel(channelRaw(request).channel, keyset.limits.maxIdLength) };
        },
        auth({ channel }) {
          return needs(() => getActionsNeeds(channel));
        },
        validate({ keyset }) {
          const query = queryOf(request);
          checkUuidParam(single(query, 'uuid'), keyset.limits.maxIdLength);
          return { start: timetokenParam(query, 'start'), end: timetokenParam(query, 'end'), limit: pageSize(query, 'limit', MAX_ACTIONS_LIMIT) };
        },
        async run({ start, end, limit }, { keyset, channel }) {
          const page = await context.messages.actions(keyset.subscribeKey, channel, readRange(start, end), limit);
          const data = page.items.map(actionData);
          if (!page.more) return { status: 200, data };
          // As PubNub's `more`: the same read from the oldest action answered.
          const oldest = page.items[0]!.actionTimetoken;
          const params = new URLSearchParams({ start: oldest, ...(end === undefined ? {} : { end }), limit: String(limit) });
          const url = `/v1/message-actions/${encodeURIComponent(keyset.subscribeKey)}/channel/${encodeURIComponent(channel)}?${params.toString()}`;
          return { status: 200, data, more: { url, start: oldest, ...(end === undefined ? {} : { end }), limit } };
        },
      }),
  );
};
