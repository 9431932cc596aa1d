import type { SubscribeLoop } from '../../transport/subscribe/subscribe-loop.ts';
import { PRESENCE_SUFFIX } from '../../transport/subscribe/subscribe-request.ts';

type NamesInput = string | readonly string[];

function names(input: NamesInput): string[] {
  return typeof input === 'string' ? [input] : [...input];
}

/** `names` plus, when `presence`, each name's `-pnpres` presence channel. */
function withPresenceNames(list: readonly string[], presence: boolean): string[] {
  return presence ? list.flatMap((name) => [name, `${name}${PRESENCE_SUFFIX}`]) : [...list];
}

/**
 * `subscribe()`: adds channels and channel groups to the real-time subscription. Events reach
 * the listeners added with `addListener`.
 * @example
 * client.subscribe().channels(['lobby', 'ann']).execute();
 * client.subscribe().channelGroups(['rooms']).withPresence().execute(); // presence events too
 */
export class Subscribe {
  private channelNames: string[] = [];
  private groupNames: string[] = [];
  private presence = false;
  private timetoken: string | undefined;

  private readonly loop: SubscribeLoop;

  constructor(loop: SubscribeLoop) {
    this.loop = loop;
  }

  /** Channels to add; also the ids of users and channels whose App Context events you want. */
  channels(channels: NamesInput): this {
    this.channelNames = names(channels);
    return this;
  }

  /** Channel groups to add: their channels' messages arrive with `subscription` set to the group. */
  channelGroups(groups: NamesInput): this {
    this.groupNames = names(groups);
    return this;
  }

  /**
   * Also subscribe to the presence channel (`{name}-pnpres`) of each channel and group given, so
   * the `presence` listener hears who joins, leaves, times out or changes state there.
   */
  withPresence(presence = true): this {
    this.presence = presence;
    return this;
  }

  /** Start from this timetoken instead of now, to catch up on what was published since. */
  withTimetoken(timetoken: string | bigint): this {
    this.timetoken = String(timetoken);
    return this;
  }

  execute(): void {
    const channels = [...new Set([...this.loop.channels, ...withPresenceNames(this.channelNames, this.presence)])];
    const groups = [...new Set([...this.loop.groups, ...withPresenceNames(this.groupNames, this.presence)])];
    this.loop.dispatch({ type: 'subscriptionChanged', channels, groups, ...(this.timetoken === undefined ? {} : { timetoken: this.timetoken }) });
  }
}

/**
 * `unsubscribe()`: removes channels and channel groups from the real-time subscription, with
 * their presence channels. The server hears a `leave` for them.
 * @example client.unsubscribe().channels(['lobby']).channelGroups(['rooms']).execute();
 */
export class Unsubscribe {
  private channelNames: string[] = [];
  private groupNames: string[] = [];

  private readonly loop: SubscribeLoop;

  constructor(loop: SubscribeLoop) {
    this.loop = loop;
  }

  channels(channels: NamesInput): this {
    this.channelNames = names(channels);
    return this;
  }

  channelGroups(groups: NamesInput): this {
    this.groupNames = names(groups);
    return this;
  }

  execute(): void {
    const dropped = (list: readonly string[]) => new Set(withPresenceNames(list, true));
    const droppedChannels = dropped(this.channelNames);
    const droppedGroups = dropped(this.groupNames);
    const channels = this.loop.channels.filter((channel) => !droppedChannels.has(channel));
    const groups = this.loop.groups.filter((group) => !droppedGroups.has(group));
    this.loop.dispatch({ type: 'subscriptionChanged', channels, groups });
  }
}
