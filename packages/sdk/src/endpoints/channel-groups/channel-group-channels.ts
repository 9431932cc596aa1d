import { PNOperationType } from '../../models/operation.ts';
import type { PNStatusOnlyResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import { Endpoint, type EndpointContext } from '../endpoint.ts';
import type { ParsedResponse } from '../execute.ts';
import { channelArray, requireChannels, type ChannelsInput } from '../shared/channels.ts';
import { channelGroupPath, requireGroup } from './channel-group-paths.ts';

export interface ChannelGroupChannelsOptions {
  /** The channels to add or remove (PubNub takes up to 200 in one call). */
  channels?: ChannelsInput;
  /** The channel group. */
  channelGroup?: string;
}

/** Adding and removing channels: the same request with `add=` or `remove=`; the results are `PNChannelGroupsAddChannelResult` and `PNChannelGroupsRemoveChannelResult`, status only. */
abstract class ChannelGroupChannels extends Endpoint<PNStatusOnlyResult> {
  protected abstract readonly change: 'add' | 'remove';
  private names: string[] | undefined;
  private group: string | undefined;

  constructor(context: EndpointContext, options: ChannelGroupChannelsOptions = {}) {
    super(context);
    this.names = options.channels === undefined ? undefined : channelArray(options.channels);
    this.group = options.channelGroup;
  }

  /** The channels; replaces earlier ones. */
  channels(channels: ChannelsInput): this {
    this.names = channelArray(channels);
    return this;
  }

  /** The channel group. */
  channelGroup(group: string): this {
    this.group = group;
    return this;
  }

  buildRequest(): RequestDescriptor {
    const group = requireGroup(this.group);
    const channels = requireChannels(this.names);
    return { method: 'GET', path: channelGroupPath(this.context.config.subscribeKey, group), query: [[this.change, channels.join(',')]], idempotent: false };
  }

  /** `{"status":200,"message":"OK","service":"channel-registry","error":false}` */
  parse(_response: ParsedResponse, status: PNStatus): PNStatusOnlyResult {
    return { status };
  }
}

/**
 * `addChannelToChannelGroup`: adds channels to a channel group (creating it). Subscribers of the
 * group get the channels' messages from then on. Sends
 * `GET /v1/channel-registration/sub-key/{sub}/channel-group/{group}?add=a,b`; never retried automatically.
 * @example await client.addChannelToChannelGroup().channels(['a', 'b']).channelGroup('rooms').sync();
 */
export class AddChannelToChannelGroup extends ChannelGroupChannels {
  readonly operation = PNOperationType.PNAddChannelsToGroupOperation;
  protected readonly change = 'add';
}

/**
 * `removeChannelFromChannelGroup`: takes channels out of a channel group. Sends
 * `GET /v1/channel-registration/sub-key/{sub}/channel-group/{group}?remove=a,b`; never retried automatically.
 * @example await client.removeChannelFromChannelGroup({ channels: ['a'], channelGroup: 'rooms' }).sync();
 */
export class RemoveChannelFromChannelGroup extends ChannelGroupChannels {
  readonly operation = PNOperationType.PNRemoveChannelsFromGroupOperation;
  protected readonly change = 'remove';
}
