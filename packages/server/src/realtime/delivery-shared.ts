import type { Found } from './delivery-collect.ts';
import type { HeldSubscribe, KeysetChannels } from './delivery-keyset.ts';
import type { Timetoken } from './timetoken.ts';

/** One answer of a delivery: what makes it (the woken poll's keyset, timetoken, filter and channels), what was found, and its text once sent. */
export interface SharedAnswer {
  readonly space: KeysetChannels;
  readonly after: Timetoken;
  readonly filter: string;
  readonly channels: readonly string[];
  readonly found: Found;
  body: string | undefined;
}

/**
 * The answers of one delivery, for the polls it wakes that would get the same one (see
 * `LocalDelivery.#settle`). The answer found last is compared field by field first: a thousand
 * subscribers of one channel wake together, and then no key is built for any of them. Only once
 * a delivery has answers of more than one kind are they kept by a text key.
 */
export class SharedAnswers {
  #last: SharedAnswer | undefined;
  readonly #byKey = new Map<string, SharedAnswer>();

  /** The answer collected in this delivery for polls waiting as `held` does, if any. */
  find(held: HeldSubscribe): SharedAnswer | undefined {
    if (this.#last !== undefined && waitsAs(this.#last, held)) return this.#last;
    if (this.#byKey.size === 0) return undefined;
    const known = this.#byKey.get(keyOf(held.space, held.after, held.filter?.text ?? '', held.channels));
    if (known !== undefined) this.#last = known;
    return known;
  }

  /** Notes what was found for `held` (as it waits now), for the polls after it that wait the same. */
  add(held: HeldSubscribe, found: Found): SharedAnswer {
    const answer: SharedAnswer = { space: held.space, after: held.after, filter: held.filter?.text ?? '', channels: held.channels, found, body: undefined };
    if (this.#last !== undefined) {
      if (this.#byKey.size === 0) this.#byKey.set(keyOf(this.#last.space, this.#last.after, this.#last.filter, this.#last.channels), this.#last);
      this.#byKey.set(keyOf(answer.space, answer.after, answer.filter, answer.channels), answer);
    }
    this.#last = answer;
    return answer;
  }
}

function waitsAs(answer: SharedAnswer, held: HeldSubscribe): boolean {
  return (
    answer.space === held.space && answer.after === held.after && answer.filter === (held.filter?.text ?? '') && sameChannels(answer.channels, held.channels)
  );
}

function sameChannels(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

function keyOf(space: KeysetChannels, after: Timetoken, filter: string, channels: readonly string[]): string {
  return `${space.subKey}\n${after}\n${filter}\n${JSON.stringify(channels)}`;
}
