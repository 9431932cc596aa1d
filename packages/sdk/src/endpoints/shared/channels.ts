import { pubnubEncode } from '@roster/protocol';
import { InvalidParameters } from '../execute.ts';

/** One channel name or several, as the channel setters take them. */
export type ChannelsInput = string | readonly string[];

/** A copy of `channels` as an array. */
export function channelArray(channels: ChannelsInput): string[] {
  return typeof channels === 'string' ? [channels] : [...channels];
}

/** The channel names, checked: at least one, none empty; throws {@link InvalidParameters} otherwise. */
export function requireChannels(channels: readonly string[] | undefined): readonly string[] {
  if (channels === undefined || channels.length === 0) throw new InvalidParameters('Missing channels: pass .channels([name, …]).');
  if (channels.some((channel) => channel === '')) throw new InvalidParameters('A channel name is empty.');
  return channels;
}

/** Several channels in one path segment: each name percent-encoded, joined by `,`. */
export function channelsSegment(channels: readonly string[]): string {
  return channels.map(pubnubEncode).join(',');
}

/** Channels in a presence or subscribe path: {@link channelsSegment}, or a lone `,` when there are none (channel groups only), as PubNub's SDKs send. */
export function channelsOrComma(channels: readonly string[]): string {
  return channels.length === 0 ? ',' : channelsSegment(channels);
}

/** `channel-group=a,b` when there are groups, else nothing. */
export function channelGroupQuery(groups: readonly string[]): Array<readonly [string, string]> {
  return groups.length === 0 ? [] : [['channel-group', groups.join(',')]];
}

/** Checks that at least one channel or group is given and that no name is empty; throws {@link InvalidParameters} otherwise. */
export function requireChannelsOrGroups(channels: readonly string[], groups: readonly string[]): void {
  if (channels.length === 0 && groups.length === 0) {
    throw new InvalidParameters('Missing channels and channel groups: pass .channels([name, …]) or .channelGroups([group, …]).');
  }
  if (channels.some((channel) => channel === '')) throw new InvalidParameters('A channel name is empty.');
  if (groups.some((group) => group === '')) throw new InvalidParameters('A channel group name is empty.');
}
