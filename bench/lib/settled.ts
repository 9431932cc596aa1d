import { cpuMicros } from './processes.ts';

/** One tick of the kernel's process-time clock, in µs (`cpuMicros` moves by whole ticks). */
const TICK_MICROS = 10_000;

/**
 * Waits until `pid` is done with what it was sent: its CPU time grew by at most one tick over
 * 100 ms (at least 100 ms, at most 20 s; without procfs, the longest wait). Ten thousand polls take
 * a node seconds to hold; a fixed wait would trigger the event while some are still on their way in.
 */
export async function settled(pid: number): Promise<void> {
  const until = performance.now() + 20_000;
  let last = cpuMicros(pid);
  do {
    await new Promise((done) => setTimeout(done, 100));
    const now = cpuMicros(pid);
    if (now - last <= TICK_MICROS) return;
    last = now;
  } while (performance.now() < until);
}
