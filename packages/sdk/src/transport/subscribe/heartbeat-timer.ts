/**
 * Calls `beat` every `intervalMs` while it is switched on; an interval of 0 never calls it.
 * The subscribe loop switches it on while it is subscribed and off when it stops, so
 * heartbeats keep the user present between long-polls. Each `beat` gets a signal of its own
 * that aborts when the timer is switched off before the promise `beat` returns settles: a
 * heartbeat still out then is dropped, so a client that disconnected is not kept present by a
 * slow answer to it.
 */
export class HeartbeatTimer {
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The heartbeats out, to abort when the timer is switched off. */
  private readonly out = new Set<AbortController>();

  private readonly intervalMs: number;
  private readonly beat: (signal: AbortSignal) => Promise<unknown> | undefined;

  constructor(intervalMs: number, beat: (signal: AbortSignal) => Promise<unknown> | undefined) {
    this.intervalMs = intervalMs;
    this.beat = beat;
  }

  /** Starts the timer when `on` and not yet running, stops it when not `on`; idempotent. */
  switch(on: boolean): void {
    if (on && this.timer === undefined && this.intervalMs > 0) {
      this.timer = setInterval(() => this.beatOnce(), this.intervalMs);
    } else if (!on && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
      for (const heartbeat of this.out) heartbeat.abort();
      this.out.clear();
    }
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  private beatOnce(): void {
    const heartbeat = new AbortController();
    const sent = this.beat(heartbeat.signal);
    if (sent === undefined) return;
    this.out.add(heartbeat);
    const settled = () => this.out.delete(heartbeat);
    sent.then(settled, settled);
  }
}
