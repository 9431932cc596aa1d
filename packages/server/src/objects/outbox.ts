import { randomBytes } from 'node:crypto';
import { STDERR_LOG, type Log } from '../model/log.ts';
import type { OutboxRecord, OutboxStore } from '../store/store.ts';
import { eventsText, type ObjectEvent, type ObjectEventSink } from './events.ts';

export interface OutboxOptions {
  /** How old a record must be before the relay takes it, in milliseconds: its writer's own hand-off has long ended by then. @default 5000 */
  relayAfterMs?: number;
  /** How often the relay looks for records, in milliseconds. @default 1000 */
  relayEveryMs?: number;
  /** Records one relay transaction takes. @default 100 */
  relayBatch?: number;
  /** How long delivered records wait to be deleted together, in milliseconds. @default 100 */
  deleteAfterMs?: number;
  /** Delivered records that are deleted at once, without waiting `deleteAfterMs`. @default 500 */
  deleteBatch?: number;
  log?: Log | undefined;
}

/** What the relay has done, for tests and logs. */
export interface OutboxStats {
  /** Records the relay handed to the bus. */
  relayed: number;
  /** Delivered records waiting to be deleted. */
  pendingDeletes: number;
}

/**
 * The outbox of App Context events (docs/decisions.md, "Outbox"). A write records its events in
 * its own transaction (`record`, called by the store through `Announce`); after the commit
 * `handOff` gives them to the event bus, and once the bus took them their record is deleted with
 * others in one statement a moment later. A record whose hand-off failed (the bus was down) or
 * whose writer died stays; the relay (`start`) hands such records over once they are
 * `relayAfterMs` old, on whichever node claims them first, under the same id, so a bus that
 * dedupes (NATS JetStream) stores events a relay repeats only once.
 *
 * @example
 * const outbox = new Outbox(store.outbox, hub, { log });
 * outbox.start();
 * const objects = new ObjectsService(store, outbox);
 * // on shutdown, before the store and the bus close:
 * await outbox.close();
 */
export class Outbox {
  readonly #store: OutboxStore;
  readonly #sink: ObjectEventSink;
  readonly #options: Required<Omit<OutboxOptions, 'log'>>;
  readonly #log: Log;
  /** Keys whose hand-off is under way on this node, or delivered and not yet deleted: the relay leaves them alone. */
  readonly #busy = new Set<string>();
  #delivered: string[] = [];
  #deleteTimer: NodeJS.Timeout | undefined;
  #deleting: Promise<void> = Promise.resolve();
  #relayTimer: NodeJS.Timeout | undefined;
  #relaying: Promise<void> | undefined;
  /** Whether the last relay run failed: the next failure is not logged again, the next success is. */
  #failing = false;
  #relayed = 0;
  #closed = false;

  /**
   * Keys are this prefix, random per process (72 bits), then a count: unique across nodes and
   * restarts without asking the system for randomness on every write.
   */
  readonly #keyPrefix = `${randomBytes(9).toString('base64url')}.`;
  #recorded = 0;

  constructor(store: OutboxStore, sink: ObjectEventSink, options: OutboxOptions = {}) {
    this.#store = store;
    this.#sink = sink;
    this.#log = options.log ?? STDERR_LOG;
    this.#options = {
      relayAfterMs: options.relayAfterMs ?? 5000,
      relayEveryMs: options.relayEveryMs ?? 1000,
      relayBatch: options.relayBatch ?? 100,
      deleteAfterMs: options.deleteAfterMs ?? 100,
      deleteBatch: options.deleteBatch ?? 500,
    };
  }

  /** The outbox record of one change's events (a new unique key), or `undefined` when there are none: what a write's `Announce` returns. */
  record(subKey: string, events: readonly ObjectEvent[]): OutboxRecord | undefined {
    if (events.length === 0) return undefined;
    return { key: `${this.#keyPrefix}${(this.#recorded++).toString(36)}`, subKey, events: eventsText(events) };
  }

  /**
   * After the commit: hands the change's events to the bus and resolves once it took them or
   * failed to (the sink reports that; the record stays for the relay). Never rejects.
   */
  async handOff(subKey: string, events: ObjectEvent[], key: string): Promise<void> {
    this.#busy.add(key);
    const taken = await this.#sink.publish(subKey, events, key);
    if (taken) this.#deleteSoon(key);
    else this.#busy.delete(key);
  }

  /** Relays records left in the outbox now, then every `relayEveryMs`, until `close`. */
  start(): void {
    if (this.#closed || this.#relayTimer !== undefined || this.#relaying !== undefined) return;
    const tick = () => {
      this.#relayTimer = undefined;
      this.#relaying = this.relayNow().finally(() => {
        this.#relaying = undefined;
        if (!this.#closed) this.#relayTimer = setTimeout(tick, this.#options.relayEveryMs).unref();
      });
    };
    tick();
  }

  /** One relay run: every record old enough, batch after batch. Never rejects (it logs). */
  async relayNow(): Promise<void> {
    try {
      let taken: number;
      let delivered: number;
      do {
        delivered = 0;
        let failure: unknown;
        taken = await this.#store.relay({ olderThanMs: this.#options.relayAfterMs, limit: this.#options.relayBatch }, async (records) => {
          const keys: string[] = [];
          for (const record of records) {
            if (this.#busy.has(record.key)) continue;
            try {
              await this.#sink.relay(record.subKey, this.#eventsOf(record), record.key);
            } catch (error) {
              failure = error;
              break;
            }
            keys.push(record.key);
          }
          delivered = keys.length;
          return keys;
        });
        this.#relayed += delivered;
        if (delivered > 0) this.#log.info({ records: delivered }, 'Relayed App Context events left in the outbox to the event bus');
        if (failure !== undefined) throw failure;
        // A full batch, all of it delivered: there may be more.
      } while (taken >= this.#options.relayBatch && delivered === taken && !this.#closed);
      if (this.#failing) this.#log.info({}, 'The outbox relay works again');
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) this.#log.warn({ err: error }, 'The outbox relay cannot hand App Context events over yet; it tries again every second');
      this.#failing = true;
    }
  }

  stats(): OutboxStats {
    return { relayed: this.#relayed, pendingDeletes: this.#delivered.length };
  }

  /** Stops the relay and deletes the records of delivered events; call before the store and the bus close. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#relayTimer);
    await this.#relaying;
    await this.#flush();
  }

  /** A record's events; one that is not what `record` wrote cannot be relayed, and is dropped (logged) rather than block the outbox. */
  #eventsOf(record: OutboxRecord): ObjectEvent[] {
    try {
      const events = JSON.parse(record.events) as unknown;
      if (Array.isArray(events) && events.every((event) => Array.isArray((event as Partial<ObjectEvent> | null)?.channels))) return events as ObjectEvent[];
    } catch {
      // logged below
    }
    this.#log.error({ key: record.key }, 'Dropped an outbox record that holds no App Context events');
    return [];
  }

  #deleteSoon(key: string): void {
    this.#delivered.push(key);
    if (this.#delivered.length >= this.#options.deleteBatch) void this.#flush();
    else this.#deleteTimer ??= setTimeout(() => void this.#flush(), this.#options.deleteAfterMs).unref();
  }

  /** Deletes the delivered records in one statement; when the store fails they are tried again later. */
  #flush(): Promise<void> {
    clearTimeout(this.#deleteTimer);
    this.#deleteTimer = undefined;
    const keys = this.#delivered;
    this.#delivered = [];
    if (keys.length === 0) return this.#deleting;
    this.#deleting = this.#deleting.then(async () => {
      try {
        await this.#store.remove(keys);
        for (const key of keys) this.#busy.delete(key);
      } catch (error) {
        this.#log.warn({ err: error, records: keys.length }, 'Could not delete delivered App Context events from the outbox; trying again');
        this.#delivered.push(...keys);
        if (!this.#closed) this.#deleteTimer ??= setTimeout(() => void this.#flush(), this.#options.relayEveryMs).unref();
      }
    });
    return this.#deleting;
  }
}
