/**
 * Calls `beat` every `intervalMs` while it is switched on; an interval of 0 never calls it.
 * The subscribe loop switches it on while it is subscribed and off when it stops, so
 * heartbeats keep the user present between long-polls. `beat` gets a signal that aborts when
 * the timer is switched off: a heartbeat still out or waiting to be retried then is dropped,
 * so a client that disconnected is not kept present by it.
 */
export class HeartbeatTimer {
  private timer: ReturnType<typeof setInterval> | undefined;
  private beating: AbortController | undefined;

  private readonly intervalMs: number;
  private readonly beat: (signal: AbortSignal) => void;

  constructor(intervalMs: number, beat: (signal: AbortSignal) => void) {
    this.intervalMs = intervalMs;
    this.beat = beat;
  }

  /** Starts the timer when `on` and not yet running, stops it when not `on`; idempotent. */
  switch(on: boolean): void {
    if (on && this.timer === undefined && this.intervalMs > 0) {
      const running = (this.beating = new AbortController());
      this.timer = setInterval(() => this.beat(running.signal), this.intervalMs);
    } else if (!on && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.beating?.abort();
      this.beating = undefined;
    }
  }

  get running(): boolean {
    return this.timer !== undefined;
  }
}
