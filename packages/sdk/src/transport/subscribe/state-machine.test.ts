import { describe, expect, it } from 'vitest';
import { PNOperationType } from '../../models/operation.ts';
import { PNStatusCategory } from '../../models/status-category.ts';
import { PNStatus } from '../../models/status.ts';
import {
  jitteredReconnectDelay,
  reconnectDelay,
  transition,
  UNSUBSCRIBED,
  type Cursor,
  type ReconnectPolicy,
  type SubscribeEvent,
  type SubscribeState,
} from './state-machine.ts';

// A random source fixed at 0 draws no jitter, so delays below are the backoff ceilings.
const policy: ReconnectPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 250, random: () => 0 };
const cursor: Cursor = { timetoken: '17000000000000001', region: 1 };
const later: Cursor = { timetoken: '17000000000000009', region: 1 };

function failure(category: PNStatusCategory, statusCode = 0): PNStatus {
  return new PNStatus({ category, operation: PNOperationType.PNSubscribeOperation, statusCode });
}

const network = failure(PNStatusCategory.PNNetworkIssuesCategory);

/** Feeds events in order and returns every transition. */
function run(state: SubscribeState, ...events: SubscribeEvent[]) {
  const steps = [];
  for (const event of events) {
    const step = transition(state, event, policy);
    steps.push(step);
    state = step.state;
  }
  return { state, steps };
}

describe('subscribe state machine', () => {
  it('subscribing handshakes, then receives from the handshake cursor and reports connected', () => {
    const start = transition(UNSUBSCRIBED, { type: 'subscriptionChanged', channels: ['a'], groups: [] }, policy);
    expect(start.state).toMatchObject({ kind: 'handshaking', channels: ['a'], groups: [], attempt: 0 });
    expect(start.effects).toContainEqual({ type: 'handshake', channels: ['a'], groups: [], delayMs: 0 });
    const connected = transition(start.state, { type: 'handshakeSucceeded', cursor }, policy);
    expect(connected.state).toEqual({ kind: 'receiving', channels: ['a'], groups: [], cursor, attempt: 0 });
    expect(connected.effects).toEqual([
      { type: 'emitStatus', status: { category: PNStatusCategory.PNConnectedCategory, channels: ['a'], groups: [] } },
      { type: 'receive', channels: ['a'], groups: [], cursor, delayMs: 0 },
    ]);
  });

  it('a receive moves the cursor forward and emits the messages', () => {
    const messages = [{ c: 'a', d: 1, p: { t: later.timetoken } }];
    const { state, effects } = transition(
      { kind: 'receiving', channels: ['a'], groups: [], cursor, attempt: 0 },
      { type: 'receiveSucceeded', cursor: later, messages },
      policy,
    );
    expect(state).toMatchObject({ cursor: later });
    expect(effects).toEqual([
      { type: 'emitMessages', messages },
      { type: 'receive', channels: ['a'], groups: [], cursor: later, delayMs: 0 },
    ]);
  });

  it('after a network error it retries from the same cursor with growing delays, then reports reconnected', () => {
    const receiving: SubscribeState = { kind: 'receiving', channels: ['a'], groups: [], cursor, attempt: 0 };
    const { state, steps } = run(
      receiving,
      { type: 'receiveFailed', status: network },
      { type: 'receiveFailed', status: network },
      { type: 'receiveSucceeded', cursor: later, messages: [] },
    );
    expect(steps[0]?.effects).toEqual([
      { type: 'emitStatus', status: { category: PNStatusCategory.PNNetworkIssuesCategory, channels: ['a'], groups: [], cause: network } },
      { type: 'receive', channels: ['a'], groups: [], cursor, delayMs: 100 },
    ]);
    // The trouble is reported once, not on every attempt.
    expect(steps[1]?.effects).toEqual([{ type: 'receive', channels: ['a'], groups: [], cursor, delayMs: 200 }]);
    expect(steps[2]?.effects[0]).toEqual({ type: 'emitStatus', status: { category: PNStatusCategory.PNReconnectedCategory, channels: ['a'], groups: [] } });
    expect(state).toEqual({ kind: 'receiving', channels: ['a'], groups: [], cursor: later, attempt: 0 });
  });

  it('delays double up to the cap', () => {
    expect([1, 2, 3, 4].map((attempt) => reconnectDelay(attempt, policy))).toEqual([100, 200, 250, 250]);
  });

  it('reconnect delays use equal jitter: between half the ceiling and the ceiling', () => {
    const draws = [0, 0.25, 0.5, 0.999];
    let next = 0;
    const jittered: ReconnectPolicy = { ...policy, maxAttempts: 10, random: () => draws[next++ % draws.length] ?? 0 };
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => jitteredReconnectDelay(attempt, jittered));
    [1, 2, 3, 4, 5, 6, 7, 8].forEach((attempt, index) => {
      const ceiling = reconnectDelay(attempt, policy);
      expect(delays[index]).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delays[index]).toBeLessThanOrEqual(ceiling);
    });
    // Attempts at the cap (250) still differ from one another.
    expect(new Set(delays.slice(2)).size).toBeGreaterThan(1);
    expect(delays).toEqual([100, 175, 188, 125, 250, 219, 188, 125]);
  });

  it('the delay in a retry effect comes from the policy random source and is reproducible', () => {
    const receiving: SubscribeState = { kind: 'receiving', channels: ['a'], groups: [], cursor, attempt: 1 };
    const failed = { type: 'receiveFailed', status: network } as const;
    const half: ReconnectPolicy = { ...policy, random: () => 0.5 };
    const first = transition(receiving, failed, half);
    expect(first.effects).toEqual([{ type: 'receive', channels: ['a'], groups: [], cursor, delayMs: 150 }]);
    expect(transition(receiving, failed, half)).toEqual(first);
  });

  it('gives up after maxAttempts, keeping channels and cursor for reconnect()', () => {
    const receiving: SubscribeState = { kind: 'receiving', channels: ['a'], groups: [], cursor, attempt: 0 };
    const failed = { type: 'receiveFailed', status: network } as const;
    const { state, steps } = run(receiving, failed, failed, failed, failed);
    expect(state).toEqual({ kind: 'stopped', channels: ['a'], groups: [], cursor });
    expect(steps[3]?.effects).toEqual([
      { type: 'emitStatus', status: { category: PNStatusCategory.PNUnexpectedDisconnectCategory, channels: ['a'], groups: [], cause: network } },
    ]);
    const resumed = transition(state, { type: 'reconnect' }, policy);
    expect(resumed.state).toEqual({ kind: 'receiving', channels: ['a'], groups: [], cursor, attempt: 0 });
    expect(resumed.effects).toContainEqual({ type: 'receive', channels: ['a'], groups: [], cursor, delayMs: 0 });
  });

  it('does not retry a 4xx: it stops at once', () => {
    const forbidden = failure(PNStatusCategory.PNAccessDeniedCategory, 403);
    const { state, effects } = transition(
      { kind: 'handshaking', channels: ['a'], groups: [], restore: null, attempt: 0, wasConnected: false },
      { type: 'handshakeFailed', status: forbidden },
      policy,
    );
    expect(state).toEqual({ kind: 'stopped', channels: ['a'], groups: [], cursor: null });
    expect(effects).toEqual([
      { type: 'emitStatus', status: { category: PNStatusCategory.PNUnexpectedDisconnectCategory, channels: ['a'], groups: [], cause: forbidden } },
    ]);
  });

  it('adding a channel while receiving keeps the cursor; removing one sends a leave', () => {
    const receiving: SubscribeState = { kind: 'receiving', channels: ['a', 'b'], groups: [], cursor, attempt: 0 };
    const { state, effects } = transition(receiving, { type: 'subscriptionChanged', channels: ['b', 'c'], groups: [] }, policy);
    expect(state).toEqual({ kind: 'receiving', channels: ['b', 'c'], groups: [], cursor, attempt: 0 });
    expect(effects).toEqual([
      { type: 'cancel' },
      { type: 'leave', channels: ['a'], groups: [] },
      { type: 'emitStatus', status: { category: PNStatusCategory.PNSubscriptionChangedCategory, channels: ['b', 'c'], groups: [] } },
      { type: 'receive', channels: ['b', 'c'], groups: [], cursor, delayMs: 0 },
    ]);
  });

  it('channel groups ride along: kept across changes, and a dropped group gets a leave', () => {
    const start = transition(UNSUBSCRIBED, { type: 'subscriptionChanged', channels: [], groups: ['g', 'g-pnpres'] }, policy);
    expect(start.state).toMatchObject({ kind: 'handshaking', channels: [], groups: ['g', 'g-pnpres'] });
    expect(start.effects).toContainEqual({ type: 'handshake', channels: [], groups: ['g', 'g-pnpres'], delayMs: 0 });
    const receiving: SubscribeState = { kind: 'receiving', channels: ['a'], groups: ['g', 'h'], cursor, attempt: 0 };
    const { state, effects } = transition(receiving, { type: 'subscriptionChanged', channels: ['a'], groups: ['h'] }, policy);
    expect(state).toEqual({ kind: 'receiving', channels: ['a'], groups: ['h'], cursor, attempt: 0 });
    expect(effects).toContainEqual({ type: 'leave', channels: [], groups: ['g'] });
    expect(effects).toContainEqual({ type: 'receive', channels: ['a'], groups: ['h'], cursor, delayMs: 0 });
    const stopped = transition(state, { type: 'unsubscribeAll' }, policy);
    expect(stopped.effects).toContainEqual({ type: 'leave', channels: ['a'], groups: ['h'] });
    expect(stopped.effects).toContainEqual({
      type: 'emitStatus',
      status: { category: PNStatusCategory.PNDisconnectedCategory, channels: ['a'], groups: ['h'] },
    });
  });

  it('withTimetoken handshakes and then receives from the given timetoken', () => {
    const { state } = run(
      UNSUBSCRIBED,
      { type: 'subscriptionChanged', channels: ['a'], groups: [], timetoken: '16000000000000000' },
      { type: 'handshakeSucceeded', cursor },
    );
    expect(state).toEqual({ kind: 'receiving', channels: ['a'], groups: [], cursor: { timetoken: '16000000000000000', region: 1 }, attempt: 0 });
  });

  it('unsubscribing from everything cancels, leaves and reports disconnected', () => {
    const receiving: SubscribeState = { kind: 'receiving', channels: ['a'], groups: [], cursor, attempt: 2 };
    for (const event of [{ type: 'unsubscribeAll' }, { type: 'subscriptionChanged', channels: [], groups: [] }] as const) {
      const { state, effects } = transition(receiving, event, policy);
      expect(state).toBe(UNSUBSCRIBED);
      expect(effects).toEqual([
        { type: 'cancel' },
        { type: 'leave', channels: ['a'], groups: [] },
        { type: 'emitStatus', status: { category: PNStatusCategory.PNDisconnectedCategory, channels: ['a'], groups: [] } },
      ]);
    }
  });

  it('disconnect stops and keeps the cursor; stale results are ignored', () => {
    const receiving: SubscribeState = { kind: 'receiving', channels: ['a'], groups: [], cursor, attempt: 0 };
    const { state } = transition(receiving, { type: 'disconnect' }, policy);
    expect(state).toEqual({ kind: 'stopped', channels: ['a'], groups: [], cursor });
    expect(transition(state, { type: 'receiveSucceeded', cursor: later, messages: [] }, policy)).toEqual({ state, effects: [] });
    expect(transition(UNSUBSCRIBED, { type: 'handshakeSucceeded', cursor }, policy)).toEqual({ state: UNSUBSCRIBED, effects: [] });
  });

  it('a subscribe after giving up resumes from the kept cursor', () => {
    const stopped: SubscribeState = { kind: 'stopped', channels: ['a'], groups: [], cursor };
    const { state } = transition(stopped, { type: 'subscriptionChanged', channels: ['a', 'b'], groups: [] }, policy);
    expect(state).toEqual({ kind: 'receiving', channels: ['a', 'b'], groups: [], cursor, attempt: 0 });
  });
});
