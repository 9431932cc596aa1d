import { STDERR_LOG, type Log } from '../model/log.ts';
import type { BusAttachment, BusMessage, BusReceiver, EventBus } from './bus.ts';

export interface InProcessBusOptions {
  /**
   * Called with what a receiver threw; the batch still goes to the other receivers and the
   * publish still resolves (a network bus could not tell the publisher either).
   * @default logs it to `log`
   */
  onError?: (error: unknown) => void;
  /** Where a receiver's failure is logged when no `onError` is given. @default stderr */
  log?: Log | undefined;
}

/** One resolved promise for every publish: a publish allocates no promise of its own. */
const TAKEN = Promise.resolve();

const reportTo = (log: Log) => (error: unknown) => log.error({ err: error }, 'Real-time delivery failed for one node');

/**
 * The event bus of a single-process node: `publish` hands each batch, whole and synchronously, to
 * every attached receiver before it resolves, so a batch is in every channel log and has woken its
 * long-polls by the time the publisher hears it was taken. Interest is ignored: every channel is
 * carried, which is what lets a reconnecting subscriber catch up from the channel logs.
 *
 * @example
 * const bus = new InProcessBus();
 * const node = bus.attach((batch) => console.log(batch.length));
 * await bus.publish([message]); // logs 1
 * await node.detach();
 */
export class InProcessBus implements EventBus {
  /** Attached receivers, each wrapped so the same function attached twice has two places. */
  readonly #receivers = new Set<BusReceiver>();
  readonly #onError: (error: unknown) => void;
  #closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.#onError = options.onError ?? reportTo(options.log ?? STDERR_LOG);
  }

  publish(batch: readonly BusMessage[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('The event bus is closed.'));
    if (batch.length === 0) return TAKEN;
    for (const receive of this.#receivers) {
      try {
        receive(batch);
      } catch (error) {
        this.#onError(error);
      }
    }
    return TAKEN;
  }

  attach(receive: BusReceiver): BusAttachment {
    if (this.#closed) throw new Error('The event bus is closed.');
    const place: BusReceiver = (batch) => receive(batch);
    this.#receivers.add(place);
    return {
      onInterest: () => {},
      onNoInterest: () => {},
      detach: async () => {
        this.#receivers.delete(place);
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#receivers.clear();
  }
}
