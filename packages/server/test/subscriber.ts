import { encode } from './http.ts';

/** One envelope of a subscribe answer, as the tests read it. */
export interface Envelope {
  /** 2 for App Context events; absent for messages. */
  e?: number;
  p: { t: string; r: number };
  /** The channel. */
  c: string;
  /** The message, or the event's body. */
  d: any;
}

export interface SubscribeAnswer {
  t: { t: string; r: number };
  m: Envelope[];
}

export interface SubscriberOptions {
  /** Base URLs (`http://127.0.0.1:PORT`) of the nodes it may poll; it starts on `nodes[first]`. */
  nodes: readonly string[];
  first: number;
  channels: readonly string[];
  uuid: string;
  /** How long one poll may take before it counts as failed: more than the nodes' `--subscribe-hold`. */
  pollTimeoutMs: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A client's subscribe loop over real HTTP, as an SDK runs it: a handshake (no `tt`) for a
 * timetoken, then long-polls from the last timetoken it got, each answer's envelopes kept in the
 * order they came. When its node fails (connection refused or reset, a 5xx, no answer in time)
 * it moves to the next node of `nodes` and polls there from the same timetoken.
 */
export class Subscriber {
  readonly options: SubscriberOptions;
  /** Every envelope received, in order. */
  readonly received: Envelope[] = [];
  /** Polls that failed, each followed by a move to the next node. */
  readonly failures: string[] = [];
  /** The timetoken the next poll sends. */
  timetoken: string | undefined;
  #node: number;
  #running: Promise<void> | undefined;
  #stopping = false;
  readonly #abort = new AbortController();

  constructor(options: SubscriberOptions) {
    this.options = options;
    this.#node = options.first;
  }

  /** The base URL it polls now. */
  get node(): string {
    return this.options.nodes[this.#node]!;
  }

  /** Polls until it gets its first timetoken (the handshake), then keeps polling in the background. */
  async start(): Promise<void> {
    while (this.timetoken === undefined) await this.#poll();
    this.#running = this.#loop();
  }

  /** Stops polling (the poll under way is abandoned) and waits for the loop to end. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#abort.abort();
    await this.#running;
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) await this.#poll();
  }

  async #poll(): Promise<void> {
    const channels = this.options.channels.map(encode).join(',');
    const tt = this.timetoken === undefined ? '' : `&tt=${this.timetoken}&tr=1`;
    const url = `${this.node}/v2/subscribe/demo/${channels}/0?uuid=${encode(this.options.uuid)}${tt}`;
    let failure: string;
    try {
      const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.options.pollTimeoutMs)]);
      const response = await fetch(url, { signal });
      const text = await response.text();
      if (response.status === 200) {
        const answer = JSON.parse(text) as SubscribeAnswer;
        this.received.push(...answer.m);
        this.timetoken = answer.t.t;
        return;
      }
      failure = `${response.status} ${text.slice(0, 200)}`;
      if (response.status < 500) throw new Error(`subscribe ${url} answered ${failure}`);
    } catch (error) {
      if (this.#stopping) return;
      if (error instanceof Error && error.message.startsWith('subscribe ')) throw error;
      failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    this.failures.push(`${this.node}: ${failure}`);
    this.#node = (this.#node + 1) % this.options.nodes.length;
    await pause(100);
  }
}

/**
 * What a subscriber got wrong, compared with what was acknowledged on its channels: `missing`
 * keys of acknowledged writes it never received, `duplicates` keys received more than once,
 * `disorder` channels whose timetokens did not strictly increase. `keyOf` names an envelope's
 * write (unique per write); `acknowledged` maps a channel to the keys acknowledged on it.
 */
export function audit(
  received: readonly Envelope[],
  channels: readonly string[],
  acknowledged: ReadonlyMap<string, readonly string[]>,
  keyOf: (envelope: Envelope) => string,
): { missing: string[]; duplicates: string[]; disorder: string[] } {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  const last = new Map<string, bigint>();
  const disorder = new Set<string>();
  for (const envelope of received) {
    const key = keyOf(envelope);
    if (seen.has(key)) duplicates.push(key);
    seen.add(key);
    const timetoken = BigInt(envelope.p.t);
    const before = last.get(envelope.c);
    if (before !== undefined && timetoken <= before) disorder.add(envelope.c);
    last.set(envelope.c, timetoken);
  }
  const missing = channels.flatMap((channel) => (acknowledged.get(channel) ?? []).filter((key) => !seen.has(key)));
  return { missing, duplicates, disorder: [...disorder] };
}
