/**
 * Collects what is handed over in one turn of the event loop and gives it all to `run` at the
 * turn's end (`setImmediate`): one socket write, statement or transaction for the lot, where
 * each request on its own would cost one of its own. What is added while `run` works waits for
 * the next turn's batch.
 *
 * @example
 * const gets = new TurnBatch<string>((ids) => void readAll(ids));
 * gets.add('alice'); gets.add('bob'); // read together once this turn ends
 */
export class TurnBatch<T> {
  readonly #run: (items: T[]) => void;
  #items: T[] = [];

  constructor(run: (items: T[]) => void) {
    this.#run = run;
  }

  add(item: T): void {
    this.#items.push(item);
    if (this.#items.length === 1) setImmediate(() => this.#flush());
  }

  #flush(): void {
    const items = this.#items;
    this.#items = [];
    this.#run(items);
  }
}
