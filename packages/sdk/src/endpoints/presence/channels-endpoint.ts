import { Endpoint, type EndpointContext } from '../endpoint.ts';
import { channelArray, channelsOrComma, requireChannelsOrGroups, type ChannelsInput } from '../shared/channels.ts';
import { presencePath } from './presence-paths.ts';

/** The channels and channel groups a presence call addresses. */
export interface PresenceChannelsOptions {
  /** The channels. */
  channels?: ChannelsInput;
  /** Channel groups, standing for each of their channels. */
  channelGroups?: ChannelsInput;
}

/**
 * The base of the presence builders that address channels and the channels of channel groups
 * (`hereNow`, `getState`, `setState`): their two setters and their path,
 * `/v2/presence/sub-key/{sub}/channel/{a,b}…`, whose channel segment is `,` for groups only.
 */
export abstract class PresenceChannelsEndpoint<TResult> extends Endpoint<TResult> {
  protected channelNames: string[];
  protected groupNames: string[];

  constructor(context: EndpointContext, options: PresenceChannelsOptions) {
    super(context);
    this.channelNames = options.channels === undefined ? [] : channelArray(options.channels);
    this.groupNames = options.channelGroups === undefined ? [] : channelArray(options.channelGroups);
  }

  /** The channels; replaces earlier ones. */
  channels(channels: ChannelsInput): this {
    this.channelNames = channelArray(channels);
    return this;
  }

  /** Channel groups, standing for each of their channels; replaces earlier ones. */
  channelGroups(groups: ChannelsInput): this {
    this.groupNames = channelArray(groups);
    return this;
  }

  /** Throws `InvalidParameters` unless a channel or group is given, none of them empty. */
  protected requireChannelsOrGroups(): void {
    requireChannelsOrGroups(this.channelNames, this.groupNames);
  }

  /** `/v2/presence/sub-key/{sub}/channel/{a,b}` then `rest` (already encoded). */
  protected channelPath(rest = ''): string {
    return presencePath(this.context.config.subscribeKey, `/channel/${channelsOrComma(this.channelNames)}${rest}`);
  }
}
