/**
 * The subscribe answers a node has handed to sockets but not yet seen leave, counted in
 * characters of answer text. A client that never reads its answers keeps them in the server's
 * memory; past `limit`, delivery answers with fewer envelopes or none (the client's timetoken
 * stays where it was, so nothing is lost) until sockets drain or close.
 *
 * @example
 * const budget = new AnswerBudget(64 * 1024 * 1024);
 * budget.take(body.length);                        // when an answer is handed to the socket
 * socket.once('close', () => budget.give(body.length)); // once it has left (or never will)
 */
export class AnswerBudget {
  readonly #limit: number;
  #pending = 0;

  /** @param limit characters of answers that may be pending at once. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Characters that may still be handed out (0 when the limit is reached). */
  available(): number {
    return Math.max(0, this.#limit - this.#pending);
  }

  /** Characters handed out and not yet given back. */
  get pending(): number {
    return this.#pending;
  }

  take(chars: number): void {
    this.#pending += chars;
  }

  give(chars: number): void {
    this.#pending = Math.max(0, this.#pending - chars);
  }
}
