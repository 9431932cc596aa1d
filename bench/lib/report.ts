import type { LoadResult } from './load.ts';

/** A target from the issue: a figure must be at least (or at most) a value. */
export interface Target {
  /** What is compared, in words: "rate vs bare node:http". */
  measure: string;
  atLeast?: number;
  atMost?: number;
  /** How the bound is written: a share (50%), a factor (1.3×), milliseconds or KiB. */
  unit: 'share' | 'factor' | 'ms' | 'KiB';
}

export interface Check {
  target: Target;
  value: number;
  met: boolean;
  /** Why the figure decides nothing either way (the run's noise was larger than the target's margin); the verdict then says so instead. */
  inconclusive?: string | undefined;
}

export function check(target: Target, value: number): Check {
  const met = (target.atLeast === undefined || value >= target.atLeast) && (target.atMost === undefined || value <= target.atMost);
  return { target, value, met };
}

/** One generator's figures for one scenario: Roster, the bare baseline and the Fastify floor under the same load. */
export interface GeneratorFigures {
  roster: LoadResult;
  baseline: LoadResult;
  /** The same-size route on bare Fastify: the most any Fastify app can do here. */
  floor: LoadResult;
  /**
   * The same requests on the node's storage with none of Roster's JavaScript (bench/http.ts
   * `Servers.storageFloors`), for the scenarios measured against it (the set); absent in runs before 2026-12-06.
   */
  storageFloor?: LoadResult | undefined;
  /** Roster's rate over the baseline's. */
  ratio: number;
  check?: Check | undefined;
  /** Turns each server was measured in (the order alternating); absent in runs before 2026-12-04's evening: one each. */
  turns?: number;
}

/** One HTTP scenario: autocannon's figures, and wrk's from the same run. */
export interface HttpScenario extends GeneratorFigures {
  name: string;
  request: string;
  responseBytes: number;
  /** The same runs under wrk (one thread, in its own process); undefined where wrk was not installed. */
  wrk?: GeneratorFigures | undefined;
}

export const fixed = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–';

export const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;

export function verdict(result: Check | undefined): string {
  if (!result) return '';
  const { atLeast, atMost } = result.target;
  const bound = (atLeast ?? atMost)!;
  const written = { share: percent(bound), factor: `${bound}×`, ms: `${bound} ms`, KiB: `${bound} KiB` }[result.target.unit];
  const goal = `${atLeast !== undefined ? '≥' : '≤'} ${written}`;
  if (result.inconclusive !== undefined) return `inconclusive: ${result.inconclusive} (target ${goal})`;
  return `${result.met ? 'met' : 'MISSED'} (target ${goal})`;
}

/** Prints rows of cells as an aligned plain-text table. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

/** Fails loudly when a run had errors: a benchmark of failing requests measures nothing. */
export function assertClean(label: string, result: LoadResult): void {
  if (result.errors > 0 || result.non2xx > 0) {
    throw new Error(`${label}: ${result.errors} connection errors and ${result.non2xx} non-2xx answers out of ${result.requests}`);
  }
}
