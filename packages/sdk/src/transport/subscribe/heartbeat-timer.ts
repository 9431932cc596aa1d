/**
 * Calls `beat` every `intervalMs` while it is switched on; an interval of 0 never calls it.
 * The subscribe loop switches it on while it is subscribed and off when it stops, so
 * heartbeats keep the user present between long-polls.
 */
export class HeartbeatTimer {
  private timer: ReturnType<typeof setInterval> | undefined;

  private readonly intervalMs: number;
  private readonly beat: () => void;

  constructor(intervalMs: number, beat: () => void) {
    this.intervalMs = intervalMs;
    this.beat = beat;
  }

  /** Starts the timer when `on` and not yet running, stops it when not `on`; idempotent. */
  switch(on: boolean): void {
    if (on && this.timer === undefined && this.intervalMs > 0) {
      this.timer = setInterval(this.beat, this.intervalMs);
    } else if (!on && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  get running(): boolean {
    return this.timer !== undefined;
  }
}
