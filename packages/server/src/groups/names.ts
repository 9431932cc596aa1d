import { badRequest, type LocationType } from '../errors.ts';
import { basePresenceName, isPresenceName, PRESENCE_SUFFIX } from '../model/presence-names.ts';
import { idProblem } from '../objects/validate.ts';

/** The longest a name may be, in characters: `maxIdLength`, and `-pnpres` more for a presence name (`{name}-pnpres` of the longest name). */
export const longestOf = (name: string, maxIdLength: number): number => maxIdLength + (isPresenceName(name) ? PRESENCE_SUFFIX.length : 0);

/**
 * A channel group's name, or a 400 naming `location`: the channel-name rule (1 to `maxIdLength`
 * characters, valid Unicode, no control characters; http/channel-list.ts, objects/validate.ts
 * `idProblem`), and no `,`, which separates groups in `channel-group=a,b` (PubNub's lists are
 * joined by `,` too).
 */
export function checkGroupName(group: string, location: string, locationType: LocationType, maxIdLength: number): string {
  const problem = idProblem(group, maxIdLength);
  if (problem !== undefined) throw badRequest(location, locationType, `The channel group name ${problem}.`);
  if (group.includes(',')) throw badRequest(location, locationType, `A channel group name may not contain a comma ('${group}').`);
  return group;
}

/**
 * A group as the registry (`/v1/channel-registration/…`) names it: a group name that does not end
 * in `-pnpres`, since `{group}-pnpres` names the presence of `{group}` when subscribing.
 */
export function checkRegistryGroup(group: string, maxIdLength: number): string {
  checkGroupName(group, 'group', 'path', maxIdLength);
  if (isPresenceName(group)) {
    throw badRequest(
      'group',
      'path',
      `A channel group name may not end in '${PRESENCE_SUFFIX}': '${group}' names the presence of '${basePresenceName(group)}'.`,
    );
  }
  return group;
}

/**
 * The `channel-group` query parameter (subscribe, heartbeat, leave, here-now, presence state):
 * group names joined by `,`, already percent-decoded; absent or empty is none. `{group}-pnpres`
 * (the group's presence) may be `-pnpres` longer than a group name. Each name once, in the order
 * given; at most `maxGroups`, else a 400 naming `channel-group`.
 */
export function parseGroupList(text: string | undefined, maxIdLength: number, maxGroups: number): string[] {
  if (text === undefined || text === '') return [];
  const groups = new Set<string>();
  for (const group of text.split(',')) {
    if (group === '') throw badRequest('channel-group', 'query', 'A channel group name in channel-group is empty.');
    groups.add(checkGroupName(group, 'channel-group', 'query', longestOf(group, maxIdLength)));
  }
  if (groups.size > maxGroups) {
    throw badRequest(
      'channel-group',
      'query',
      `channel-group names at most ${maxGroups} channel groups (limits.maxGroupsPerSubscribe); it names ${groups.size}.`,
    );
  }
  return [...groups];
}

/**
 * The channels of a registry write (`add=a,b` or `remove=a,b`), already percent-decoded: names
 * joined by `,`, each by the channel-name rule; no wildcard (`a.*`), which a group cannot hold.
 * Each once, in the order given; 1 to `maxChannels` of them, else a 400 naming `field`.
 */
export function parseRegistryChannels(text: string, field: 'add' | 'remove', maxIdLength: number, maxChannels: number): string[] {
  const channels = new Set<string>();
  for (const channel of text.split(',')) {
    if (channel === '') throw badRequest(field, 'query', `A channel name in '${field}' is empty.`);
    const problem = idProblem(channel, maxIdLength);
    if (problem !== undefined) throw badRequest(field, 'query', `The channel name ${problem}.`);
    if (channel.endsWith('.*')) throw badRequest(field, 'query', `A channel group cannot hold a wildcard channel ('${channel}').`);
    channels.add(channel);
  }
  if (channels.size > maxChannels) {
    throw badRequest(field, 'query', `At most ${maxChannels} channels can be added or removed in one request; got ${channels.size}.`);
  }
  return [...channels];
}
