import type { AnswerBudget } from './answer-budget.ts';
import { CatchUp } from './catch-up.ts';
import type { ChannelLog } from './channel-log.ts';
import type { FilterVerdicts } from './delivery-verdicts.ts';
import { envelopeChars, subscriptionTail, withSubscription, type Envelope } from './envelope.ts';
import type { HubOptions } from '../model/hub-options.ts';
import type { MessageFilter } from './message-filter.ts';
import type { Timetoken } from './timetoken.ts';

/**
 * Envelope text one subscribe answer may parse again to run its filter over kept messages
 * (a reconnect catching up); past it, the answer goes out with what it has and its cursor, and
 * the client's next poll goes on from there.
 */
export const CATCH_UP_PARSE_CHARS = 1024 * 1024;

/** What a poll waits for: envelopes on `channels` after `after` that `filter` lets through. */
export interface Wait {
  readonly channels: readonly string[];
  readonly after: Timetoken;
  readonly filter: MessageFilter | undefined;
  /**
   * Only what the logs hold up to here is known to be all there is (a catch-up from the bus
   * read that far): the answer stops there, and when it looked at everything up to it, its
   * cursor is this.
   */
  readonly until?: Timetoken | undefined;
  /**
   * Envelopes after it are not looked at yet (nor counted as unexamined): over a network bus, the
   * newest timetoken the feed has handed this node. A catch-up replay can put a channel's
   * envelopes in its log ahead of the feed while an older one of another channel is still on its
   * way; a cursor past the ceiling would pass that one.
   */
  readonly ceiling?: Timetoken | undefined;
  /** Channel → the subscription it was reached through (a channel group), named as envelopes' `b` (`SubscribeQuery.via`). */
  readonly via?: ReadonlyMap<string, string> | undefined;
}

/** How the envelopes of one log are renamed: the `subscriptionTail` they end with, and the one they get. */
interface Rename {
  from: string;
  to: string;
}

/** The logs of one answer whose envelopes name another subscription, and how. */
type Renames = Map<ChannelLog, Rename>;

/** Where `collect` finds each channel's log. */
export type LogsByChannel = Pick<ReadonlyMap<string, ChannelLog>, 'get'>;

/** What `collect` found for one answer. */
export interface Found {
  envelopes: Envelope[];
  /** How many of `envelopes` are App Context events; the others are published messages. */
  events: number;
  /** Timetoken of the last envelope looked at; `undefined` when none was. */
  cursor: Timetoken | undefined;
  /** Some envelopes after `cursor` were not looked at (the answer is full, or parsed enough). */
  unexamined: boolean;
  /** Envelopes wait but none fits in what the answer budget has left. */
  starved: boolean;
}

/** Picks the envelopes of one subscribe answer from a keyset's channel logs. */
export class AnswerCollector {
  readonly #options: HubOptions;
  readonly #verdicts: FilterVerdicts;
  readonly #budget: AnswerBudget;

  constructor(options: HubOptions, verdicts: FilterVerdicts, budget: AnswerBudget) {
    this.#options = options;
    this.#verdicts = verdicts;
    this.#budget = budget;
  }

  /**
   * Envelopes of `wait`, oldest first, merged from the channel logs (`CatchUp`) and stopping at
   * the first cap: `maxMessagesPerAnswer` envelopes, `maxAnswerChars` of text (one envelope
   * always fits, unless the answer budget is spent), `CATCH_UP_PARSE_CHARS` parsed for the
   * filter. Envelopes of a channel in `wait.via` name that subscription as their `b`.
   * Costs O(channels + answer × log channels).
   */
  collect(logs: LogsByChannel, wait: Wait): Found {
    const found: Found = { envelopes: [], events: 0, cursor: undefined, unexamined: false, starved: false };
    const renames: Renames | undefined = wait.via?.size ? new Map() : undefined;
    const merge = this.#merge(logs, wait, renames);
    if (merge) this.#take(merge, wait, found, renames?.size ? renames : undefined);
    if (wait.until !== undefined && !found.unexamined) {
      const end = wait.ceiling !== undefined && wait.ceiling < wait.until ? wait.ceiling : wait.until;
      found.cursor = end > wait.after ? end : (found.cursor ?? wait.after);
    }
    return found;
  }

  #take(merge: CatchUp, wait: Wait, found: Found, renames: Renames | undefined): void {
    const { maxAnswerChars, maxMessagesPerAnswer } = this.#options;
    const room = Math.min(maxAnswerChars, this.#budget.available());
    const parsed = { chars: 0 };
    let chars = 0;
    for (let entry = merge.peek(); entry; entry = merge.peek()) {
      if (wait.ceiling !== undefined && entry.timetoken > wait.ceiling) break;
      if (wait.until !== undefined && entry.timetoken > wait.until) break;
      const full = found.envelopes.length === maxMessagesPerAnswer || parsed.chars >= CATCH_UP_PARSE_CHARS;
      const rename = renames?.get(merge.source()!);
      const size = envelopeChars(entry.json) + (rename ? rename.to.length - rename.from.length : 0);
      const fits = chars + size <= room || (found.envelopes.length === 0 && room === maxAnswerChars);
      if (full || !fits) {
        found.unexamined = true;
        found.starved = !fits && found.envelopes.length === 0;
        break;
      }
      merge.take();
      found.cursor = entry.timetoken;
      if (this.#verdicts.passes(wait.filter, entry, parsed)) {
        found.envelopes.push(rename ? withSubscription(entry.json, rename.from, rename.to) : entry.json);
        if (!entry.filtered) found.events += 1;
        chars += size + 1;
      }
    }
  }

  /**
   * The logs of `wait`'s channels holding envelopes after `wait.after`, merged; none when no log
   * does. Those of channels reached through another subscription (`wait.via`) go into `renames`.
   */
  #merge(logs: LogsByChannel, wait: Wait, renames: Renames | undefined): CatchUp | undefined {
    const newer: ChannelLog[] = [];
    for (const channel of wait.channels) {
      const log = logs.get(channel);
      if (!log || (log.newest() ?? 0n) <= wait.after) continue;
      newer.push(log);
      const subscription = wait.via?.get(channel);
      if (renames && subscription !== undefined && subscription !== channel)
        renames.set(log, { from: subscriptionTail(channel), to: subscriptionTail(subscription) });
    }
    return newer.length === 0 ? undefined : new CatchUp(newer, wait.after);
  }
}
