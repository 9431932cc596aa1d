import { tooManyFilters, type MessageFilter } from './message-filter.ts';

/**
 * Per channel of one keyset, the distinct filter expressions its held polls wait with (by text:
 * the same text parsed twice is one filter), and how many polls hold each. Every distinct
 * filter is evaluated on each message published there, so their number is bounded.
 */
export class ChannelFilters {
  readonly #byChannel = new Map<string, Map<string, number>>();

  /** Refuses a poll that would bring one distinct filter more than `max` to one of its channels. */
  checkRoom(channels: readonly string[], filter: MessageFilter, max: number): void {
    for (const channel of channels) {
      const filters = this.#byChannel.get(channel);
      if (filters && !filters.has(filter.text) && filters.size >= max) throw tooManyFilters(channel, max);
    }
  }

  add(channel: string, filter: MessageFilter): void {
    let filters = this.#byChannel.get(channel);
    if (!filters) this.#byChannel.set(channel, (filters = new Map()));
    filters.set(filter.text, (filters.get(filter.text) ?? 0) + 1);
  }

  remove(channel: string, filter: MessageFilter): void {
    const filters = this.#byChannel.get(channel);
    const count = filters?.get(filter.text);
    if (!filters || count === undefined) return;
    if (count > 1) filters.set(filter.text, count - 1);
    else if (filters.delete(filter.text) && filters.size === 0) this.#byChannel.delete(channel);
  }
}
