import { PNOperationType } from '../../models/operation.ts';
import type { PNChannelGroupsListGroupsResult, PNChannelGroupsListResult, PNChannelGroupsRemoveGroupResult } from '../../models/results.ts';
import type { PNStatus } from '../../models/status.ts';
import type { RequestDescriptor } from '../../transport/request.ts';
import { Endpoint, type EndpointContext } from '../endpoint.ts';
import type { ParsedResponse } from '../execute.ts';
import { channelGroupPath, payloadNames, requireGroup } from './channel-group-paths.ts';

export interface ChannelGroupOptions {
  /** The channel group. */
  channelGroup?: string;
}

/** A call about one named group. */
abstract class OneGroup<TResult> extends Endpoint<TResult> {
  protected group: string | undefined;

  constructor(context: EndpointContext, options: ChannelGroupOptions = {}) {
    super(context);
    this.group = options.channelGroup;
  }

  /** The channel group. */
  channelGroup(group: string): this {
    this.group = group;
    return this;
  }
}

/**
 * `listChannelsInChannelGroup`: the channels of a channel group (none for a group that does not
 * exist). Sends `GET /v1/channel-registration/sub-key/{sub}/channel-group/{group}`.
 * @example const { result } = await client.listChannelsInChannelGroup().channelGroup('rooms').sync(); result.channels;
 */
export class ListChannelsInChannelGroup extends OneGroup<PNChannelGroupsListResult> {
  readonly operation = PNOperationType.PNChannelsForGroupOperation;

  buildRequest(): RequestDescriptor {
    return { method: 'GET', path: channelGroupPath(this.context.config.subscribeKey, requireGroup(this.group)), query: [], idempotent: true };
  }

  /** `{"status":200,"payload":{"channels":[…],"group":"g"},"service":"channel-registry","error":false}` */
  parse(response: ParsedResponse, status: PNStatus): PNChannelGroupsListResult {
    return { channels: payloadNames(response, 'channels'), status };
  }
}

/**
 * `removeChannelGroup`: deletes a channel group; its subscribers stop getting its channels'
 * messages. Sends `GET /v1/channel-registration/sub-key/{sub}/channel-group/{group}/remove`.
 * @example await client.removeChannelGroup().channelGroup('rooms').sync();
 */
export class RemoveChannelGroup extends OneGroup<PNChannelGroupsRemoveGroupResult> {
  readonly operation = PNOperationType.PNRemoveGroupOperation;

  buildRequest(): RequestDescriptor {
    const path = channelGroupPath(this.context.config.subscribeKey, requireGroup(this.group), 'remove');
    return { method: 'GET', path, query: [], idempotent: true };
  }

  /** `{"status":200,"message":"OK","service":"channel-registry","error":false}` */
  parse(_response: ParsedResponse, status: PNStatus): PNChannelGroupsRemoveGroupResult {
    return { status };
  }
}

/**
 * `listChannelGroups`: every channel group of the keyset (the JS SDK's `channelGroups.listGroups`;
 * Python has no such call). Sends `GET /v1/channel-registration/sub-key/{sub}/channel-group`.
 * @example const { result } = await client.listChannelGroups().sync(); result.groups;
 */
export class ListChannelGroups extends Endpoint<PNChannelGroupsListGroupsResult> {
  readonly operation = PNOperationType.PNChannelGroupsOperation;

  buildRequest(): RequestDescriptor {
    return { method: 'GET', path: channelGroupPath(this.context.config.subscribeKey), query: [], idempotent: true };
  }

  /** `{"status":200,"payload":{"groups":[…]},"service":"channel-registry","error":false}` */
  parse(response: ParsedResponse, status: PNStatus): PNChannelGroupsListGroupsResult {
    return { groups: payloadNames(response, 'groups'), status };
  }
}
