import type { BusMessage } from '../bus.ts';

/** A message waiting in `Settling`: when it arrived, and its timetoken as a number. */
interface Waiting {
  message: BusMessage;
  at: number;
  timetoken: bigint;
}

/**
 * Hands messages over in timetoken order after holding each for `settleMs`. Each channel's
 * messages already come in timetoken order (channel-order.ts), but two nodes publishing on two
 * channels at once may land in the stream in the opposite order to their timetokens; a subscriber
 * on both, whose one cursor covers both, would then miss the one that landed second. Held a
 * moment and sorted, they go out in timetoken order. Each release takes the messages held long
 * enough, plus any that arrived since with a lower timetoken than theirs.
 */
export class Settling {
  readonly #settleMs: number;
  readonly #release: (batch: BusMessage[]) => void;
  /** In arrival order. */
  #waiting: Waiting[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Per keyset, the highest timetoken handed over (a subscriber's cursor covers channels of one keyset). */
  readonly #highest = new Map<string, bigint>();
  #late = 0;

  constructor(settleMs: number, release: (batch: BusMessage[]) => void) {
    this.#settleMs = settleMs;
    this.#release = release;
  }

  get late(): number {
    return this.#late;
  }

  add(message: BusMessage): void {
    this.#waiting.push({ message, at: performance.now(), timetoken: BigInt(message.timetoken) });
    this.#schedule();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waiting = [];
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#waiting.length === 0) return;
    const wait = this.#waiting[0]!.at + this.#settleMs - performance.now();
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, Math.ceil(wait)));
  }

  #tick(): void {
    this.#timer = undefined;
    const settledBefore = performance.now() - this.#settleMs;
    let settled = 0;
    let ceiling = 0n;
    while (settled < this.#waiting.length && this.#waiting[settled]!.at <= settledBefore) {
      const timetoken = this.#waiting[settled++]!.timetoken;
      if (timetoken > ceiling) ceiling = timetoken;
    }
    const going: Waiting[] = this.#waiting.slice(0, settled);
    const staying: Waiting[] = [];
    for (const waiting of this.#waiting.slice(settled)) (waiting.timetoken < ceiling ? going : staying).push(waiting);
    this.#waiting = staying;
    if (going.length > 0) this.#handOver(going);
    this.#schedule();
  }

  #handOver(going: Waiting[]): void {
    going.sort((a, b) => (a.timetoken < b.timetoken ? -1 : a.timetoken > b.timetoken ? 1 : 0));
    for (const { message, timetoken } of going) {
      const highest = this.#highest.get(message.subKey) ?? 0n;
      if (timetoken < highest) this.#late++;
      else this.#highest.set(message.subKey, timetoken);
    }
    this.#release(going.map((waiting) => waiting.message));
  }
}
