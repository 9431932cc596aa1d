import type { ChannelMetadata, CustomData } from '../../models/objects.ts';
import type { EndpointContext } from '../endpoint.ts';
import type { ListOptions } from '../shared/list-endpoint.ts';
import { GetAllMetadata, GetMetadata, RemoveMetadata, SetMetadata, type MetadataIncludeOptions, type SetMetadataOptions } from './metadata-endpoints.ts';
import { CHANNEL_METADATA } from './metadata-kind.ts';

/** Which channel; required. */
export interface ChannelTargetOptions {
  channel?: string;
}

export type GetAllChannelMetadataOptions = ListOptions & MetadataIncludeOptions;
export type GetChannelMetadataOptions = ChannelTargetOptions & MetadataIncludeOptions;
export type RemoveChannelMetadataOptions = ChannelTargetOptions;

export interface SetChannelMetadataOptions<TCustom = CustomData> extends ChannelTargetOptions, SetMetadataOptions<TCustom> {
  /** `null` clears it. */
  description?: string | null;
}

/**
 * `getAllChannelMetadata`: one page of channels.
 * @example const { result } = await client.getAllChannelMetadata({ limit: 10, includeCustom: true }).sync();
 */
export class GetAllChannelMetadata<TCustom = CustomData> extends GetAllMetadata<ChannelMetadata<TCustom>> {
  constructor(context: EndpointContext, options: GetAllChannelMetadataOptions = {}) {
    super(context, CHANNEL_METADATA, options);
  }
}

/**
 * `getChannelMetadata`: one channel. Fails with 404 if it has no metadata.
 * @example const { result } = await client.getChannelMetadata().channel('lobby').includeCustom(true).sync();
 */
export class GetChannelMetadata<TCustom = CustomData> extends GetMetadata<ChannelMetadata<TCustom>> {
  constructor(context: EndpointContext, options: GetChannelMetadataOptions = {}) {
    super(context, CHANNEL_METADATA, options);
  }

  /** The channel (required). */
  channel(channel: string): this {
    return this.target(channel);
  }
}

/**
 * `setChannelMetadata`: creates or updates a channel.
 * @example await client.setChannelMetadata().channel('lobby').setName('Lobby').description('Say hi').sync();
 */
export class SetChannelMetadata<TCustom = CustomData> extends SetMetadata<ChannelMetadata<TCustom>, TCustom> {
  constructor(context: EndpointContext, options: SetChannelMetadataOptions<TCustom> = {}) {
    super(context, CHANNEL_METADATA, options);
  }

  /** The channel (required). */
  channel(channel: string): this {
    return this.target(channel);
  }

  /** The channel's description; `null` clears it. */
  description(description: string | null): this {
    return this.field('description', description);
  }
}

/**
 * `removeChannelMetadata`: deletes a channel's metadata.
 * @example await client.removeChannelMetadata().channel('lobby').sync();
 */
export class RemoveChannelMetadata extends RemoveMetadata {
  constructor(context: EndpointContext, options: RemoveChannelMetadataOptions = {}) {
    super(context, CHANNEL_METADATA, options);
  }

  /** The channel (required). */
  channel(channel: string): this {
    return this.target(channel);
  }
}
