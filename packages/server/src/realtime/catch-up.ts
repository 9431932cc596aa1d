import type { ChannelLog, LoggedMessage } from './channel-log.ts';
import type { Timetoken } from './timetoken.ts';

/** One log's place in a merge: the next entry to hand out. */
interface Cursor {
  log: ChannelLog;
  index: number;
  entry: LoggedMessage;
}

/**
 * The envelopes of several channel logs after one timetoken, in timetoken order, handed out one
 * at a time: a k-way merge over a binary heap of per-log cursors. Opening costs one binary
 * search per log; each `next` costs O(log logs), so reading the first n envelopes of many
 * channels costs O(channels + n × log channels) whatever the logs hold beyond them.
 *
 * @example
 * const merge = new CatchUp([roomLog, lobbyLog], lastTimetoken);
 * for (let entry = merge.peek(); entry && answer.length < 100; entry = merge.peek()) answer.push(merge.take().json);
 */
export class CatchUp {
  readonly #heap: Cursor[] = [];

  constructor(logs: Iterable<ChannelLog>, after: Timetoken) {
    for (const log of logs) {
      const index = log.indexAfter(after);
      const entry = log.at(index);
      if (entry) this.#heap.push({ log, index, entry });
    }
    for (let parent = (this.#heap.length >>> 1) - 1; parent >= 0; parent--) this.#down(parent);
  }

  /** The oldest envelope not yet taken, or `undefined` when all are. */
  peek(): LoggedMessage | undefined {
    return this.#heap[0]?.entry;
  }

  /** The log of the envelope `peek` shows, or `undefined` when all are taken. */
  source(): ChannelLog | undefined {
    return this.#heap[0]?.log;
  }

  /** Takes the envelope `peek` shows; throws when there is none. */
  take(): LoggedMessage {
    const top = this.#heap[0];
    if (!top) throw new RangeError('CatchUp.take: nothing left');
    const taken = top.entry;
    const next = top.log.at(++top.index);
    if (next) top.entry = next;
    else {
      const last = this.#heap.pop()!;
      if (this.#heap.length === 0) return taken;
      this.#heap[0] = last;
    }
    this.#down(0);
    return taken;
  }

  #down(start: number): void {
    const heap = this.#heap;
    let at = start;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= heap.length) return;
      const right = left + 1;
      const smaller = right < heap.length && heap[right]!.entry.timetoken < heap[left]!.entry.timetoken ? right : left;
      if (heap[smaller]!.entry.timetoken >= heap[at]!.entry.timetoken) return;
      [heap[at], heap[smaller]] = [heap[smaller]!, heap[at]!];
      at = smaller;
    }
  }
}
