import type { ChannelLog } from './channel-log.ts';
import { ChannelFilters } from './delivery-filters.ts';
import { RecentChannels } from './delivery-recent.ts';
import type { MessageFilter } from './message-filter.ts';
import type { Timetoken } from './timetoken.ts';

/** A long-poll waiting for envelopes; hand it back to `cancel` when its client goes away. */
export interface HeldSubscribe {
  readonly space: KeysetChannels;
  readonly channels: readonly string[];
  /**
   * Envelopes after this timetoken are what it waits for. Delivery moves it past each message
   * its filter refuses, so that waking it examines only what has just been published.
   */
  after: Timetoken;
  readonly filter: MessageFilter | undefined;
  /** Channel → the subscription (channel group) it was reached through, for answers' `b` (`SubscribeQuery.via`). */
  readonly via?: ReadonlyMap<string, string> | undefined;
  /** How long it is held at most, in milliseconds. */
  readonly holdMs: number;
  /** `Date.now()` at which it answers empty: when it was made, plus `holdMs`. */
  readonly deadline: number;
  readonly answer: (body: string) => void;
}

/** One keyset's channels: recent envelopes, who waits on each channel and with which filters, and which were subscribed to lately. */
export class KeysetChannels {
  /** Ordered by last append, oldest first, so expired logs are dropped from the front. */
  readonly logs = new Map<string, ChannelLog>();
  readonly waiters = new Map<string, Set<HeldSubscribe>>();
  readonly filters = new ChannelFilters();
  readonly recent = new RecentChannels();
  /**
   * Channels of the polls waiting on a catch-up from the bus (delivery-replay.ts), each with how
   * many wait on it: what reaches them meanwhile is logged, as on a waited channel, so that the
   * replay joins a log that took in what was stored after it was read.
   */
  readonly catchingUp = new Map<string, number>();
  readonly subKey: string;

  constructor(subKey: string) {
    this.subKey = subKey;
  }
}
