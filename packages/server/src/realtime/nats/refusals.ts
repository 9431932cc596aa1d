import { AtMostEvery } from '../../at-most-every.ts';
/** How often refusals are reported after the first, at most. */
const QUIET_MS = 60_000;

/**
 * Counts stored messages a node refused to deliver (checks.ts) and reports them without letting
 * whoever writes them flood the log: the first at once, then at most one line a minute saying how
 * many more there were and the latest reason.
 *
 * @example
 * const refusals = new Refusals(console.error);
 * refusals.add(new RefusedMessage('Not a Roster envelope …')); // reported
 * refusals.add(new RefusedMessage('…')); // counted; reported with the others a minute later
 */
export class Refusals {
  readonly #report: (error: unknown) => void;
  #count = 0;
  #unreported = 0;
  readonly #reports: AtMostEvery;

  constructor(report: (error: unknown) => void, now: () => number = () => performance.now()) {
    this.#report = report;
    this.#reports = new AtMostEvery(QUIET_MS, now);
  }

  /** Every message refused so far. */
  get count(): number {
    return this.#count;
  }

  add(error: Error): void {
    this.#count++;
    this.#unreported++;
    if (!this.#reports.due()) return;
    const more = this.#unreported > 1 ? ` (${this.#unreported} refused since the last report)` : '';
    this.#report(new Error(`Did not deliver a stored message: ${error.message}${more}`, { cause: error }));
    this.#unreported = 0;
  }
}
