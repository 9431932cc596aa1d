import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { subscribeNeeds } from '../auth/authorize.ts';
import { badRequest, RosterError } from '../errors.ts';
import { parseGroupList } from '../groups/names.ts';
import { subscriptionSet } from '../groups/service.ts';
import type { Keyset } from '../model/keyset.ts';
import { isPresenceName } from '../model/presence-names.ts';
import type { PresenceState } from '../presence/store.ts';
import type { HeldSubscribe, SubscribeQuery } from '../realtime/delivery.ts';
import { MessageFilterCache } from '../realtime/message-filter.ts';
import { subscribeBody } from '../realtime/envelope.ts';
import { parseTimetoken } from '../realtime/timetoken.ts';
import { answer, JS_MEDIA, SubscribeAnswer } from './answers.ts';
import { checkUuidParam } from './channel-list.ts';
import { keysetOf, queryOf, type AppContext, type RoutePlugin } from './context.ts';
import { JS_TYPE } from './error-envelope.ts';
import { parseChannelStates, parseHeartbeat, parseSubscribedChannels, statesOn } from './presence-params.ts';
import { inOrder, needs } from './route-steps.ts';
import { CREDENTIAL_PARAMS, queryParam, SubKeyParam, ZeroParam } from './schema.ts';
import { rawParamsOf, single, type QueryValues } from './url.ts';

const notPresenceName = (channel: string): boolean => !isPresenceName(channel);

function parseAfter(text: string | undefined): SubscribeQuery['after'] {
  // The JS event engine's handshake sends no `tt`; other SDKs send `tt=0`.
  if (text === undefined || text === '' || text === '0') return undefined;
  const timetoken = parseTimetoken(text);
  if (timetoken === undefined) throw badRequest('tt', 'query', `tt must be a timetoken (digits); got '${text}'.`);
  return timetoken;
}

/** What a poll asks for once validated: its options, and the presence it marks. */
interface SubscribePoll {
  after: SubscribeQuery['after'];
  filter: SubscribeQuery['filter'];
  /** The user it marks present; none without `uuid`. */
  uuid: string | undefined;
  /** The presence timeout asked for (`heartbeat`), in seconds. */
  timeout: number | undefined;
  /** Each channel's presence state (`state`). */
  states: Map<string, PresenceState> | undefined;
}

/** Validate step: the poll's options, and wildcards (`a.*`), which this server does not serve. */
function validateSubscribe(query: QueryValues, channels: string[], groups: string[], maxIdLength: number, filters: MessageFilterCache): SubscribePoll {
  const uuid = checkUuidParam(single(query, 'uuid'), maxIdLength);
  if (channels.length === 0 && groups.length === 0)
    throw badRequest('channels', 'path', 'Name at least one channel (or a channel group in channel-group) to subscribe to.');
  const wildcard = channels.find((channel) => channel.endsWith('.*'));
  if (wildcard) throw badRequest('channels', 'path', `Wildcard subscribe ('${wildcard}') is not supported by this server.`);
  const filterText = single(query, 'filter-expr');
  const filter = filterText ? filters.get(filterText) : undefined;
  return { after: parseAfter(single(query, 'tt')), filter, uuid, timeout: parseHeartbeat(query), states: parseChannelStates(query) };
}

/** What PubNub answers when a subscribe's channel groups hold no channel and it names none itself. */
const EMPTY_SET = 'Channel group or groups result in empty subscription set';

/**
 * The channels a poll waits on: those named, then those of its groups (`via` their group, for
 * `b`), or PubNub's 400 when that is none. Groups are read on every poll; a poll held when a
 * channel is added to its group is answered empty from its own timetoken (`groupsGained`).
 */
async function subscriptionOf(context: AppContext, keyset: Keyset, channels: string[], groups: string[]): Promise<Pick<SubscribeQuery, 'channels' | 'via'>> {
  const set = subscriptionSet(channels, await context.channelGroups.resolve(keyset, groups));
  if (set.channels.length === 0) {
    throw new RosterError('INVALID_INPUT', EMPTY_SET, [{ message: 'The channel groups hold no channel.', location: 'channel-group', locationType: 'query' }]);
  }
  return { channels: set.channels, via: set.via.size > 0 ? set.via : undefined };
}

/**
 * Whether `groups` now hold a channel the poll did not wait on (`waited`): one added while it
 * was held, whose messages its answer's cursor may pass. (A channel removed meanwhile costs
 * nothing: the answer just holds what came on it before.) One indexed read per answer of a poll
 * with groups.
 */
async function groupsGained(context: AppContext, keyset: Keyset, channels: string[], groups: string[], waited: readonly string[]): Promise<boolean> {
  const now = subscriptionSet(channels, await context.channelGroups.resolve(keyset, groups)).channels;
  const before = new Set(waited);
  return now.some((channel) => !before.has(channel));
}

/**
 * An empty answer that sends the client back to its own timetoken: its next poll waits on the
 * groups' channels as they are now and gets, from each channel's log, what came after it (what
 * the discarded answer held comes again, in order with what the new channels had).
 */
function retryFrom(context: AppContext, after: bigint): string {
  return subscribeBody(after.toString(), context.realtime.options.region);
}

/**
 * A poll with a `uuid` keeps it present on its channels (PubNub: subscribing is a heartbeat),
 * with its `heartbeat` timeout and `state`. Most polls change nothing but expiries: those are
 * done at once where the store can (`PresenceService.refresh`), and the poll waits on nothing;
 * otherwise the promise to wait on. A presence failure does not fail the subscribe: it is logged,
 * and the next poll tries again.
 */
function markPresent(
  context: AppContext,
  request: FastifyRequest,
  keyset: Keyset,
  poll: SubscribePoll,
  channels: readonly string[],
): Promise<void> | undefined {
  const { uuid } = poll;
  if (uuid === undefined || (poll.states === undefined && context.presence.refresh(keyset, uuid, channels, poll.timeout))) return undefined;
  return context.presence.heartbeat(keyset, uuid, channels, poll.timeout, statesOn(poll.states, channels)).catch((error: unknown) => {
    request.log.warn({ err: error }, 'presence on subscribe failed; the subscribe goes on');
  });
}

/**
 * How long a poll that keeps a uuid present is held at most, in seconds: long enough to be a
 * long-poll, short enough that the next poll comes before the presence times out (`timeout` − 10,
 * as PubNub's 280 s hold under its 300 s timeout; half of a timeout under 20 s; at least 1).
 */
export function presenceHoldSeconds(timeout: number): number {
  return Math.max(1, timeout >= 20 ? timeout - 10 : timeout / 2);
}

/**
 * A poll with channel groups, on their channels and those it names. A poll (not a handshake)
 * checks its groups again once answered, and may answer otherwise (`retryFrom`): its answer is
 * then sent by the route, not by `held`.
 */
async function withGroups(
  context: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  keyset: Keyset,
  poll: SubscribePoll,
  channels: string[],
  groups: string[],
): Promise<string | undefined> {
  const subscription = await subscriptionOf(context, keyset, channels, groups);
  const body = (await heldThenPresent(context, request, reply, keyset, poll, subscription, false))!;
  if (poll.after === undefined) return body;
  return (await groupsGained(context, keyset, channels, groups, subscription.channels)) ? retryFrom(context, poll.after) : body;
}

/**
 * Marks the poll's uuid present (`markPresent`) and holds it (`hold`); resolves once both are
 * done. A handshake is answered first, and sent once its joins are on the bus: the clock's `now`
 * it answers is then before the timetoken of each `join` its heartbeat announces (each a later
 * `next()`, on any node past it), so the poll from it gets the uuid's own join, as PubNub's
 * `withPresence` clients do (a join announced first would come before the handshake's
 * timetoken, and never reach the subscriber). A poll with a timetoken is held after its
 * heartbeat, its joins already after that timetoken (presence events are always logged).
 */
function heldThenPresent(
  context: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  keyset: Keyset,
  poll: SubscribePoll,
  subscription: Pick<SubscribeQuery, 'channels' | 'via'>,
  write: boolean,
): Promise<string | undefined> {
  if (poll.after !== undefined) {
    const marking = markPresent(context, request, keyset, poll, subscription.channels);
    if (marking === undefined) return hold(context, reply, keyset, poll, subscription, write);
    return marking.then(() => hold(context, reply, keyset, poll, subscription, write));
  }
  const answer = hold(context, reply, keyset, poll, subscription, false);
  const marking = markPresent(context, request, keyset, poll, subscription.channels);
  return marking === undefined ? answer : marking.then(() => answer); // `marking` never rejects
}

/** Holds `poll` on `subscription` (`held`), at most as long as the presence it keeps allows. */
function hold(
  context: AppContext,
  reply: FastifyReply,
  keyset: Keyset,
  poll: SubscribePoll,
  subscription: Pick<SubscribeQuery, 'channels' | 'via'>,
  write: boolean,
): Promise<string | undefined> {
  const present = poll.uuid !== undefined && subscription.channels.some(notPresenceName);
  // Without `heartbeat` the hold follows the keyset's default, not the timeout the store
  // remembers: a client that leaves it off its polls (the JS event engine) heartbeats apart.
  const holdSeconds = present ? presenceHoldSeconds(context.presence.timeoutOf(keyset, poll.timeout)) : undefined;
  void reply.type(JS_TYPE);
  const { channels, via } = subscription;
  return held(context, reply, { subKey: keyset.subscribeKey, channels, via, after: poll.after, filter: poll.filter, holdSeconds }, write);
}

/**
 * Holds the poll until the hub answers it: at once, with the next envelopes, or empty at the hold
 * time. A poll that was held notes for how long on the request, for its log line. With `write`,
 * the answer is sent from the hub's call itself: a delivery waking a thousand polls writes each
 * answer as it settles it, rather than after every poll's promise chain has run. The callbacks
 * are inline arrows: a named one costs a `defineProperty` per poll under tsx (route-steps.ts).
 */
function held(context: AppContext, reply: FastifyReply, query: SubscribeQuery, write: boolean): Promise<string | undefined> {
  return new Promise<string | undefined>((resolve, reject) => {
    const start = performance.now();
    const { realtime } = context;
    let poll: HeldSubscribe | undefined;
    /** Characters of the answer handed out; -1 while none was. */
    let answered = -1;
    poll = realtime.subscribe(query, (body) => {
      if (poll !== undefined) reply.request.heldMs = performance.now() - start;
      answered = body.length;
      if (!write) return resolve(body);
      // Called from the hub's loop over the polls it wakes: what goes wrong here fails this poll only.
      try {
        writeAnswer(reply, body);
        resolve(undefined);
      } catch (error) {
        reject(error);
      }
    });
    // The answer counts until the socket is done with it (clients that never read cannot pile
    // answers up); a poll still held when the client goes away is forgotten. One listener for
    // both, added when the poll comes rather than when a thousand answers go out at once
    // (`on`: a response closes once, and `once` would wrap the listener for each poll).
    const response = reply.raw;
    if (response.destroyed) pollClosed(realtime, poll, answered);
    else response.on('close', () => pollClosed(realtime, poll, answered));
  });
}

/**
 * Writes a subscribe answer on the response itself, past Fastify's reply pipeline, whose checks of
 * each answer (the payload's kind, its content type, serializer and hooks) ran a thousand times in
 * the hub's loop over the polls one delivery wakes, and each answer's wait grows with the loop
 * (docs/benchmarks.md, "Inside a fan-out"). The response has ended when this returns, so Fastify
 * sends nothing more for the route; should the write throw, Fastify's error handler answers as
 * before. The request line (its `bytes` from the reply's length) and
 * metrics still come from Fastify's listener on the response's finish, and the headers every
 * answer carries from the response (response.ts). Headers set on the reply are not carried: none
 * is on a subscribe but its type and length.
 */
function writeAnswer(reply: FastifyReply, body: string): void {
  const length = Buffer.byteLength(body);
  void reply.header('content-length', length);
  reply.raw.writeHead(200, { 'content-type': JS_TYPE, 'content-length': length }).end(body);
}

/** A poll's socket closed: its answer's `answered` characters have left, or, with none handed out, the held poll is forgotten. */
function pollClosed(realtime: AppContext['realtime'], poll: HeldSubscribe | undefined, answered: number): void {
  if (answered >= 0) realtime.answerGone(answered);
  else if (poll !== undefined) realtime.cancel(poll);
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
    'channel-group': queryParam(
      'Channel groups (`/v1/channel-registration`), joined by `,`: their channels are subscribed to, `b` naming the group; `{group}-pnpres` for their presence. At most 10.',
    ),
    heartbeat: queryParam('The presence timeout, in whole seconds: a poll with a `uuid` keeps it present on the channels that long.'),
    state: queryParam('Each channel’s presence state as JSON, `{"room":{"mood":"happy"}}`, at most 32 KiB.'),
  }),
};

/**
 * Subscribe long-poll, `GET /v2/subscribe/{sub}/{channels}/0?channel-group=…`: a handshake
 * answers at once with the current timetoken; a poll with `tt` answers with the envelopes after
 * it, or waits for the next one until the hold time. Channel groups add their channels (`b` of
 * their envelopes names the group). A poll with a `uuid` marks it present on its channels, as a
 * presence heartbeat does, and is held no longer than its presence timeout allows.
 */
export const subscribeRoutes: RoutePlugin = async (app, { context }) => {
  const filters = new MessageFilterCache();
  const rawParams = rawParamsOf(SUBSCRIBE_PATH);

  app.get(SUBSCRIBE_PATH, { schema, config: { service: 'subscribe' } }, (request, reply) =>
    inOrder(context, request, {
      parse() {
        const keyset = keysetOf(context, request.params);
        const { maxIdLength, maxGroupsPerSubscribe } = keyset.limits;
        const channels = parseSubscribedChannels(rawParams(request).channels, maxIdLength);
        return { keyset, channels, groups: parseGroupList(single(queryOf(request), 'channel-group'), maxIdLength, maxGroupsPerSubscribe) };
      },
      auth({ channels, groups }) {
        return needs(() => subscribeNeeds(channels, groups));
      },
      validate({ keyset, channels, groups }) {
        return validateSubscribe(request.query, channels, groups, keyset.limits.maxIdLength, filters);
      },
      run(poll, { keyset, channels, groups }) {
        if (groups.length > 0) return withGroups(context, request, reply, keyset, poll, channels, groups);
        // The common poll (no groups, its heartbeat done at once) waits on nothing before it is held.
        return heldThenPresent(context, request, reply, keyset, poll, { channels }, true);
      },
    }),
  );

  // Held long-polls answer at once when the node shuts down, so SIGTERM never waits on them.
  app.addHook('preClose', async () => context.realtime.close());
};
