import { badRequest, RosterError } from '../errors.ts';
import type { Keyset } from '../model/keyset.ts';
import type { MessageInput } from '../realtime/sequencer.ts';
import type { HistoryPage, MessageAction, MessageSize, MessageStore, StoredMessage, TimetokenRange } from '../store/store.ts';
import { expiresAt } from './timetokens.ts';

/** PubNub's cap on a message count: a channel with more messages after the timetoken counts 10,000. */
export const MAX_MESSAGE_COUNT = 10_000;

/**
 * The most message bytes (UTF-8 payload and meta) one history answer carries. Several channels
 * at 25 messages of up to 32 KiB each would otherwise answer up to 400 MB (500 channels); past
 * this budget a read answers fewer of each channel's *oldest* messages (see `history`). A read
 * of one channel (at most 100 messages, each at most `MAX_STORED_MESSAGE_BYTES`) always fits.
 */
export const MAX_HISTORY_ANSWER_BYTES = 4 * 1024 * 1024;

/** What publish lets a message and its meta weigh (http/publish.ts `MAX_MESSAGE_BYTES`): a read that cannot pass the budget is not planned. */
export const MAX_STORED_MESSAGE_BYTES = 32 * 1024;

/**
 * The most actions one message carries: PubNub's default (REST "Add action": "a limit to the total
 * number of actions which can be posted on a given message (default 25000)").
 */
export const MAX_ACTIONS_PER_MESSAGE = 25_000;

/**
 * The most bytes (UTF-8 type, value and uuid) the actions of one message hold together. PubNub
 * answers a message in history with actions whole, every action included, and a value may run to
 * 32 KiB; this keeps one message's answer to a few MiB (25,000 reactions by 36-character uuids
 * take about 1.2 MB).
 */
export const MAX_ACTION_BYTES_PER_MESSAGE = 2 * 1024 * 1024;

/** What an action adds to an answer besides its type, value and uuid: `{"uuid":…,"actionTimetoken":"…"}` and punctuation. */
const ACTION_ANSWER_OVERHEAD = 48;

/** Actions read to find one by its timetoken: actions of several messages may share it (added on several nodes at once). */
const SAME_TIMETOKEN_ACTIONS = 100;

/** What an `e:3` envelope announces: an action added to or removed from a message. */
export interface ActionAnnouncement {
  event: 'added' | 'removed';
  /** Who added (or removed) it. */
  uuid: string;
  action: { type: string; value: string; messageTimetoken: string; actionTimetoken: string };
}

/** What the service needs of the node's real-time hub (realtime/hub.ts `RealtimeHub`). */
export interface MessagesRealtime {
  /** Publishes a message to subscribers; resolves with its timetoken once the bus has taken it. */
  publishMessage(subKey: string, channel: string, message: MessageInput): Promise<string>;
  /** Publishes an action's `e:3` envelope on the message's channel; resolves once the bus has taken it. */
  publishAction(subKey: string, channel: string, announcement: ActionAnnouncement): Promise<string>;
  /** A new timetoken, later than every one this node issued before. */
  nextTimetoken(): string;
  /** The current timetoken (what expiry is judged against). */
  now(): bigint;
}

/** How a publish is kept: PubNub's `store` and `ttl` parameters. */
export interface StoreOptions {
  /** `store=0` (or `false`) publishes without keeping the message in history. */
  store: boolean;
  /** Hours it is kept; `0`: until deleted. Absent: the keyset's `messageRetentionHours`. */
  ttlHours?: number | undefined;
}

/** An action a client adds: PubNub's `{type, value}` body, checked by the route. */
export interface ActionInput {
  type: string;
  value: string;
}

/** An action as it was stored, and whether its `e:3` envelope reached the bus (PubNub answers 207 when not). */
export interface ActionOutcome {
  action: MessageAction;
  announced: boolean;
}

/** Per channel its page; `cutoff`: the oldest timetoken answered when the byte budget left older messages out. */
export interface HistoryPages {
  pages: Map<string, HistoryPage<StoredMessage>>;
  cutoff: string | undefined;
}

/**
 * The oldest timetoken an answer of these messages (any channels) keeps within
 * `MAX_HISTORY_ANSWER_BYTES`, newest first; `undefined` when all fit. Messages of one timetoken
 * are kept or left together, and the newest timetoken's always kept.
 */
function answerCutoff(sizes: readonly MessageSize[]): bigint | undefined {
  const byTimetoken = new Map<bigint, number>();
  let total = 0;
  for (const { timetoken, bytes } of sizes) {
    const tt = BigInt(timetoken);
    byTimetoken.set(tt, (byTimetoken.get(tt) ?? 0) + bytes);
    total += bytes;
  }
  if (total <= MAX_HISTORY_ANSWER_BYTES) return undefined;
  const newestFirst = [...byTimetoken].sort(([a], [b]) => (a > b ? -1 : a < b ? 1 : 0));
  let kept = 0;
  let cutoff = newestFirst[0]![0];
  for (const [tt, bytes] of newestFirst) {
    if (kept > 0 && kept + bytes > MAX_HISTORY_ANSWER_BYTES) break;
    kept += bytes;
    cutoff = tt;
  }
  return cutoff;
}

/**
 * `cutoff` raised to the oldest message of every page `limit` filled (older ones remain in its
 * range): a channel's messages between that message and a lower cutoff would be on neither this
 * answer nor the next one, read on from the cutoff.
 */
function withoutGaps(cutoff: bigint | undefined, plans: readonly HistoryPage<MessageSize>[]): bigint | undefined {
  if (cutoff === undefined) return undefined;
  let raised = cutoff;
  for (const plan of plans) {
    const oldest = plan.more ? plan.items[0] : undefined;
    if (oldest !== undefined && BigInt(oldest.timetoken) > raised) raised = BigInt(oldest.timetoken);
  }
  return raised;
}

/** A page of one channel's history with every action on its messages, oldest first. */
export interface HistoryWithActions {
  page: HistoryPage<StoredMessage>;
  actions: MessageAction[];
}

/**
 * PubNub's Message Persistence and Message Actions over the store's `MessageStore`: publishes are
 * kept after the event bus took them, read back by timetoken range, counted, deleted, and
 * annotated with actions that subscribers hear of as `e:3` envelopes. Ranges are built by
 * timetokens.ts; inputs are validated at the HTTP edge.
 *
 * @example
 * const messages = new MessagesService(store.messages, hub);
 * const tt = await messages.publish(keyset, 'room', input, { store: true });
 * const pages = await messages.history(keyset.subscribeKey, ['room'], readRange(undefined, tt), 1); // the message at tt
 */
export class MessagesService {
  readonly #store: MessageStore;
  readonly #realtime: MessagesRealtime;

  constructor(store: MessageStore, realtime: MessagesRealtime) {
    this.#store = store;
    this.#realtime = realtime;
  }

  /**
   * Publishes `message` on `channel` and, unless `store` is off, keeps it in history with the
   * timetoken the bus took it with. Resolves with that timetoken once the message is durable
   * (so an acknowledged publish survives a crash). Rejects as `publishMessage` does (a 503 when
   * the bus is out of reach), or with the store's failure, the message then delivered but not kept.
   */
  async publish(keyset: Keyset, channel: string, message: MessageInput, options: StoreOptions): Promise<string> {
    const timetoken = await this.#realtime.publishMessage(keyset.subscribeKey, channel, message);
    if (!options.store) return timetoken;
    const hours = options.ttlHours ?? keyset.messageRetentionHours;
    const stored: StoredMessage = {
      channel,
      timetoken,
      payload: message.payloadJson ?? JSON.stringify(message.payload),
      meta: message.meta === undefined ? undefined : (message.metaJson ?? JSON.stringify(message.meta)),
      publisher: message.publisher,
      customMessageType: message.customMessageType,
      messageType: null,
      expiresAt: hours === 0 ? undefined : expiresAt(timetoken, hours),
    };
    await this.#store.append(keyset.subscribeKey, [stored]);
    return timetoken;
  }

  /**
   * Per channel, the newest `limit` unexpired messages within `range`, oldest first, the answer
   * holding at most `MAX_HISTORY_ANSWER_BYTES` of messages. When the pages would hold more, the
   * oldest messages of all of them are left out: every message older than the answer's oldest
   * (its `cutoff`) is, across all channels, so each channel's page is still the newest of its
   * range, with `more` set. The cutoff is never below the oldest message of a page `limit`
   * filled (`withoutGaps`), so a client that reads all on from the `cutoff` gets every message
   * once; so does one that reads a channel on with `start` = its oldest timetoken answered. The
   * newest timetoken's messages are answered whatever they weigh. Only the timetokens and sizes
   * are read first (`MessageStore.sizes`); then just the messages answered.
   */
  async history(subKey: string, channels: readonly string[], range: TimetokenRange, limit: number): Promise<HistoryPages> {
    const now = this.#now();
    const read = (channel: string, within: TimetokenRange, count: number) => this.#store.history(subKey, channel, within, count, now);
    if (channels.length * limit * MAX_STORED_MESSAGE_BYTES <= MAX_HISTORY_ANSWER_BYTES) {
      const pages = await Promise.all(channels.map((channel) => read(channel, range, limit)));
      return { pages: new Map(channels.map((channel, index) => [channel, pages[index]!])), cutoff: undefined };
    }
    const plans = await Promise.all(channels.map((channel) => this.#store.sizes(subKey, channel, range, limit, now)));
    const cutoff = withoutGaps(answerCutoff(plans.flatMap((plan) => plan.items)), plans);
    const pages = await Promise.all(
      channels.map(async (channel, index): Promise<HistoryPage<StoredMessage>> => {
        const plan = plans[index]!;
        const kept = cutoff === undefined ? plan.items : plan.items.filter((size) => BigInt(size.timetoken) >= cutoff);
        if (kept.length === 0) return { items: [], more: plan.items.length > 0 || plan.more };
        const within = cutoff === undefined ? range : { ...range, lower: { timetoken: kept[0]!.timetoken, inclusive: true } };
        const page = await read(channel, within, kept.length);
        return { items: page.items, more: page.more || plan.more || kept.length < plan.items.length };
      }),
    );
    const cut = cutoff !== undefined && pages.some((page, index) => page.items.length < plans[index]!.items.length);
    return { pages: new Map(channels.map((channel, index) => [channel, pages[index]!])), cutoff: cut ? cutoff!.toString() : undefined };
  }

  /**
   * One channel's history page, and every action on its messages. As PubNub's, a message comes
   * with all its actions; when the page's messages and actions would pass
   * `MAX_HISTORY_ANSWER_BYTES`, its oldest messages are left out (the newest always stays) and
   * `more` is set, so reading on from the oldest answered gets the rest.
   */
  async historyWithActions(subKey: string, channel: string, range: TimetokenRange, limit: number): Promise<HistoryWithActions> {
    const page = await this.#store.history(subKey, channel, range, limit, this.#now());
    if (page.items.length === 0) return { page, actions: [] };
    const timetokens = page.items.map((message) => message.timetoken);
    const loads = await this.#store.actionLoads(subKey, channel, timetokens);
    let kept = 0;
    for (let total = 0, index = page.items.length - 1; index >= 0; index--, kept++) {
      const message = page.items[index]!;
      const load = loads.get(message.timetoken);
      total += Buffer.byteLength(message.payload) + Buffer.byteLength(message.meta ?? '');
      if (load !== undefined) total += load.bytes + load.count * ACTION_ANSWER_OVERHEAD;
      if (kept > 0 && total > MAX_HISTORY_ANSWER_BYTES) break;
    }
    const items = page.items.slice(page.items.length - kept);
    const withActions = items.filter((message) => loads.has(message.timetoken)).map((message) => message.timetoken);
    const actions = withActions.length === 0 ? [] : await this.#store.actionsOf(subKey, channel, withActions);
    return { page: { items, more: page.more || kept < page.items.length }, actions };
  }

  /** Deletes the messages of `channel` within `range` (timetokens.ts `deleteRange`) and their actions; resolves with how many went. */
  remove(subKey: string, channel: string, range: TimetokenRange): Promise<number> {
    return this.#store.remove(subKey, channel, range);
  }

  /** Per channel, its unexpired messages strictly after the timetoken given for it, counting to at most 10,000. */
  counts(subKey: string, after: ReadonlyMap<string, string>): Promise<Map<string, number>> {
    return this.#store.count(subKey, after, MAX_MESSAGE_COUNT, this.#now());
  }

  /**
   * Adds `uuid`'s action to the message at `messageTimetoken` with a new timetoken, then announces
   * it on the channel. The message need not exist (PubNub does not check either). The same
   * action (type and value) by the same uuid on the same message is a 409, as PubNub's
   * "Action Already Added".
   */
  async addAction(subKey: string, channel: string, messageTimetoken: string, input: ActionInput, uuid: string): Promise<ActionOutcome> {
    const load = (await this.#store.actionLoads(subKey, channel, [messageTimetoken])).get(messageTimetoken) ?? { count: 0, bytes: 0 };
    const bytes = Buffer.byteLength(input.type) + Buffer.byteLength(input.value) + Buffer.byteLength(uuid);
    // Adds racing on one message may each pass the check: the caps hold to within their number.
    if (load.count >= MAX_ACTIONS_PER_MESSAGE || load.bytes + bytes > MAX_ACTION_BYTES_PER_MESSAGE) {
      throw badRequest(
        'messageTimetoken',
        'path',
        `The message carries ${load.count} actions of ${load.bytes} bytes; a message carries at most ${MAX_ACTIONS_PER_MESSAGE} actions of ${MAX_ACTION_BYTES_PER_MESSAGE} bytes (type, value and uuid).`,
      );
    }
    const action: MessageAction = { channel, messageTimetoken, actionTimetoken: this.#realtime.nextTimetoken(), type: input.type, value: input.value, uuid };
    if (!(await this.#store.addAction(subKey, action))) throw new RosterError('CONFLICT', 'Action Already Added');
    return { action, announced: await this.#announce(subKey, 'added', action) };
  }

  /**
   * Removes the action at `actionTimetoken` from the message at `messageTimetoken` and announces
   * it. Only the uuid that added an action may remove it (PubNub's 400 "wrong uuid specified").
   * Resolves with `undefined` when there is no such action: there is nothing to remove or announce.
   */
  async removeAction(subKey: string, channel: string, messageTimetoken: string, actionTimetoken: string, uuid: string): Promise<ActionOutcome | undefined> {
    // A seek by the action's own timetoken (the primary key), not a read of every action on the message.
    const exact = { timetoken: actionTimetoken, inclusive: true };
    const { items } = await this.#store.actions(subKey, channel, { lower: exact, upper: exact }, SAME_TIMETOKEN_ACTIONS);
    const existing = items.find((action) => action.messageTimetoken === messageTimetoken);
    if (existing === undefined) return undefined;
    if (existing.uuid !== uuid) throw badRequest('uuid', 'query', 'Not deleting message action: wrong uuid specified');
    const removed = await this.#store.removeAction(subKey, channel, messageTimetoken, actionTimetoken);
    if (removed === undefined) return undefined; // removed meanwhile by another request
    return { action: removed, announced: await this.#announce(subKey, 'removed', removed) };
  }

  /** The newest `limit` actions of `channel` whose action timetokens are within `range`, oldest first. */
  actions(subKey: string, channel: string, range: TimetokenRange, limit: number): Promise<HistoryPage<MessageAction>> {
    return this.#store.actions(subKey, channel, range, limit);
  }

  /** Deletes up to `limit` expired messages; resolves with how many went. */
  purgeExpired(limit: number): Promise<number> {
    return this.#store.purgeExpired(this.#now(), limit);
  }

  /** The action's `e:3` envelope to the bus; false when the bus did not take it (the change stands). */
  async #announce(subKey: string, event: ActionAnnouncement['event'], action: MessageAction): Promise<boolean> {
    const { type, value, messageTimetoken, actionTimetoken } = action;
    try {
      await this.#realtime.publishAction(subKey, action.channel, { event, uuid: action.uuid, action: { type, value, messageTimetoken, actionTimetoken } });
      return true;
    } catch {
      return false;
    }
  }

  #now(): string {
    return this.#realtime.now().toString();
  }
}
