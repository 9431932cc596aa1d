import { badRequest } from '../errors.ts';
import type { Keyset } from '../model/keyset.ts';
import type { ChannelGroupStore } from '../store/store.ts';
import { basePresenceName, isPresenceName, PRESENCE_SUFFIX } from '../model/presence-names.ts';

/**
 * The most channels one add or remove names: PubNub's per-request limit ("Channel Groups":
 * "up to 200 channels can be added or removed in a single API call").
 */
export const MAX_CHANNELS_PER_CHANGE = 200;

/**
 * Channel groups (PubNub's Stream Controller, `/v1/channel-registration/…`): per keyset, a group
 * is a named set of channel names that subscribe, heartbeat, leave and here-now expand
 * (`resolve`). A group exists while it holds a channel. Limits are the keyset's:
 * `limits.maxChannelsPerGroup` channels in a group and `limits.maxGroupsPerKeyset` groups, each
 * checked inside the store's write so that racing adds cannot pass it together (a 400 naming the
 * limit). Names are checked at the HTTP edge (names.ts).
 *
 * @example
 * await groups.add(keyset, 'family', ['kitchen', 'garden']);
 * await groups.resolve(keyset, ['family', 'family-pnpres']);
 * // Map { 'family' => ['garden', 'kitchen'], 'family-pnpres' => ['garden-pnpres', 'kitchen-pnpres'] }
 */
export class ChannelGroupsService {
  readonly #store: ChannelGroupStore;

  constructor(store: ChannelGroupStore) {
    this.#store = store;
  }

  /** Adds `channels` (1 to 200, checked by the caller) to `group`, making the group if it is new; a 400 naming the limit passed, with nothing written. */
  async add(keyset: Keyset, group: string, channels: readonly string[]): Promise<void> {
    const { maxChannelsPerGroup, maxGroupsPerKeyset } = keyset.limits;
    await this.#store.add(keyset.subscribeKey, group, channels, ({ size, groups }) => {
      if (size > maxChannelsPerGroup) {
        throw badRequest(
          'add',
          'query',
          `A channel group holds at most ${maxChannelsPerGroup} channels (limits.maxChannelsPerGroup); this add would make it ${size}.`,
        );
      }
      if (groups > maxGroupsPerKeyset) {
        throw badRequest(
          'group',
          'path',
          `A keyset holds at most ${maxGroupsPerKeyset} channel groups (limits.maxGroupsPerKeyset); '${group}' would be one more.`,
        );
      }
    });
  }

  /** Removes `channels` from `group`; those not in it are ignored, and a group left empty is gone. */
  async remove(keyset: Keyset, group: string, channels: readonly string[]): Promise<void> {
    await this.#store.remove(keyset.subscribeKey, group, channels);
  }

  /** The group's channels sorted by name (code points); `[]` for a group that does not exist. */
  channels(keyset: Keyset, group: string): Promise<string[]> {
    return this.#store.channels(keyset.subscribeKey, group, keyset.limits.maxChannelsPerGroup);
  }

  /** The keyset's groups sorted by name (code points). */
  groups(keyset: Keyset): Promise<string[]> {
    return this.#store.groups(keyset.subscribeKey, keyset.limits.maxGroupsPerKeyset);
  }

  /** Deletes the group and its channels; deleting one that does not exist does nothing. */
  async delete(keyset: Keyset, group: string): Promise<void> {
    await this.#store.delete(keyset.subscribeKey, group);
  }

  /**
   * The channels of each group of `groups` (as subscribe and presence name them), one store read
   * for all: a group's channels sorted by name, `[]` for a group that is empty or does not exist.
   * `{group}-pnpres` is the presence of `{group}`: its channels each with `-pnpres`.
   */
  async resolve(keyset: Keyset, groups: readonly string[]): Promise<Map<string, string[]>> {
    if (groups.length === 0) return new Map();
    const bases = [...new Set(groups.map((group) => (isPresenceName(group) ? basePresenceName(group) : group)))];
    const stored = await this.#store.channelsOf(keyset.subscribeKey, bases, keyset.limits.maxChannelsPerGroup);
    return new Map(
      groups.map((group) => {
        if (!isPresenceName(group)) return [group, stored.get(group) ?? []];
        return [group, (stored.get(basePresenceName(group)) ?? []).map((channel) => `${channel}${PRESENCE_SUFFIX}`)];
      }),
    );
  }
}

/**
 * A request's channels and groups as one subscription set: the channels named directly, then
 * those its groups hold (`resolved`, from `ChannelGroupsService.resolve`), each once. `via` maps a
 * channel reached only through a group to that group (the first that holds it, in the order
 * given): what the `b` of its envelopes names. A channel named directly has no `via`.
 */
export function subscriptionSet(
  channels: readonly string[],
  resolved: ReadonlyMap<string, readonly string[]>,
): { channels: string[]; via: Map<string, string> } {
  const all = new Set(channels);
  const via = new Map<string, string>();
  for (const [group, members] of resolved) {
    for (const channel of members) {
      if (all.has(channel)) continue;
      all.add(channel);
      via.set(channel, group);
    }
  }
  return { channels: [...all], via };
}
