import { readFileSync } from 'node:fs';

/** CPU time `pid` has used so far, in ms (utime + stime, at the kernel's 10 ms tick). */
function cpuMillis(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN; // no procfs: `settled` falls back to its longest wait
  }
}

/**
 * Waits until `pid` is done with what it was sent: its CPU time grew by at most one tick over
 * 100 ms (at least 100 ms, at most 20 s). Ten thousand polls take a node seconds to hold; a fixed
 * wait would trigger the event while some are still on their way in.
 */
export async function settled(pid: number): Promise<void> {
  const until = performance.now() + 20_000;
  let last = cpuMillis(pid);
  do {
    await new Promise((done) => setTimeout(done, 100));
    const now = cpuMillis(pid);
    if (now - last <= 10) return;
    last = now;
  } while (performance.now() < until);
}
