import { TurnBatch } from '../../turn-batch.ts';

/** A call waiting for its batch, and how its caller is answered. */
interface Call<I, O> {
  key: string;
  item: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Calls made during one turn of the event loop (turn-batch.ts), answered together at its end:
 * each key's items (a keyset's) go to `run` at most `max` at a time, one statement for many
 * requests. `run` answers each item, in the order it was given them; when it throws, every call
 * of that run is rejected with its error.
 *
 * @example
 * const reads = new TurnCalls((subKey, ids: string[]) => readAll(subKey, ids));
 * const [a, b] = await Promise.all([reads.call('sub-c', 'alice'), reads.call('sub-c', 'bob')]); // one readAll
 */
export class TurnCalls<I, O> {
  readonly #run: (key: string, items: I[]) => Promise<O[]>;
  readonly #max: number;
  readonly #batch = new TurnBatch<Call<I, O>>((calls) => this.#flush(calls));

  constructor(run: (key: string, items: I[]) => Promise<O[]>, max = Number.POSITIVE_INFINITY) {
    this.#run = run;
    this.#max = max;
  }

  call(key: string, item: I): Promise<O> {
    return new Promise((resolve, reject) => this.#batch.add({ key, item, resolve, reject }));
  }

  #flush(calls: Call<I, O>[]): void {
    const byKey = new Map<string, Call<I, O>[]>();
    for (const call of calls) {
      const same = byKey.get(call.key);
      if (same === undefined) byKey.set(call.key, [call]);
      else same.push(call);
    }
    for (const [key, all] of byKey) {
      for (let from = 0; from < all.length; from += this.#max) void this.#answer(key, all.slice(from, from + this.#max));
    }
  }

  async #answer(key: string, calls: Call<I, O>[]): Promise<void> {
    try {
      const outputs = await this.#run(
        key,
        calls.map((call) => call.item),
      );
      calls.forEach((call, index) => call.resolve(outputs[index]!));
    } catch (error) {
      for (const call of calls) call.reject(error);
    }
  }
}

/**
 * The statement of a batch, one per size in 1, 2, 3, 4, 6, 8, 12, 16… (powers of two and halfway
 * between): a batch of `count` items is sent as the next of these sizes, padded. A statement whose
 * size is fixed lets PostgreSQL keep its generic plan, where one whose array parameter varies in
 * length is planned again for every execution (each custom plan looks cheaper than the generic
 * one); the few sizes keep the prepared statements few and the padding small.
 */
export class SizedStatements {
  readonly #build: (size: number) => string;
  readonly #made = new Map<number, string>();

  constructor(build: (size: number) => string) {
    this.#build = build;
  }

  /** The statement for `ids` of a keyset, and its values: `subKey`, the ids, NULL for the rest. */
  ofIds(subKey: string, ids: readonly string[]): { sql: string; params: string[] } {
    const { size, sql } = this.for(ids.length);
    const params: (string | null)[] = [subKey, ...ids, ...Array<null>(size - ids.length).fill(null)];
    return { sql, params: params as string[] }; // postgres.js binds null as NULL
  }

  /** The size to pad `count` items to, and its statement. */
  for(count: number): { size: number; sql: string } {
    const power = 2 ** Math.floor(Math.log2(Math.max(count, 1)));
    const size = count === power ? power : count <= power * 1.5 ? power * 1.5 : power * 2;
    let sql = this.#made.get(size);
    if (sql === undefined) {
      sql = this.#build(size);
      this.#made.set(size, sql);
    }
    return { size, sql };
  }
}
