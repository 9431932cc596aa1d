import { describe, expect, it, vi } from 'vitest';
import { HeartbeatTimer } from './heartbeat-timer.ts';

const tick = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('HeartbeatTimer', () => {
  it('gives each heartbeat its own signal, and switching off aborts only those still out', async () => {
    const signals: AbortSignal[] = [];
    const answers: Array<() => void> = [];
    const timer = new HeartbeatTimer(5, (signal) => {
      signals.push(signal);
      return new Promise<void>((done) => answers.push(done));
    });
    timer.switch(true);
    // A server that answers none of them: several out at once, none sharing a signal's listeners.
    await vi.waitFor(() => expect(signals.length).toBeGreaterThanOrEqual(4));
    expect(new Set(signals).size).toBe(signals.length);
    answers[0]!();
    await tick(0);
    timer.switch(false);
    expect(signals[0]!.aborted).toBe(false);
    expect(signals.slice(1).every((signal) => signal.aborted)).toBe(true);
    const beats = signals.length;
    await tick(30);
    expect(signals).toHaveLength(beats);
  });

  it('does not beat with an interval of 0', async () => {
    let beats = 0;
    const timer = new HeartbeatTimer(0, () => {
      beats++;
      return undefined;
    });
    timer.switch(true);
    await tick(20);
    expect(timer.running).toBe(false);
    expect(beats).toBe(0);
  });
});
