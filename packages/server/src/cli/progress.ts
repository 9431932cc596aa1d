import { Presets, SingleBar } from 'cli-progress';

/** Progress of a long command, on stderr (stdout may carry the command's data). */
export interface Progress {
  /** `done` of the total so far (records, or bytes of a file), and how many records that is. */
  update(done: number, records: number): void;
  stop(): void;
}

/**
 * How long a command took and its rate, for its summary line: `in 95.2 s (10504 records/s)`. The
 * rate is worked out from the seconds as shown, so that the two agree (5 records `in 0.1 s` must
 * not read `39 records/s`); under a second it would mean little, and is left out.
 */
export function durationAndRate(records: number, milliseconds: number): string {
  const seconds = Math.round(milliseconds / 100) / 10;
  if (seconds === 0) return 'in under 0.1 s';
  if (seconds < 1) return `in ${seconds.toFixed(1)} s`;
  return `in ${seconds.toFixed(1)} s (${Math.round(records / seconds)} records/s)`;
}

/** Seconds between two plain progress lines. */
const PLAIN_EVERY_SECONDS = 2;

/**
 * A bar with percentage, records, rate and ETA when stderr is a terminal (cli-progress);
 * otherwise a plain line every few seconds, for logs: `imported 120000/1000000 records (12%,
 * 25000/s, ETA 35 s)`. `verb` starts the line; `total` is in the unit of `update`'s `done`:
 * records when `byRecords`, else bytes of the input (then the line names no record total).
 */
export function startProgress(verb: string, total: number, byRecords: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = performance.now();
  const rate = (records: number) => Math.round(records / Math.max((performance.now() - started) / 1000, 0.001));
  if (stream.isTTY) {
    const bar = new SingleBar(
      {
        stream,
        format: `${verb} [{bar}] {percentage}% | {records} records | {rate}/s | ETA {eta_formatted}`,
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      },
      Presets.shades_classic,
    );
    bar.start(Math.max(total, 1), 0, { records: 0, rate: 0 });
    return {
      update: (done, records) => bar.update(done, { records, rate: rate(records) }),
      stop: () => bar.stop(),
    };
  }
  let lastLine = started;
  return {
    update: (done, records) => {
      const now = performance.now();
      if (now - lastLine < PLAIN_EVERY_SECONDS * 1000) return;
      lastLine = now;
      const fraction = total > 0 ? Math.min(done / total, 1) : 1;
      const eta = fraction > 0 ? Math.round(((now - started) / 1000) * (1 / fraction - 1)) : undefined;
      const count = byRecords ? `${records}/${total} records` : `${records} records`;
      stream.write(`${verb} ${count} (${Math.floor(fraction * 100)}%, ${rate(records)}/s, ETA ${eta ?? '?'} s)\n`);
    },
    stop: () => {},
  };
}
