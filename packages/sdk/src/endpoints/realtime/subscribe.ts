import type { SubscribeLoop } from '../../transport/subscribe/subscribe-loop.ts';

/**
 * `subscribe()`: adds channels to the real-time subscription. Events reach the listeners
 * added with `addListener`.
 * @example client.subscribe().channels(['lobby', 'ann']).execute();
 */
export class Subscribe {
  private names: string[] = [];
  private timetoken: string | undefined;

  private readonly loop: SubscribeLoop;

  constructor(loop: SubscribeLoop) {
    this.loop = loop;
  }

  /** Channels to add; also the ids of users and channels whose App Context events you want. */
  channels(channels: string | readonly string[]): this {
    this.names = typeof channels === 'string' ? [channels] : [...channels];
    return this;
  }

  /** Start from this timetoken instead of now, to catch up on what was published since. */
  withTimetoken(timetoken: string | bigint): this {
    this.timetoken = String(timetoken);
    return this;
  }

  execute(): void {
    const channels = [...new Set([...this.loop.channels, ...this.names])];
    this.loop.dispatch({ type: 'subscriptionChanged', channels, ...(this.timetoken === undefined ? {} : { timetoken: this.timetoken }) });
  }
}

/**
 * `unsubscribe()`: removes channels from the real-time subscription.
 * @example client.unsubscribe().channels(['lobby']).execute();
 */
export class Unsubscribe {
  private names: string[] = [];

  private readonly loop: SubscribeLoop;

  constructor(loop: SubscribeLoop) {
    this.loop = loop;
  }

  channels(channels: string | readonly string[]): this {
    this.names = typeof channels === 'string' ? [channels] : [...channels];
    return this;
  }

  execute(): void {
    const channels = this.loop.channels.filter((channel) => !this.names.includes(channel));
    this.loop.dispatch({ type: 'subscriptionChanged', channels });
  }
}
