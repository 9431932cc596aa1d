import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { deleteHistoryNeeds, historyNeeds } from '../auth/authorize.ts';
import { badRequest } from '../errors.ts';
import { MAX_HISTORY_ANSWER_BYTES } from '../messages/service.ts';
import { deleteRange, readRange } from '../messages/timetokens.ts';
import type { MessageAction, StoredMessage, TimetokenRange } from '../store/store.ts';
import { answer, JS_MEDIA } from './answers.ts';
import { checkUuidParam, parseChannelList } from './channel-list.ts';
import { keysetOf, queryOf, type RoutePlugin } from './context.ts';
import { JS_TYPE } from './error-envelope.ts';
import { flag, oneChannel, pageSize, timetokenParam } from './message-params.ts';
import { inOrder, needs } from './route-steps.ts';
import { CREDENTIAL_PARAMS, queryParam, SubKeyParam } from './schema.ts';
import { rawParamsOf, single, type QueryValues } from './url.ts';

/** PubNub's page caps (and defaults): one channel, several channels or with actions, and how many channels one read names. */
export const ONE_CHANNEL_MAX = 100;
export const SEVERAL_CHANNELS_MAX = 25;
export const MAX_HISTORY_CHANNELS = 500;

const HISTORY_PATH = '/v3/history/sub-key/:subKey/channel/:channels';
const WITH_ACTIONS_PATH = '/v3/history-with-actions/sub-key/:subKey/channel/:channels';

/** What a history read answers with, besides each message and its timetoken. */
interface Fields {
  uuid: boolean;
  meta: boolean;
  messageType: boolean;
  customMessageType: boolean;
  /** Timetokens as JSON strings (`string_message_token=true`), else as JSON numbers, as PubNub writes them. */
  strings: boolean;
}

interface HistoryCommand {
  start: string | undefined;
  end: string | undefined;
  range: TimetokenRange;
  limit: number;
  fields: Fields;
}

/** The query of a history read: `max` capped at `cap`, `start`/`end` timetokens, and the `include_*` flags. */
function historyCommand(query: QueryValues, cap: number, maxIdLength: number): HistoryCommand {
  checkUuidParam(single(query, 'uuid'), maxIdLength);
  const start = timetokenParam(query, 'start');
  const end = timetokenParam(query, 'end');
  const fields = {
    uuid: flag(query, 'include_uuid'),
    meta: flag(query, 'include_meta'),
    messageType: flag(query, 'include_message_type'),
    customMessageType: flag(query, 'include_custom_message_type'),
    strings: flag(query, 'string_message_token'),
  };
  flag(query, 'encode_channels', true); // accepted; names are answered as they are
  return { start, end, range: readRange(start, end), limit: pageSize(query, 'max', cap), fields };
}

const timetokenText = (timetoken: string, fields: Fields): string => (fields.strings ? `"${timetoken}"` : timetoken);

/** Actions grouped as PubNub answers them: `{type: {value: [{uuid, actionTimetoken}]}}`, each list oldest first. */
function actionsText(actions: readonly MessageAction[], fields: Fields): string {
  const byType = new Map<string, Map<string, MessageAction[]>>();
  for (const action of actions) {
    const byValue = byType.get(action.type) ?? byType.set(action.type, new Map()).get(action.type)!;
    // Pushed, not copied: a message may carry 25,000 actions of one value.
    const list = byValue.get(action.value) ?? byValue.set(action.value, []).get(action.value)!;
    list.push(action);
  }
  const values = (byValue: Map<string, MessageAction[]>) =>
    [...byValue].map(
      ([value, list]) =>
        `${JSON.stringify(value)}:[${list.map((a) => `{"uuid":${JSON.stringify(a.uuid)},"actionTimetoken":${timetokenText(a.actionTimetoken, fields)}}`).join(',')}]`,
    );
  return `{${[...byType].map(([type, byValue]) => `${JSON.stringify(type)}:{${values(byValue).join(',')}}`).join(',')}}`;
}

/**
 * One message as PubNub's history answers it. The payload and meta are written as they were
 * published, byte for byte; `meta` is `""` for a message published without one, as PubNub's.
 */
function messageText(message: StoredMessage, fields: Fields, actions?: readonly MessageAction[]): string {
  let text = `{"message":${message.payload},"timetoken":${timetokenText(message.timetoken, fields)}`;
  if (fields.uuid && message.publisher !== undefined) text += `,"uuid":${JSON.stringify(message.publisher)}`;
  if (fields.meta) text += `,"meta":${message.meta ?? '""'}`;
  if (fields.messageType) text += `,"message_type":${message.messageType === null ? 'null' : String(message.messageType)}`;
  if (fields.customMessageType && message.customMessageType !== undefined) text += `,"custom_message_type":${JSON.stringify(message.customMessageType)}`;
  if (actions !== undefined && actions.length > 0) text += `,"actions":${actionsText(actions, fields)}`;
  return `${text}}`;
}

/**
 * `more` of a read that left older messages of its range (one channel past `max`, or any read past
 * the answer's byte budget): the same read from the oldest message answered (`start` is
 * exclusive), as PubNub's `{url, start, max}`. The URL keeps the read's options and never its
 * credentials.
 */
function moreText(base: string, subKey: string, channels: readonly string[], command: HistoryCommand, oldest: string): string {
  const params = new URLSearchParams({ start: oldest });
  if (command.end !== undefined) params.set('end', command.end);
  params.set('max', String(command.limit));
  const { fields } = command;
  const flags: [string, boolean][] = [
    ['include_uuid', fields.uuid],
    ['include_meta', fields.meta],
    ['include_message_type', fields.messageType],
    ['include_custom_message_type', fields.customMessageType],
    ['string_message_token', fields.strings],
  ];
  for (const [name, on] of flags) if (on) params.set(name, 'true');
  const url = `${base}/sub-key/${encodeURIComponent(subKey)}/channel/${channels.map(encodeURIComponent).join(',')}?${params.toString()}`;
  return `"more":{"url":${JSON.stringify(url)},"start":"${oldest}","max":${command.limit}}`;
}

const OK_HEAD = '{"status":200,"error":false,"error_message":""';

// Answer schemas (answers.ts conventions) ---------------------------------------------------------

const Timetoken = Type.Union([Type.String({ pattern: '^\\d+$' }), Type.Integer({ minimum: 0 })], {
  description: 'A timetoken: a JSON string with `string_message_token=true`, else a JSON number (as PubNub writes it).',
});
const Actions = Type.Record(Type.String(), Type.Record(Type.String(), Type.Array(Type.Object({ uuid: Type.String(), actionTimetoken: Timetoken }))), {
  description: 'Actions on the message by type, then value: who added each and when. Only with actions, on history with actions.',
});
const HistoryMessage = Type.Object(
  {
    message: Type.Unknown({ description: 'The message as published.' }),
    timetoken: Timetoken,
    uuid: Type.Optional(Type.String({ description: "The publisher's user id, with `include_uuid=true`." })),
    meta: Type.Optional(Type.Unknown({ description: 'The publish `meta`, with `include_meta=true`; `""` when there was none.' })),
    message_type: Type.Optional(Type.Union([Type.Null(), Type.Integer()], { description: '`null` for a message, with `include_message_type=true`.' })),
    custom_message_type: Type.Optional(Type.String({ description: 'With `include_custom_message_type=true`, when it was published with one.' })),
    actions: Type.Optional(Actions),
  },
  { description: 'A stored message.' },
);
const HistoryAnswer = Type.Object({
  status: Type.Literal(200),
  error: Type.Literal(false),
  error_message: Type.Literal(''),
  channels: Type.Record(Type.String(), Type.Array(HistoryMessage), {
    description: 'Per channel that has messages in the range, the newest `max` of them, oldest first.',
  }),
  more: Type.Optional(
    Type.Object(
      { url: Type.String(), start: Type.String(), max: Type.Integer() },
      {
        description:
          "Older messages of the range remain: of the one channel read, or (several channels) ones the answer's byte budget left out; `url` reads on from the oldest answered.",
      },
    ),
  ),
});
const DeleteAnswer = Type.Object({ status: Type.Literal(200), error: Type.Literal(false), error_message: Type.Literal('') });

const Params = (channels: string) => Type.Object({ subKey: SubKeyParam, channels: Type.String({ description: channels }) });
const READ_QUERY = {
  ...CREDENTIAL_PARAMS,
  start: queryParam('A timetoken: only messages older than it (exclusive).'),
  end: queryParam('A timetoken: only messages at or after it (inclusive).'),
  include_uuid: queryParam("`true` adds each message's `uuid` (its publisher); default `false`."),
  include_meta: queryParam('`true` adds each message\'s `meta` (`""` when it has none); default `false`.'),
  include_message_type: queryParam('`true` adds `message_type` (`null` for a message); default `false`.'),
  include_custom_message_type: queryParam('`true` adds `custom_message_type` where there is one; default `false`.'),
  string_message_token: queryParam('`true` writes timetokens as JSON strings; default `false` (JSON numbers, as PubNub).'),
  encode_channels: queryParam('Accepted and ignored: channel names are answered as they are.'),
};

const config = { service: 'history' } as const;

/**
 * Message Persistence: fetch history (`GET /v3/history/…/channel/{channels}`), history with
 * message actions (`GET /v3/history-with-actions/…/channel/{channel}`) and delete from history
 * (`DELETE /v3/history/…/channel/{channel}`), with the shapes, caps and boundary rules of PubNub's
 * REST API and its JavaScript SDK (`fetch_messages.ts`, `delete_messages.ts`).
 */
export const historyRoutes: RoutePlugin = async (app, { context }) => {
  const historyParams = rawParamsOf(HISTORY_PATH);
  const withActionsParams = rawParamsOf(WITH_ACTIONS_PATH);

  const read = (request: FastifyRequest<{ Params: { subKey: string } }>, reply: FastifyReply) =>
    inOrder(context, request, {
      parse() {
        const keyset = keysetOf(context, request.params);
        const channels = parseChannelList(historyParams(request).channels, keyset.limits.maxIdLength);
        if (channels.length === 0) throw badRequest('channels', 'path', 'Name at least one channel.');
        if (channels.length > MAX_HISTORY_CHANNELS) {
          throw badRequest('channels', 'path', `History reads at most ${MAX_HISTORY_CHANNELS} channels at once; got ${channels.length}.`);
        }
        return { keyset, channels };
      },
      auth({ channels }) {
        return needs(() => historyNeeds(channels));
      },
      validate({ keyset, channels }) {
        return historyCommand(queryOf(request), channels.length === 1 ? ONE_CHANNEL_MAX : SEVERAL_CHANNELS_MAX, keyset.limits.maxIdLength);
      },
      async run(command, { keyset, channels }) {
        const { pages, cutoff } = await context.messages.history(keyset.subscribeKey, channels, command.range, command.limit);
        const entries: string[] = [];
        for (const [channel, page] of pages) {
          if (page.items.length > 0) entries.push(`${JSON.stringify(channel)}:[${page.items.map((m) => messageText(m, command.fields)).join(',')}]`);
        }
        const [only] = channels.length === 1 ? [...pages.values()] : [];
        // Several channels have a `more` only when the answer's byte budget left their older messages out (service.ts `history`).
        const oldest = only?.more ? only.items[0]?.timetoken : channels.length > 1 ? cutoff : undefined;
        const more = oldest === undefined ? '' : `,${moreText('/v3/history', keyset.subscribeKey, channels, command, oldest)}`;
        void reply.type(JS_TYPE);
        return `${OK_HEAD},"channels":{${entries.join(',')}}${more}}`;
      },
    });

  const readWithActions = (request: FastifyRequest<{ Params: { subKey: string } }>, reply: FastifyReply) =>
    inOrder(context, request, {
      parse() {
        const keyset = keysetOf(context, request.params);
        const channels = parseChannelList(withActionsParams(request).channels, keyset.limits.maxIdLength);
        if (channels.length !== 1) throw badRequest('channels', 'path', 'History with actions reads one channel.');
        return { keyset, channel: channels[0]! };
      },
      auth({ channel }) {
        return needs(() => historyNeeds([channel]));
      },
      validate({ keyset }) {
        return historyCommand(queryOf(request), SEVERAL_CHANNELS_MAX, keyset.limits.maxIdLength);
      },
      async run(command, { keyset, channel }) {
        const { page, actions } = await context.messages.historyWithActions(keyset.subscribeKey, channel, command.range, command.limit);
        const byMessage = new Map<string, MessageAction[]>();
        for (const action of actions) {
          const list = byMessage.get(action.messageTimetoken) ?? byMessage.set(action.messageTimetoken, []).get(action.messageTimetoken)!;
          list.push(action);
        }
        const items = page.items.map((m) => messageText(m, command.fields, byMessage.get(m.timetoken) ?? []));
        const entries = items.length === 0 ? '' : `${JSON.stringify(channel)}:[${items.join(',')}]`;
        const more = page.more ? `,${moreText('/v3/history-with-actions', keyset.subscribeKey, [channel], command, page.items[0]!.timetoken)}` : '';
        void reply.type(JS_TYPE);
        return `${OK_HEAD},"channels":{${entries}}${more}}`;
      },
    });

  const readQuery = (cap: string) => Type.Object({ ...READ_QUERY, max: queryParam(cap) });
  app.get(
    HISTORY_PATH,
    {
      schema: {
        summary: 'Fetch messages from history',
        description:
          'The newest `max` messages of each channel within `start`/`end`, oldest first. An answer holds at most ' +
          `${MAX_HISTORY_ANSWER_BYTES / 1024 / 1024} MiB of messages: past that, the oldest messages of all channels are left out and \`more\` reads on from the oldest answered.`,
        params: Params(`Up to ${MAX_HISTORY_CHANNELS} channels: names joined by \`,\`, each percent-encoded.`),
        querystring: readQuery(
          `Messages per channel: a positive integer; at most (and by default) ${ONE_CHANNEL_MAX} for one channel, ${SEVERAL_CHANNELS_MAX} for several (more is capped).`,
        ),
        response: { 200: answer('Messages by channel.', HistoryAnswer, JS_MEDIA) },
      },
      config,
    },
    read,
  );
  app.get(
    WITH_ACTIONS_PATH,
    {
      schema: {
        summary: 'Fetch messages from history with their actions',
        description:
          'One channel: the newest `max` messages within `start`/`end`, oldest first, each with every action on it. Past ' +
          `${MAX_HISTORY_ANSWER_BYTES / 1024 / 1024} MiB of messages and actions, the oldest messages are left out and \`more\` reads on from the oldest answered.`,
        params: Params('One channel, percent-encoded.'),
        querystring: readQuery(`Messages: a positive integer; at most (and by default) ${SEVERAL_CHANNELS_MAX} (more is capped).`),
        response: { 200: answer('Messages with their actions.', HistoryAnswer, JS_MEDIA) },
      },
      config,
    },
    readWithActions,
  );

  app.delete(
    HISTORY_PATH,
    {
      schema: {
        summary: 'Delete messages from history',
        description:
          'Deletes the messages between `start` and `end` (either may be the larger): the one at `end` goes, the one at `start` stays. ' +
          'Equal bounds delete nothing, no bounds everything; `start` alone deletes what is older, `end` alone it and what is newer. ' +
          'Their actions go with them.',
        params: Params('One channel, percent-encoded.'),
        querystring: Type.Object({
          ...CREDENTIAL_PARAMS,
          start: queryParam('A timetoken: the bound that is kept.'),
          end: queryParam('A timetoken: the bound that is deleted.'),
        }),
        response: { 200: answer('Deleted (also when nothing was there).', DeleteAnswer, JS_MEDIA) },
      },
      config,
    },
    (request, reply) =>
      inOrder(context, request, {
        parse() {
          const keyset = keysetOf(context, request.params);
          return { keyset, channel: oneChannel(historyParams(request).channels, keyset.limits.maxIdLength) };
        },
        auth({ channel }) {
          return needs(() => deleteHistoryNeeds(channel));
        },
        validate({ keyset }) {
          const query = queryOf(request);
          checkUuidParam(single(query, 'uuid'), keyset.limits.maxIdLength);
          return deleteRange(timetokenParam(query, 'start'), timetokenParam(query, 'end'));
        },
        async run(range, { keyset, channel }) {
          await context.messages.remove(keyset.subscribeKey, channel, range);
          void reply.type(JS_TYPE);
          return `${OK_HEAD}}`;
        },
      }),
  );
};
