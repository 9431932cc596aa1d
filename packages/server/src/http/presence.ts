import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { presenceNeeds, setStateNeeds } from '../auth/authorize.ts';
import { badRequest } from '../errors.ts';
import { parseGroupList } from '../groups/names.ts';
import { subscriptionSet } from '../groups/service.ts';
import type { Keyset } from '../model/keyset.ts';
import { idProblem } from '../objects/validate.ts';
import type { ChannelPresence } from '../presence/service.ts';
import type { PresenceState, PresentUuid } from '../presence/store.ts';
import {
  answer as described,
  GetStateAnswer,
  HereNowChannelAnswer,
  HereNowChannelsAnswer,
  JS_MEDIA,
  PresenceAnswer,
  SetStateAnswer,
  WhereNowAnswer,
} from './answers.ts';
import { checkUuidParam, decodeSegment } from './channel-list.ts';
import { keysetOf, queryOf, type AppContext, type RoutePlugin } from './context.ts';
import { JS_TYPE } from './error-envelope.ts';
import {
  checkStateWrite,
  MAX_HERE_NOW_LIMIT,
  parseChannelStates,
  parseCount,
  parseFlag,
  parseHeartbeat,
  parseState,
  parseSubscribedChannels,
  requiredUuid,
  statesOn,
} from './presence-params.ts';
import { inOrder, needs, OPEN } from './route-steps.ts';
import { CREDENTIAL_PARAMS, queryParam, SubKeyParam } from './schema.ts';
import { rawParamsOf, single } from './url.ts';

const BASE = '/v2/presence/sub-key/:subKey';
const HEARTBEAT_PATH = `${BASE}/channel/:channels/heartbeat`;
const LEAVE_PATH = `${BASE}/channel/:channels/leave`;
const HERE_NOW_PATH = `${BASE}/channel/:channels`;
const WHERE_NOW_PATH = `${BASE}/uuid/:uuid`;
const GET_STATE_PATH = `${BASE}/channel/:channels/uuid/:uuid`;
const SET_STATE_PATH = `${BASE}/channel/:channels/uuid/:uuid/data`;

/**
 * The most uuids one here-now answer lists over all its channels: a page of `limit` per channel
 * while it fits, fewer per channel past that (every channel gets the same page, at least one).
 * Occupancy is always exact; a client pages on with `offset`. Our bound: PubNub documents none.
 */
export const MAX_HERE_NOW_UUIDS = 100_000;

/**
 * The same bound with `state=1`: each uuid may carry a state of up to `MAX_STATE_BYTES` (32 KiB),
 * so an answer with states lists at most 1,000 uuids (at most 32 MiB of states).
 */
export const MAX_HERE_NOW_UUIDS_WITH_STATE = 1000;

const OK = { status: 200, message: 'OK', service: 'Presence' } as const;

/** What a presence request names: its keyset, the channels of its path and the groups of `channel-group`. */
interface Target {
  keyset: Keyset;
  channels: string[];
  groups: string[];
}

/** Parse step of the routes under `/channel/{channels}`: one channel or group at least. */
function parseTarget(context: AppContext, request: FastifyRequest, params: { subKey: string }, rawChannels: string): Target {
  const keyset = keysetOf(context, params);
  const { maxIdLength, maxGroupsPerSubscribe } = keyset.limits;
  const channels = parseSubscribedChannels(rawChannels, maxIdLength);
  const groups = parseGroupList(single(queryOf(request), 'channel-group'), maxIdLength, maxGroupsPerSubscribe);
  if (channels.length === 0 && groups.length === 0) throw badRequest('channels', 'path', 'Name at least one channel (or a channel group in channel-group).');
  return { keyset, channels, groups };
}

/** A uuid from the path as sent, percent-decoded, by the id rule. */
function pathUuid(text: string, keyset: Keyset): string {
  const uuid = decodeSegment(text, 'uuid');
  const problem = idProblem(uuid, keyset.limits.maxIdLength);
  if (problem !== undefined) throw badRequest('uuid', 'path', `The uuid ${problem}.`);
  return uuid;
}

/** The channels a target acts on: those named, then those of its groups, each once. */
async function channelsOf(context: AppContext, { keyset, channels, groups }: Target): Promise<string[]> {
  if (groups.length === 0) return channels;
  return subscriptionSet(channels, await context.channelGroups.resolve(keyset, groups)).channels;
}

/** A here-now uuid on the wire: its id, or `{uuid, state}` with `state=1` (`state` only when set). */
const wireUuid = (withState: boolean) => (present: PresentUuid) =>
  withState ? (present.state === undefined ? { uuid: present.uuid } : { uuid: present.uuid, state: present.state }) : present.uuid;

/** One channel of a here-now answer as PubNub gives it: `uuids` (unless `disable_uuids`) and `occupancy`. */
function wireChannel({ occupancy, uuids }: ChannelPresence, withState: boolean) {
  return uuids === undefined ? { occupancy } : { uuids: uuids.map(wireUuid(withState)), occupancy };
}

/** Here-now's answer: PubNub's one-channel shape for one channel and no group, else `payload.channels` with totals. */
function hereNowAnswer(target: Target, presence: Map<string, ChannelPresence>, withState: boolean): object {
  if (target.groups.length === 0 && target.channels.length === 1) {
    const [only] = presence.values();
    return { ...OK, ...wireChannel(only ?? { occupancy: 0 }, withState) };
  }
  let total = 0;
  const channels: Record<string, object> = {};
  for (const [channel, present] of presence) {
    total += present.occupancy;
    channels[channel] = wireChannel(present, withState);
  }
  return { ...OK, payload: { channels, total_channels: presence.size, total_occupancy: total } };
}

/** Get state's answer: the one channel's state (`{}` when none) with `channel`, else `payload.channels`. */
function stateAnswer(target: Target, uuid: string, channels: readonly string[], states: Map<string, PresenceState>): object {
  if (target.groups.length === 0 && target.channels.length === 1) {
    const channel = target.channels[0]!;
    return { ...OK, uuid, channel, payload: states.get(channel) ?? {} };
  }
  const byChannel = Object.fromEntries(channels.flatMap((channel) => (states.has(channel) ? [[channel, states.get(channel)!]] : [])));
  return { ...OK, uuid, payload: { channels: byChannel } };
}

const channelsParam = Type.String({
  description: 'The channels: names joined by `,`, each percent-encoded; a lone `,` names none (channel groups only).',
});
const ChannelParams = Type.Object({ subKey: SubKeyParam, channels: channelsParam });
const UuidParam = Type.String({ description: 'The uuid (user id), percent-encoded.' });
const groupParam = queryParam('Channel groups (`/v1/channel-registration`), joined by `,`: their channels count as named; at most 10.');
const timeoutParam = queryParam('The presence timeout asked for, in whole seconds (clamped into the keyset’s limits); default the keyset’s.');
const channelStatesParam = queryParam('Each channel’s presence state as JSON, `{"room":{"mood":"happy"}}`, at most 32 KiB.');

const config = { service: 'presence' } as const;
const presenceAnswer = (description: string, schema: Parameters<typeof described>[1]) => ({ 200: described(description, schema, JS_MEDIA) });

/**
 * PubNub's Presence REST endpoints, over the presence service (presence/service.ts): heartbeat
 * and leave (subscribe marks presence too: subscribe.ts), here-now, where-now, and getting and
 * setting presence state. `channel-group` adds its groups' channels wherever channels are named.
 * Access Manager: read on the channels and groups of heartbeat, here-now and state; nothing for
 * leave and where-now. Setting another uuid's state with a token bound to a uuid also needs
 * update on that uuid (auth/authorize.ts `setStateNeeds`).
 */
export const presenceRoutes: RoutePlugin = async (app, { context }) => {
  const presence = context.presence;
  const send = (reply: FastifyReply, body: object): string => {
    void reply.type(JS_TYPE);
    return JSON.stringify(body);
  };

  const heartbeatRaw = rawParamsOf(HEARTBEAT_PATH);
  app.get(
    HEARTBEAT_PATH,
    {
      schema: {
        summary: 'Presence heartbeat: the uuid stays present on the channels for its timeout',
        params: ChannelParams,
        querystring: Type.Object({ ...CREDENTIAL_PARAMS, heartbeat: timeoutParam, state: channelStatesParam, 'channel-group': groupParam }),
        response: presenceAnswer('Present.', PresenceAnswer),
      },
      config,
    },
    (request, reply) =>
      inOrder(context, request, {
        parse() {
          return parseTarget(context, request, request.params, heartbeatRaw(request).channels);
        },
        auth({ channels, groups }) {
          return needs(() => presenceNeeds(channels, groups));
        },
        validate({ keyset }) {
          const query = queryOf(request);
          return { uuid: requiredUuid(query, keyset.limits.maxIdLength), timeout: parseHeartbeat(query), states: parseChannelStates(query) };
        },
        async run({ uuid, timeout, states }, target) {
          const channels = await channelsOf(context, target);
          await presence.heartbeat(target.keyset, uuid, channels, timeout, statesOn(states, channels));
          return send(reply, OK);
        },
      }),
  );

  const leaveRaw = rawParamsOf(LEAVE_PATH);
  app.get(
    LEAVE_PATH,
    {
      schema: {
        summary: 'Presence leave: the uuid is no longer present on the channels',
        params: ChannelParams,
        querystring: Type.Object({ ...CREDENTIAL_PARAMS, 'channel-group': groupParam }),
        response: presenceAnswer('Left.', PresenceAnswer),
      },
      config,
    },
    (request, reply) =>
      inOrder(context, request, {
        parse() {
          return parseTarget(context, request, request.params, leaveRaw(request).channels);
        },
        // PubNub: unsubscribing needs no permission.
        auth() {
          return OPEN;
        },
        validate({ keyset }) {
          return requiredUuid(queryOf(request), keyset.limits.maxIdLength);
        },
        async run(uuid, target) {
          await presence.leave(target.keyset, uuid, await channelsOf(context, target));
          return send(reply, { ...OK, action: 'leave' });
        },
      }),
  );

  const hereNowRaw = rawParamsOf(HERE_NOW_PATH);
  app.get(
    HERE_NOW_PATH,
    {
      schema: {
        summary: 'Here-now: who is present on channels',
        params: ChannelParams,
        querystring: Type.Object({
          ...CREDENTIAL_PARAMS,
          'channel-group': groupParam,
          disable_uuids: queryParam('`1`: occupancy only, no uuids.'),
          state: queryParam('`1`: each uuid as `{uuid, state}`.'),
          limit: queryParam(`Uuids listed per channel, 0 to ${MAX_HERE_NOW_LIMIT} (default ${MAX_HERE_NOW_LIMIT}); 0 lists none.`),
          offset: queryParam('Uuids skipped per channel (sorted by uuid), for the next page; default 0.'),
        }),
        response: presenceAnswer(
          'One channel (and no group): its uuids and occupancy; else per channel in `payload.channels`, with totals.',
          Type.Union([HereNowChannelAnswer, HereNowChannelsAnswer]),
        ),
      },
      config,
    },
    (request, reply) =>
      inOrder(context, request, {
        parse() {
          return parseTarget(context, request, request.params, hereNowRaw(request).channels);
        },
        auth({ channels, groups }) {
          return needs(() => presenceNeeds(channels, groups));
        },
        validate({ keyset }) {
          const query = queryOf(request);
          checkUuidParam(single(query, 'uuid'), keyset.limits.maxIdLength);
          const limit = parseCount(query, 'limit', MAX_HERE_NOW_LIMIT, MAX_HERE_NOW_LIMIT);
          const offset = parseCount(query, 'offset', 0, 1_000_000_000);
          return { uuids: !parseFlag(query, 'disable_uuids') && limit > 0, state: parseFlag(query, 'state'), limit, offset };
        },
        async run(options, target) {
          const channels = await channelsOf(context, target);
          if (options.state && options.uuids && channels.length > MAX_HERE_NOW_UUIDS_WITH_STATE) {
            const why = `here-now with state lists at most ${MAX_HERE_NOW_UUIDS_WITH_STATE} channels (their groups' included); these are ${channels.length}.`;
            throw badRequest('state', 'query', `${why} Ask for fewer, or without state.`);
          }
          const most = options.state ? MAX_HERE_NOW_UUIDS_WITH_STATE : MAX_HERE_NOW_UUIDS;
          const limit = Math.max(1, Math.min(options.limit, Math.floor(most / Math.max(1, channels.length))));
          const found = await presence.hereNow(target.keyset, channels, { ...options, limit });
          return send(reply, hereNowAnswer(target, found, options.state));
        },
      }),
  );

  app.get(
    BASE,
    {
      schema: {
        summary: 'Global here-now (every channel of the keyset): not supported, a 400',
        params: Type.Object({ subKey: SubKeyParam }),
        querystring: Type.Object(CREDENTIAL_PARAMS),
      },
      config,
    },
    async (request) => {
      keysetOf(context, request.params);
      throw badRequest(
        'channels',
        'path',
        'Here-now of every channel is not supported: name the channels (…/channel/{channels}) or channel groups (channel-group).',
      );
    },
  );

  const whereNowRaw = rawParamsOf(WHERE_NOW_PATH);
  app.get(
    WHERE_NOW_PATH,
    {
      schema: {
        summary: 'Where-now: the channels a uuid is present on',
        params: Type.Object({ subKey: SubKeyParam, uuid: UuidParam }),
        querystring: Type.Object(CREDENTIAL_PARAMS),
        response: presenceAnswer('The channels, sorted by name.', WhereNowAnswer),
      },
      config,
    },
    (request, reply) =>
      inOrder(context, request, {
        parse() {
          const keyset = keysetOf(context, request.params);
          return { keyset, uuid: pathUuid(whereNowRaw(request).uuid, keyset) };
        },
        // PubNub: where-now needs no permission.
        auth() {
          return OPEN;
        },
        validate(parsed) {
          checkUuidParam(single(queryOf(request), 'uuid'), parsed.keyset.limits.maxIdLength);
          return parsed;
        },
        async run({ keyset, uuid }) {
          return send(reply, { ...OK, payload: { channels: await presence.whereNow(keyset, uuid) } });
        },
      }),
  );

  const getStateRaw = rawParamsOf(GET_STATE_PATH);
  app.get(
    GET_STATE_PATH,
    {
      schema: {
        summary: "Get a uuid's presence state on channels",
        params: Type.Object({ subKey: SubKeyParam, channels: channelsParam, uuid: UuidParam }),
        querystring: Type.Object({ ...CREDENTIAL_PARAMS, 'channel-group': groupParam }),
        response: presenceAnswer('The state.', GetStateAnswer),
      },
      config,
    },
    (request, reply) =>
      inOrder(context, request, {
        parse() {
          const raw = getStateRaw(request);
          const target = parseTarget(context, request, request.params, raw.channels);
          return { ...target, uuid: pathUuid(raw.uuid, target.keyset) };
        },
        auth({ channels, groups }) {
          return needs(() => presenceNeeds(channels, groups));
        },
        validate(parsed) {
          checkUuidParam(single(queryOf(request), 'uuid'), parsed.keyset.limits.maxIdLength);
          return parsed;
        },
        async run({ uuid, ...target }) {
          const channels = await channelsOf(context, target);
          return send(reply, stateAnswer(target, uuid, channels, await presence.getState(target.keyset, uuid, channels)));
        },
      }),
  );

  const setStateRaw = rawParamsOf(SET_STATE_PATH);
  app.get(
    SET_STATE_PATH,
    {
      schema: {
        summary: "Set a uuid's presence state on channels",
        params: Type.Object({ subKey: SubKeyParam, channels: channelsParam, uuid: UuidParam }),
        querystring: Type.Object({
          ...CREDENTIAL_PARAMS,
          'channel-group': groupParam,
          state: queryParam('The state: a JSON object (`{}` clears it), at most 32 KiB.'),
        }),
        response: presenceAnswer('The state set.', SetStateAnswer),
      },
      config,
    },
    (request, reply) =>
      inOrder(context, request, {
        parse() {
          const raw = setStateRaw(request);
          const target = parseTarget(context, request, request.params, raw.channels);
          return { ...target, uuid: pathUuid(raw.uuid, target.keyset) };
        },
        auth({ uuid, channels, groups }) {
          return needs(() => setStateNeeds(uuid, channels, groups));
        },
        validate({ keyset }) {
          const query = queryOf(request);
          checkUuidParam(single(query, 'uuid'), keyset.limits.maxIdLength);
          return parseState(query);
        },
        async run(state, { uuid, ...target }) {
          const channels = await channelsOf(context, target);
          checkStateWrite(state, channels.length);
          return send(reply, { ...OK, payload: await presence.setState(target.keyset, uuid, channels, state) });
        },
      }),
  );
};
