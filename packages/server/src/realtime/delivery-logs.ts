import type { BusMessage } from './bus.ts';
import { ChannelLog, entryBytes, LOG_OVERHEAD_BYTES, textBytes, type LoggedMessage, type SharedPayload } from './channel-log.ts';
import type { KeysetChannels } from './delivery-keyset.ts';
import type { HubOptions } from '../model/hub-options.ts';
import type { Timetoken, TimetokenClock } from './timetoken.ts';

/**
 * A node's channel logs, kept in each keyset's `logs`: bounded in count per channel
 * (`channelLogSize`), in age (`channelLogSeconds`) and, all keysets together, in memory
 * (`channelLogMiB`, counted in `bytes`).
 */
export class ChannelLogs {
  readonly #options: HubOptions;
  readonly #clock: TimetokenClock;
  readonly #spaces: ReadonlyMap<string, KeysetChannels>;
  #bytes = 0;
  /** The shared payloads of the batch being delivered, by text (one per event); emptied when it has been. */
  readonly #batchPayloads = new Map<string, SharedPayload>();
  /** Retention cutoff for the batch being delivered (computed once per batch). */
  #batchCutoff: Timetoken | undefined;

  /** @param spaces every keyset of the node, for the memory bound and retention */
  constructor(options: HubOptions, clock: TimetokenClock, spaces: ReadonlyMap<string, KeysetChannels>) {
    this.#options = options;
    this.#clock = clock;
    this.#spaces = spaces;
  }

  /** Memory held by every channel log of the node (see `ChannelLog.bytes`). */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Logs `message` on its channel of `space`; `undefined` for a redelivery (timetokens increase
   * per channel, so one not past the newest kept is one).
   */
  append(space: KeysetChannels, message: BusMessage, timetoken: Timetoken): LoggedMessage | undefined {
    const { channel } = message;
    let log = space.logs.get(channel);
    if (log && (log.newest() ?? -1n) >= timetoken) return undefined;
    let before = 0;
    if (log) {
      space.logs.delete(channel);
      before = log.bytes;
    } else {
      log = new ChannelLog(this.#options.channelLogSize, LOG_OVERHEAD_BYTES + textBytes(channel), (dropped) => this.#releaseShared(dropped));
    }
    space.logs.set(channel, log); // moved to the end: the most recently written
    log.dropBefore(this.#batchCutoff ??= this.#cutoff());
    const entry = this.#entryOf(message, timetoken);
    log.append(entry);
    this.#bytes += log.bytes - before;
    this.#keepWithinBudget(space, channel);
    return entry;
  }

  /** The batch has been delivered. */
  endBatch(): void {
    this.#batchPayloads.clear();
    this.#batchCutoff = undefined;
  }

  /** Drops the logs whose newest envelope is past retention. */
  expire(): void {
    const cutoff = this.#cutoff();
    for (const space of this.#spaces.values()) {
      for (const [channel, log] of space.logs) {
        if ((log.newest() ?? 0n) >= cutoff) break;
        this.#drop(space, channel, log);
      }
    }
  }

  #cutoff(): Timetoken {
    return this.#clock.now() - BigInt(Math.round(this.#options.channelLogSeconds * 10_000_000));
  }

  /**
   * The log entry for a message. Envelopes in parts keep one payload text per event however many
   * channels it reaches, counted once in `bytes` while any entry refers to it.
   */
  #entryOf(message: BusMessage, timetoken: Timetoken): LoggedMessage {
    const filtered = message.subject !== undefined;
    let json = message.envelope;
    if (typeof json === 'string') return { timetoken, json, filtered, bytes: entryBytes(json) };
    let shared = this.#batchPayloads.get(json.payload);
    if (!shared) this.#batchPayloads.set(json.payload, (shared = { text: json.payload, bytes: textBytes(json.payload), refs: 0 }));
    if (json.payload !== shared.text) json = { ...json, payload: shared.text }; // one text kept, even if the bus copied it
    if (shared.refs++ === 0) this.#bytes += shared.bytes;
    return { timetoken, json, filtered, bytes: entryBytes(json), shared };
  }

  #releaseShared(entry: LoggedMessage): void {
    const shared = entry.shared;
    if (shared && --shared.refs === 0) this.#bytes -= shared.bytes;
  }

  #drop(space: KeysetChannels, channel: string, log: ChannelLog): void {
    space.logs.delete(channel);
    this.#bytes -= log.bytes;
    log.clear(); // releases the shared payloads it held
  }

  /**
   * Past the node-wide budget, drops the logs written longest ago, this keyset's first (its
   * map is in write order), then other keysets'; the log just written to is kept.
   */
  #keepWithinBudget(current: KeysetChannels, written: string): void {
    const budget = this.#options.channelLogMiB * 1024 * 1024;
    if (this.#bytes <= budget) return;
    for (const space of [current, ...this.#spaces.values()]) {
      for (const [channel, log] of space.logs) {
        if (this.#bytes <= budget) return;
        if (space !== current || channel !== written) this.#drop(space, channel, log);
      }
    }
  }
}
