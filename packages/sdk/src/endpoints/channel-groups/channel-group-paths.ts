import { encodePath } from '@roster/protocol';
import { isRecord } from '../../transport/json.ts';
import { InvalidParameters, MalformedResponse, type ParsedResponse } from '../execute.ts';
import { envelope } from '../shared/parse.ts';

/** `/v1/channel-registration/sub-key/{sub}/channel-group[/{group}[/…]]`, each segment percent-encoded. */
export function channelGroupPath(subscribeKey: string, ...segments: readonly string[]): string {
  return `/v1/channel-registration${encodePath('sub-key', subscribeKey, 'channel-group', ...segments)}`;
}

/** The group name, checked; throws {@link InvalidParameters} when it is missing or empty. */
export function requireGroup(group: string | undefined): string {
  if (group === undefined || group === '') throw new InvalidParameters('Missing channelGroup: pass .channelGroup(name).');
  return group;
}

/** A list of names at `payload[key]` of `{"status":200,"payload":{…},"service":"channel-registry","error":false}`. */
export function payloadNames(response: ParsedResponse, key: 'channels' | 'groups'): string[] {
  const payload = envelope(response)['payload'];
  const names = isRecord(payload) ? payload[key] : undefined;
  if (!Array.isArray(names) || !names.every((name) => typeof name === 'string'))
    throw new MalformedResponse(`Expected "payload.${key}" to be a list of names.`);
  return names as string[];
}
