import { pubnubEncode } from '@roster/protocol';
import type { PNFetchMessageItem, PNFetchMessagesMore, PNMessageActions } from '../../models/messages.ts';
import { PNOperationType } from '../../models/operation.ts';
import type { PNFetchMessagesResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import { isRecord } from '../../transport/json.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import { Endpoint, type EndpointContext } from '../endpoint.ts';
import { InvalidParameters, MalformedResponse, type ParsedResponse } from '../execute.ts';
import { channelArray, channelsSegment, requireChannels, type ChannelsInput } from '../shared/channels.ts';
import { envelope } from '../shared/parse.ts';
import { timetokenText, timetokenView, type TimetokenInput } from '../shared/timetoken.ts';

/** The most messages per channel PubNub returns for one channel. */
export const SINGLE_CHANNEL_MAXIMUM = 100;
/** The most messages per channel for several channels, or with message actions. */
export const MULTIPLE_CHANNELS_MAXIMUM = 25;

export interface FetchMessagesOptions {
  /** The channels to read (up to 500; one with `includeMessageActions`). */
  channels?: ChannelsInput;
  /**
   * Messages per channel, newest first from `start`; above the ceiling the ceiling is used.
   * @default 100 for one channel, 25 for several or with `includeMessageActions`
   */
  maximumPerChannel?: number;
  /** Only messages older than this timetoken (exclusive). */
  start?: TimetokenInput;
  /** Only messages from this timetoken on (inclusive). */
  end?: TimetokenInput;
  /**
   * Return each message's `meta`.
   * @default false
   */
  includeMeta?: boolean;
  /**
   * Return each message's `actions` (one channel only).
   * @default false
   */
  includeMessageActions?: boolean;
  /**
   * Return each message's `messageType`.
   * @default true
   */
  includeMessageType?: boolean;
  /**
   * Return each message's `customMessageType`.
   * @default false
   */
  includeCustomMessageType?: boolean;
  /**
   * Return each message's publisher as `uuid`.
   * @default true
   */
  includeUUID?: boolean;
}

/**
 * `fetchMessages`: stored messages of one or more channels, oldest first within each channel.
 * With only `start`, the newest messages older than it; with only `end`, the newest messages
 * from `end` on; with both, those in between (`end` included). Sends
 * `GET /v3/history/sub-key/{sub}/channel/{ch1,ch2}`, or `/v3/history-with-actions/…` with
 * `includeMessageActions`, always with `string_message_token=true` so timetokens stay exact.
 * @example const { result } = await client.fetchMessages().channels(['room']).maximumPerChannel(25).includeMeta(true).sync();
 * result.channels['room']?.forEach((item) => console.log(item.timetoken, item.uuid, item.message));
 */
export class FetchMessages<TMessage = unknown> extends Endpoint<PNFetchMessagesResult<TMessage>> {
  readonly operation = PNOperationType.PNFetchMessagesOperation;
  private readonly options: Omit<FetchMessagesOptions, 'channels'> & { channels?: string[] };

  constructor(context: EndpointContext, options: FetchMessagesOptions = {}) {
    super(context);
    const { channels, ...rest } = options;
    this.options = { ...rest, ...(channels === undefined ? {} : { channels: channelArray(channels) }) };
  }

  /** The channels to read; replaces earlier ones. */
  channels(channels: ChannelsInput): this {
    this.options.channels = channelArray(channels);
    return this;
  }

  /** Messages per channel (default and ceiling: 100 for one channel, 25 for several or with actions). */
  maximumPerChannel(maximum: number): this {
    this.options.maximumPerChannel = maximum;
    return this;
  }

  /** Only messages older than this timetoken (exclusive). */
  start(timetoken: TimetokenInput): this {
    this.options.start = timetoken;
    return this;
  }

  /** Only messages from this timetoken on (inclusive). */
  end(timetoken: TimetokenInput): this {
    this.options.end = timetoken;
    return this;
  }

  /** Return each message's `meta` (default `false`). */
  includeMeta(include: boolean): this {
    this.options.includeMeta = include;
    return this;
  }

  /** Return each message's `actions` (default `false`; one channel only). */
  includeMessageActions(include: boolean): this {
    this.options.includeMessageActions = include;
    return this;
  }

  /** Return each message's `messageType` (default `true`). */
  includeMessageType(include: boolean): this {
    this.options.includeMessageType = include;
    return this;
  }

  /** Return each message's `customMessageType` (default `false`). */
  includeCustomMessageType(include: boolean): this {
    this.options.includeCustomMessageType = include;
    return this;
  }

  /** Return each message's publisher as `uuid` (default `true`). */
  includeUUID(include: boolean): this {
    this.options.includeUUID = include;
    return this;
  }

  buildRequest(): RequestDescriptor {
    const { start, end, includeMeta, includeMessageActions = false, includeMessageType = true, includeCustomMessageType, includeUUID = true } = this.options;
    const channels = requireChannels(this.options.channels);
    if (includeMessageActions && channels.length > 1) {
      throw new InvalidParameters('includeMessageActions works on one channel only: pass a single channel or leave out the actions.');
    }
    const query: Array<readonly [string, string]> = [['max', String(this.maximum(channels.length > 1 || includeMessageActions))]];
    if (start !== undefined) query.push(['start', timetokenText('start', start)]);
    if (end !== undefined) query.push(['end', timetokenText('end', end)]);
    query.push(['string_message_token', 'true']);
    if (includeMeta !== undefined) query.push(['include_meta', String(includeMeta)]);
    query.push(['include_uuid', String(includeUUID)]);
    if (includeCustomMessageType !== undefined) query.push(['include_custom_message_type', String(includeCustomMessageType)]);
    query.push(['include_message_type', String(includeMessageType)]);
    const service = includeMessageActions ? 'history-with-actions' : 'history';
    const path = `/v3/${service}/sub-key/${pubnubEncode(this.context.config.subscribeKey)}/channel/${channelsSegment(channels)}`;
    return { method: 'GET', path, query, idempotent: true };
  }

  /** `{"status":200,"error":false,"channels":{"ch":[{"message","timetoken","uuid",…}]},"more"?:{…}}` */
  parse(response: ParsedResponse, status: PNStatus): PNFetchMessagesResult<TMessage> {
    const body = envelope(response);
    const exact = timetokenView(response);
    const exactChannels = isRecord(exact) && isRecord(exact['channels']) ? exact['channels'] : {};
    const wire = body['channels'] ?? {};
    if (!isRecord(wire)) throw new MalformedResponse('Expected an object in "channels".');
    const channels: Record<string, PNFetchMessageItem<TMessage>[]> = {};
    for (const [channel, items] of Object.entries(wire)) {
      if (!Array.isArray(items)) throw new MalformedResponse(`Expected an array of messages for channel "${channel}".`);
      const exactItems = exactChannels[channel];
      channels[channel] = items.map((item: unknown, index) => messageItem<TMessage>(channel, item, Array.isArray(exactItems) ? exactItems[index] : undefined));
    }
    const more = moreOf(isRecord(exact) ? exact['more'] : body['more']);
    return { channels, ...(more === undefined ? {} : { more }), status };
  }

  private maximum(reduced: boolean): number {
    const ceiling = reduced ? MULTIPLE_CHANNELS_MAXIMUM : SINGLE_CHANNEL_MAXIMUM;
    const { maximumPerChannel } = this.options;
    if (maximumPerChannel === undefined) return ceiling;
    if (!Number.isInteger(maximumPerChannel) || maximumPerChannel < 1) {
      throw new InvalidParameters(`maximumPerChannel must be a whole number from 1 to ${ceiling}; got ${maximumPerChannel}.`);
    }
    return Math.min(maximumPerChannel, ceiling);
  }
}

/** One stored message; `exact` is the same item read with timetokens as strings. */
function messageItem<TMessage>(channel: string, item: unknown, exact: unknown): PNFetchMessageItem<TMessage> {
  if (!isRecord(item) || !('message' in item)) throw new MalformedResponse(`Expected messages with "message" and "timetoken" in channel "${channel}".`);
  const timetoken = isRecord(exact) ? exact['timetoken'] : item['timetoken'];
  if (typeof timetoken !== 'string' && typeof timetoken !== 'number') throw new MalformedResponse(`A message in channel "${channel}" has no timetoken.`);
  const { uuid, meta, message_type: messageType, custom_message_type: customMessageType } = item;
  const actions = isRecord(exact) && isRecord(exact['actions']) ? exact['actions'] : item['actions'];
  return {
    channel,
    // The message is whatever was published; TMessage is the caller's claim about it.
    message: item['message'] as TMessage,
    timetoken: String(timetoken),
    ...(typeof uuid === 'string' ? { uuid } : {}),
    // PubNub answers `"meta": ""` for a message published without meta.
    ...(meta !== undefined && meta !== null && meta !== '' ? { meta } : {}),
    ...(typeof messageType === 'number' || messageType === null ? { messageType } : {}),
    ...(typeof customMessageType === 'string' && customMessageType !== '' ? { customMessageType } : {}),
    ...(isRecord(actions) ? { actions: messageActions(actions) } : {}),
  };
}

/** `{type: {value: [{uuid, actionTimetoken}]}}`, with every timetoken as a string. */
function messageActions(actions: Record<string, unknown>): PNMessageActions {
  const result: Record<string, Record<string, Array<{ uuid: string; actionTimetoken: string }>>> = {};
  for (const [type, values] of Object.entries(actions)) {
    if (!isRecord(values)) continue;
    const byValue: Record<string, Array<{ uuid: string; actionTimetoken: string }>> = {};
    for (const [value, refs] of Object.entries(values)) {
      if (!Array.isArray(refs)) continue;
      byValue[value] = refs.filter(isRecord).map((ref) => ({ uuid: String(ref['uuid'] ?? ''), actionTimetoken: String(ref['actionTimetoken'] ?? '') }));
    }
    result[type] = byValue;
  }
  return result;
}

function moreOf(more: unknown): PNFetchMessagesMore | undefined {
  if (!isRecord(more)) return undefined;
  const { url, start, max } = more;
  return {
    url: typeof url === 'string' ? url : '',
    start: start === undefined || start === null ? '' : String(start),
    max: typeof max === 'number' ? max : Number(max),
  };
}
