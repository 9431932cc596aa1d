import type { Log } from '../model/log.ts';

/** What the purge calls: `MessagesService.purgeExpired`. */
export interface Purgeable {
  purgeExpired(limit: number): Promise<number>;
}

/** How often expired messages are deleted, and how many one store call deletes at most. */
export interface PurgeOptions {
  /** @default 60_000 (a minute) */
  intervalMs?: number;
  /** @default 1000 */
  batch?: number;
}

/**
 * Deletes expired messages in the background: every `intervalMs`, batches of `batch` until a
 * batch comes back short. Expired messages are never answered (the store leaves them out of
 * reads), so this only gives their room back; a failure is logged and the next round tries again.
 * Its timer does not keep the process alive; `stop` ends it and waits for a round under way.
 *
 * @example
 * const purge = new ExpiryPurge(messages, logger);
 * purge.start();
 * await purge.stop(); // before the store closes
 */
export class ExpiryPurge {
  readonly #target: Purgeable;
  readonly #log: Log;
  readonly #intervalMs: number;
  readonly #batch: number;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<number> | undefined;
  #stopped = false;

  constructor(target: Purgeable, log: Log, { intervalMs = 60_000, batch = 1000 }: PurgeOptions = {}) {
    this.#target = target;
    this.#log = log;
    this.#intervalMs = intervalMs;
    this.#batch = batch;
  }

  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => void this.runOnce(), this.#intervalMs);
    this.#timer.unref();
  }

  /** One round now (or the round under way): resolves with how many messages it deleted. */
  runOnce(): Promise<number> {
    this.#round ??= this.#purge().finally(() => (this.#round = undefined));
    return this.#round;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#round;
  }

  async #purge(): Promise<number> {
    let total = 0;
    try {
      for (let deleted = this.#batch; deleted === this.#batch && !this.#stopped; total += deleted) {
        deleted = await this.#target.purgeExpired(this.#batch);
      }
    } catch (error) {
      this.#log.warn({ err: error }, 'deleting expired messages failed; the next round tries again');
    }
    return total;
  }
}
