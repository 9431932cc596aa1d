import type { Readable } from 'node:stream';
import type { MeasuredWindow } from './load.ts';

/** One garbage collection as V8 reports it with `--trace-gc-nvp`. */
interface Collection {
  /** The isolate (thread) collected: the `[pid:0x…]` that starts its line. */
  isolate: string;
  /** When its line reached this process, `performance.now()` ms. */
  at: number;
  /** `s` for a scavenge (young generation), `mc`/`mmc`… for a mark-compact. */
  kind: string;
  pauseMs: number;
  /** Bytes copied into the old generation (scavenges). */
  promoted: number;
  /** Bytes that survived within the young generation (scavenges). */
  survived: number;
}

const field = (line: string, name: string): number => Number(new RegExp(` ${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);

const sum = (list: readonly Collection[], of: (collection: Collection) => number): number => list.reduce((total, collection) => total + of(collection), 0);

/**
 * The collections of a node started with `--trace-gc-nvp`, read from its stdout: how often the
 * young generation is collected, what it copies and promotes, and what the pauses cost, over a
 * measured run (docs/benchmarks.md, "A young generation that outlives a held poll").
 */
export class CollectorLog {
  readonly #collections: Collection[] = [];
  #partial = '';

  constructor(output: Readable) {
    output.on('data', (chunk: Buffer) => {
      const lines = (this.#partial + chunk.toString()).split('\n');
      this.#partial = lines.pop() ?? '';
      const at = performance.now();
      for (const line of lines) {
        const kind = / gc=(\S+)/.exec(line)?.[1];
        const isolate = /\[\d+:0x[0-9a-f]+\]/.exec(line)?.[0];
        if (kind === undefined || isolate === undefined) continue;
        this.#collections.push({
          isolate,
          at,
          kind,
          pauseMs: field(line, 'pause'),
          promoted: field(line, 'promoted'),
          survived: field(line, 'new_space_survived'),
        });
      }
    });
  }

  /**
   * Lines on the main thread's collections within `window`, per request of the `requests` served
   * in it. The node's other threads (SQLite's checkpointer, tsx's loader) have isolates of their
   * own, which collect far less: the main thread is the one with the most collections.
   */
  summary([from, to]: MeasuredWindow, requests: number): string[] {
    const byIsolate = new Map<string, Collection[]>();
    for (const collection of this.#collections) {
      if (collection.at < from || collection.at > to) continue;
      const same = byIsolate.get(collection.isolate) ?? [];
      same.push(collection);
      byIsolate.set(collection.isolate, same);
    }
    const within = [...byIsolate.values()].sort((a, b) => b.length - a.length)[0] ?? [];
    if (requests <= 0) return ['garbage collection: no requests were measured'];
    const scavenges = within.filter(({ kind }) => kind === 's');
    const full = within.filter(({ kind }) => kind !== 's');
    const perRequest = (value: number) => (value / requests).toFixed(1);
    const often = scavenges.length === 0 ? 'none' : `one per ${Math.round(requests / scavenges.length)} requests`;
    return [
      `garbage collection on the main thread over the measured run (V8's --trace-gc-nvp), per request of ${requests}:`,
      `  scavenges: ${scavenges.length} (${often}), ${perRequest(sum(scavenges, (c) => c.pauseMs) * 1000)} µs paused, ` +
        `${perRequest(sum(scavenges, (c) => c.survived))} B survived, ${perRequest(sum(scavenges, (c) => c.promoted))} B promoted to the old generation`,
      `  mark-compacts: ${full.length}, ${perRequest(sum(full, (c) => c.pauseMs) * 1000)} µs paused`,
    ];
  }
}
