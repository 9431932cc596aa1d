import { createReadStream, statSync } from 'node:fs';
import type { Store } from '../store/store.ts';
import type { LineItem } from './format.ts';
import { parseLine, type LimitsOf, type LineProblem } from './parse-line.ts';
import { readLines } from './read-lines.ts';
import { addOutcomes, emptyTally, type Tally } from './tally.ts';

/** Records per transaction of `roster import`. */
export const IMPORT_BATCH = 1000;

export interface ImportOptions {
  dryRun: boolean;
  limitsOf: LimitsOf;
  batchSize?: number;
  /** Bytes of the longest line read (`maxLineBytes`); a longer one is reported, not read into memory. */
  maxLineBytes: number;
}

/**
 * The longest line that can hold a record of `maxRecordBytes` (the largest of the keysets'):
 * every byte of it escaped (`\u0001`, six bytes), plus the line's other fields. At least 1 MiB.
 */
export function maxLineBytes(maxRecordBytes: number): number {
  return Math.max(1024 * 1024, 6 * maxRecordBytes + 64 * 1024);
}

/** Where an import reports as it goes. */
export interface ImportHooks {
  /** A line that was not imported; the lines around it are. `line` counts from 1. */
  problem(line: number, problem: LineProblem): void;
  /** After each batch: bytes of the file read so far, and records imported. */
  progress(bytesRead: number, records: number): void;
}

export interface ImportSummary {
  tally: Tally;
  /** Lines read, blank ones included. */
  lines: number;
  /** Lines that were refused (each told to `ImportHooks.problem`). */
  bad: number;
  bytes: number;
}

/**
 * Reads transfer file `path` (format.ts) line by line and writes its records to `store` in
 * transactions of `batchSize` records (`Store.import`: idempotent, no events). A bad line is
 * reported and skipped; the good ones around it are imported. Blank lines are skipped. Lines are
 * strict UTF-8 of at most `maxLineBytes` (read-lines.ts).
 */
export async function importFile(path: string, store: Pick<Store, 'import'>, options: ImportOptions, hooks: ImportHooks): Promise<ImportSummary> {
  const size = statSync(path).size;
  const input = createReadStream(path);
  const tally = emptyTally();
  const batchSize = options.batchSize ?? IMPORT_BATCH;
  let batch: LineItem[] = [];
  let records = 0;
  let lineNumber = 0;
  let bad = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    addOutcomes(tally, items, await store.import(items, { dryRun: options.dryRun }));
    records += items.length;
    hooks.progress(input.bytesRead, records);
  };
  for await (const line of readLines(input, options.maxLineBytes)) {
    lineNumber++;
    const result = 'problem' in line ? { problem: { field: 'line', reason: line.problem } } : parseLine(line.text, options.limitsOf);
    if ('problem' in result) {
      bad++;
      hooks.problem(lineNumber, result.problem);
    } else if ('item' in result) {
      batch.push(result.item);
      if (batch.length >= batchSize) await flush();
    }
  }
  await flush();
  hooks.progress(size, records);
  return { tally, lines: lineNumber, bad, bytes: size };
}
