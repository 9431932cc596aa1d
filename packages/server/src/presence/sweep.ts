import type { Keyset } from '../model/keyset.ts';
import type { Log } from '../model/log.ts';
import type { PresenceAnnouncer } from './announce.ts';
import type { PresenceStore } from './store.ts';

/**
 * How much one sweep removes at most, of each kind (timed-out presences, kept states past their
 * `keepUntil`): `batch` per store call, `maxBatches` calls (the rest waits for the next tick).
 */
export interface ExpireBounds {
  batch: number;
  maxBatches: number;
}

export const DEFAULT_EXPIRE_BOUNDS: ExpireBounds = { batch: 500, maxBatches: 20 };

/**
 * How long a timeout handed to a sweep is its own to announce (ms, `PresenceStore.expire`'s
 * lease): one not settled by then (its publish failed, the store's reply was lost, the node
 * died) is handed out again to the next sweep of any node, so a lost timeout goes out about 5 s
 * late. That is the bus's own publish timeout (NATS, 5 s): a lease beyond it, so that no publish
 * could outlive its lease, would keep clients waiting on a lost timeout longer still; a much
 * shorter one would hand a slow but healthy round's timeouts out twice. Duplicates remain
 * possible: a publish (or a round, whose leases all count from its start) slower than the lease
 * that then succeeds, or a lost reply to `announced`, makes a second `timeout` event for the same
 * presence.
 */
export const TIMEOUT_LEASE_MS = 5_000;

/** What one sweep removed: presences timed out and kept states forgotten. */
export interface SweepCount {
  timedOut: number;
  statesForgotten: number;
}

/**
 * Removes the presences whose heartbeat window ran out by `now` (ms) and announces each as a
 * `timeout` (or keeps it for its channel's interval event), then forgets the states kept for
 * absent uuids (`setState`) whose `keepUntil` is past, each within `bounds`. A cluster's nodes all
 * sweep the shared store; each presence is handed to one of them, leased for `TIMEOUT_LEASE_MS`.
 * Only the timeouts that went out are settled (`PresenceStore.announced`): the others are handed
 * out again once their lease ends, so each timeout is announced at least once (twice at times, see
 * `TIMEOUT_LEASE_MS`). Timeouts of a keyset no longer served are settled unannounced, as nobody
 * can hear them. A store failure is logged and ends that part of the sweep (the next tries again).
 * `timedOut` counts the timeouts handed to this sweep, those handed out again included.
 */
export async function expireRound(
  store: PresenceStore,
  announcer: PresenceAnnouncer,
  keysetOf: (subKey: string) => Keyset | undefined,
  now: number,
  bounds: ExpireBounds,
  log: Log,
): Promise<SweepCount> {
  const timedOut = await inBatches(bounds, log, 'expiring presences', async (limit) => {
    const expired = await store.expire(now, limit, TIMEOUT_LEASE_MS);
    const wentOut = await Promise.all(
      expired.map(async ({ subKey, channel, uuid, occupancy }) => {
        const keyset = keysetOf(subKey);
        return keyset === undefined || (await announcer.change(keyset, channel, 'timeout', uuid, occupancy, now)).wentOut;
      }),
    );
    await store.announced(expired.filter((_, i) => wentOut[i]));
    return expired.length;
  });
  const statesForgotten = await inBatches(bounds, log, 'forgetting kept presence states', (limit) => store.forgetStates(now, limit));
  return { timedOut, statesForgotten };
}

/**
 * Calls `step` with `batch` up to `maxBatches` times, stopping after a call that removed fewer
 * (nothing more is due); resolves with how many it removed in all. A failure is logged as `what`
 * and ends the loop.
 */
async function inBatches({ batch, maxBatches }: ExpireBounds, log: Log, what: string, step: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  try {
    for (let round = 0; round < maxBatches; round++) {
      const removed = await step(batch);
      total += removed;
      if (removed < batch) break;
    }
  } catch (error) {
    log.warn({ err: error }, `${what} failed; the next sweep tries again`);
  }
  return total;
}

/** What a `Ticker` tells of its rounds. */
export interface RoundReports {
  /** A round still running this long after it started (ms) is reported once to `slow`. */
  slowAfterMs: number;
  /** A round has run for at least `slowAfterMs`: how long so far (ms). */
  slow: (runningMs: number) => void;
  /** A round rejected with `error`; the next tick runs the next round as usual. */
  failed: (error: unknown) => void;
}

/**
 * Runs `round` every `everyMs`, never two at once; its timer does not keep the process alive.
 * A round still running `reports.slowAfterMs` after it started is reported once (the rounds after
 * it wait for it); a round that rejects is reported to `reports.failed` rather than left an
 * unhandled rejection, which would end the process. `stop` ends it and waits for a round under way.
 */
export class Ticker {
  readonly #round: () => Promise<void>;
  readonly #everyMs: number;
  readonly #reports: RoundReports | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #startedAt = 0;
  #reported = false;
  #stopped = false;

  constructor(round: () => Promise<void>, everyMs: number, reports?: RoundReports) {
    this.#round = round;
    this.#everyMs = everyMs;
    this.#reports = reports;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => this.runOnce().catch((error: unknown) => this.#reports?.failed(error)), this.#everyMs);
    this.#timer.unref();
  }

  /** One round now, or the one under way; nothing once stopped. */
  runOnce(): Promise<void> {
    if (this.#stopped) return this.#running ?? Promise.resolve();
    if (this.#running !== undefined) {
      this.#reportIfSlow();
      return this.#running;
    }
    this.#startedAt = Date.now();
    this.#reported = false;
    this.#running = this.#round().finally(() => (this.#running = undefined));
    return this.#running;
  }

  #reportIfSlow(): void {
    const runningMs = Date.now() - this.#startedAt;
    if (this.#reports === undefined || this.#reported || runningMs < this.#reports.slowAfterMs) return;
    this.#reported = true;
    this.#reports.slow(runningMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {}); // reported where it was started
  }
}
