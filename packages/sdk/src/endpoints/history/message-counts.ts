import { pubnubEncode } from '@roster/protocol';
import { PNOperationType } from '../../models/operation.ts';
import type { PNMessageCountResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import { isRecord } from '../../transport/json.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import { Endpoint, type EndpointContext } from '../endpoint.ts';
import { InvalidParameters, MalformedResponse, type ParsedResponse } from '../execute.ts';
import { channelArray, channelsSegment, requireChannels, type ChannelsInput } from '../shared/channels.ts';
import { envelope } from '../shared/parse.ts';
import { timetokenText, type TimetokenInput } from '../shared/timetoken.ts';

export interface MessageCountsOptions {
  /** The channels to count in (up to 100). */
  channels?: ChannelsInput;
  /**
   * Count messages newer than these timetokens (exclusive): one per channel, in the order of
   * `channels`, or a single one for every channel.
   */
  channelTimetokens?: readonly TimetokenInput[];
}

/**
 * `messageCounts`: how many messages each channel has newer than a timetoken (unread
 * counts). Sends `GET /v3/history/sub-key/{sub}/message-counts/{ch1,ch2}` with `timetoken`
 * (one timetoken) or `channelsTimetoken` (one per channel).
 * @example const { result } = await client.messageCounts().channels(['a', 'b']).channelTimetokens([lastReadA, lastReadB]).sync();
 * result.channels['a']; // number
 */
export class MessageCounts extends Endpoint<PNMessageCountResult> {
  readonly operation = PNOperationType.PNMessageCountOperation;
  private names: string[] | undefined;
  private timetokens: readonly TimetokenInput[] | undefined;

  constructor(context: EndpointContext, options: MessageCountsOptions = {}) {
    super(context);
    this.names = options.channels === undefined ? undefined : channelArray(options.channels);
    this.timetokens = options.channelTimetokens === undefined ? undefined : [...options.channelTimetokens];
  }

  /** The channels to count in; replaces earlier ones. */
  channels(channels: ChannelsInput): this {
    this.names = channelArray(channels);
    return this;
  }

  /** One timetoken per channel, in the same order, or one for all of them. */
  channelTimetokens(timetokens: readonly TimetokenInput[]): this {
    this.timetokens = [...timetokens];
    return this;
  }

  buildRequest(): RequestDescriptor {
    const channels = requireChannels(this.names);
    const timetokens = (this.timetokens ?? []).map((timetoken, index) => timetokenText(`channelTimetokens[${index}]`, timetoken));
    if (timetokens.length === 0) throw new InvalidParameters('Missing channelTimetokens: pass .channelTimetokens([timetoken, …]).');
    if (timetokens.length > 1 && timetokens.length !== channels.length) {
      throw new InvalidParameters(
        `channelTimetokens has ${timetokens.length} timetokens for ${channels.length} channels: give one per channel, or one for all.`,
      );
    }
    const query: Array<readonly [string, string]> = timetokens.length === 1 ? [['timetoken', timetokens[0]!]] : [['channelsTimetoken', timetokens.join(',')]];
    const path = `/v3/history/sub-key/${pubnubEncode(this.context.config.subscribeKey)}/message-counts/${channelsSegment(channels)}`;
    return { method: 'GET', path, query, idempotent: true };
  }

  /** `{"status":200,"error":false,"channels":{"a":2,"b":0}}` */
  parse(response: ParsedResponse, status: PNStatus): PNMessageCountResult {
    const wire = envelope(response)['channels'];
    if (!isRecord(wire)) throw new MalformedResponse('Expected an object in "channels".');
    const channels: Record<string, number> = {};
    for (const [channel, count] of Object.entries(wire)) {
      if (typeof count !== 'number') throw new MalformedResponse(`Expected a number of messages for channel "${channel}".`);
      channels[channel] = count;
    }
    return { channels, status };
  }
}
