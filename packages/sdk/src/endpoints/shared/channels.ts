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
