/**
 * The kill -9 scenario of test/cluster-failure.test.ts at the figures: 1,000 writes/s
 * (publishes and user renames, one in five) and 500 long-polling subscribers on three nodes over
 * PostgreSQL and NATS, one node killed halfway. `npm test` runs it at CI sizes; smoke mode skips
 * it here for that reason.
 *
 * On a 2-core machine that also runs PostgreSQL, NATS and the load itself, the cluster does not
 * sustain 1,000 writes/s: the load falls behind its rate (it never has more than 400 writes open)
 * and the test reports the rate it reached. What it asserts holds at any rate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKillScenario, type KillOutcome } from '../test/cluster-kill.ts';
import { natsUnavailable } from '../test/nats.ts';
import { postgresUnavailable, titled } from '../test/store-contract/postgres.ts';
import { SMOKE } from './scale.ts';

const unavailable = SMOKE
  ? 'smoke mode: npm test runs this scenario at CI sizes (test/cluster-failure.test.ts)'
  : ((await postgresUnavailable()) ?? (await natsUnavailable()));

const SIZES = { writesPerSecond: 1000, seconds: 30, subscribers: 500 };

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

describe.skipIf(unavailable !== undefined)(
  titled(`A cluster losing a node at ${SIZES.writesPerSecond} writes/s with ${SIZES.subscribers} subscribers (kill -9)`, unavailable),
  () => {
    let outcome: KillOutcome;
    beforeAll(async () => {
      outcome = await runKillScenario(SIZES, cleanups);
      console.log(outcome.summary);
    }, 15 * 60_000);

    it('answers every write with 200 or a failure of the lost node', () => {
      expect(outcome.load.unexpected).toEqual([]);
      expect(
        [...outcome.load.failedBy.keys()].filter((kind) => kind !== 'connection'),
        outcome.load.failures.join('\n'),
      ).toEqual([]);
    });

    it('keeps every acknowledged user rename, as both surviving nodes read it', () => {
      expect(outcome.unreadable).toEqual([]);
    });

    it('gives every subscriber of a room every acknowledged message once and in order, moved or not', () => {
      expect(outcome.problems.single).toEqual([]);
    });

    it('gives subscribers of a room and a user nothing twice and each channel in order', () => {
      expect(outcome.problems.double.other).toEqual([]);
    });

    // TODO(bug: cross-channel late landing, realtime/nats/settling.ts): see test/cluster-failure.test.ts.
    it.skip('TODO(bug: cross-channel late landing) gives subscribers of a room and a user every acknowledged write', () => {
      expect(outcome.problems.double.missing).toEqual([]);
    });
  },
);
