import type { Readable } from 'node:stream';

/** One garbage collection as V8 reports it with `--trace-gc-nvp`. */
interface Collection {
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
        if (kind === undefined) continue;
        this.#collections.push({ at, kind, pauseMs: field(line, 'pause'), promoted: field(line, 'promoted'), survived: field(line, 'new_space_survived') });
      }
    });
  }

  /** Lines on the collections between `from` and `to` (`performance.now()` ms), per request of the `requests` served meanwhile. */
  summary(from: number, to: number, requests: number): string[] {
    const within = this.#collections.filter(({ at }) => at >= from && at <= to);
    const scavenges = within.filter(({ kind }) => kind === 's');
    const full = within.filter(({ kind }) => kind !== 's');
    const sum = (list: Collection[], of: (collection: Collection) => number) => list.reduce((total, collection) => total + of(collection), 0);
    const perRequest = (value: number) => (value / requests).toFixed(1);
    return [
      `garbage collection over the measured run (V8's --trace-gc-nvp), per request of ${requests}:`,
      `  scavenges: ${scavenges.length} (one per ${Math.round(requests / Math.max(1, scavenges.length))} requests), ${perRequest(sum(scavenges, (c) => c.pauseMs) * 1000)} µs paused, ` +
        `${perRequest(sum(scavenges, (c) => c.survived))} B survived, ${perRequest(sum(scavenges, (c) => c.promoted))} B promoted to the old generation`,
      `  mark-compacts: ${full.length}, ${perRequest(sum(full, (c) => c.pauseMs) * 1000)} µs paused`,
    ];
  }
}
