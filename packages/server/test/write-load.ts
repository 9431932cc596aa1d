import { encode } from './http.ts';
import type { Envelope } from './subscriber.ts';

/** How a `WriteLoad` writes: its rate, how long, and over which channels and users. */
export interface WritePlan {
  /** Writes started per second (publishes and PATCHes together). */
  writesPerSecond: number;
  seconds: number;
  /** Publishes go to `room-0` … `room-{rooms-1}` in turn. */
  rooms: number;
  /** PATCHes rename `user-0` … `user-{users-1}` in turn; each user's App Context events go to its own channel. */
  users: number;
  /** One write in `patchEvery` is a user PATCH, the others publishes; 0: publishes only. */
  patchEvery: number;
  /** Writes open at once at most: past it the load falls behind its rate rather than pile up. */
  maxInFlight: number;
}

export const roomChannel = (n: number) => `room-${n}`;
export const userId = (n: number) => `user-${n}`;

/** Names an envelope's write: `w<i>` for the message of write i, `name:n<i>` for the user event of write i. */
export function writeKey(envelope: Envelope): string {
  return envelope.e === 2 ? `name:${envelope.d.data.name}` : `w${envelope.d.w}`;
}

/** Write i's index from a user's stored name `n<i>`. */
export const writeOfName = (name: string) => Number(name.slice(1));

const REQUEST_TIMEOUT_MS = 20_000;

/**
 * Writes at a steady rate over real HTTP, spread over the nodes `targets()` names at the time
 * (a load balancer's pool: the test takes a killed node out of it): publishes of `{ w: i }` to
 * the rooms, and PATCHes of a user's name to `n<i>`. One user's PATCHes are sent one after the
 * other, so the last one acknowledged is the newest. Records what was acknowledged (200) and
 * what failed (a 5xx or a lost connection: not acknowledged, may or may not have happened); any
 * other answer is a test failure, kept in `unexpected`.
 */
export class WriteLoad {
  readonly plan: WritePlan;
  readonly #targets: () => readonly string[];
  /** Keys of acknowledged writes, by channel, in the order they were acknowledged. */
  readonly acknowledged = new Map<string, string[]>();
  /** The timetoken each acknowledged publish was answered with, by key. */
  readonly timetokens = new Map<string, string>();
  /** Per user: the index of the newest acknowledged PATCH, and of every PATCH sent. */
  readonly lastAcknowledgedPatch = new Map<string, number>();
  readonly sentPatches = new Map<string, Set<number>>();
  /** Writes that failed (5xx, connection lost, timeout), with why: first few kept. */
  failed = 0;
  /** Failed writes by kind: `5xx` (answered with that status), `connection` (refused, reset), `timeout` (no answer in 20 s). */
  readonly failedBy = new Map<string, number>();
  readonly failures: string[] = [];
  readonly unexpected: string[] = [];
  started = 0;
  acknowledgedCount = 0;
  /** When the load started and stopped starting writes (ms since the epoch). */
  startedAt = 0;
  endedAt = 0;
  readonly #userQueues = new Map<string, Promise<void>>();
  #inFlight = 0;

  constructor(plan: WritePlan, targets: () => readonly string[]) {
    this.plan = plan;
    this.#targets = targets;
  }

  /** Runs the whole plan; resolves when every write started has been answered or has failed. */
  async run(): Promise<void> {
    const { writesPerSecond, seconds, maxInFlight } = this.plan;
    const total = Math.round(writesPerSecond * seconds);
    const pending = new Set<Promise<void>>();
    this.startedAt = Date.now();
    while (this.started < total) {
      const due = Math.min(total, Math.floor(((Date.now() - this.startedAt) * writesPerSecond) / 1000));
      while (this.started < due && this.#inFlight < maxInFlight) {
        const write = this.#write(this.started++);
        pending.add(write);
        void write.then(() => pending.delete(write));
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    this.endedAt = Date.now();
    await Promise.all(pending);
  }

  /** Acknowledged writes per second over the time writes were started. */
  get acknowledgedPerSecond(): number {
    return this.acknowledgedCount / Math.max(0.001, (this.endedAt - this.startedAt) / 1000);
  }

  #write(i: number): Promise<void> {
    const targets = this.#targets();
    const node = targets[i % targets.length]!;
    const { patchEvery, rooms, users } = this.plan;
    const turn = patchEvery === 0 ? i : Math.floor(i / patchEvery);
    if (patchEvery === 0 || i % patchEvery !== patchEvery - 1) return this.#counted(() => this.#publish(node, i, roomChannel(turn % rooms)));
    const user = userId(turn % users);
    const previous = this.#userQueues.get(user) ?? Promise.resolve();
    const next = previous.then(() => this.#counted(() => this.#rename(this.#targets(), i, user)));
    this.#userQueues.set(user, next);
    return next;
  }

  async #counted(send: () => Promise<void>): Promise<void> {
    this.#inFlight++;
    try {
      await send();
    } finally {
      this.#inFlight--;
    }
  }

  async #publish(node: string, i: number, channel: string): Promise<void> {
    const key = `w${i}`;
    const answer = await this.#send(`${node}/publish/demo/demo/0/${encode(channel)}/0/${encode(JSON.stringify({ w: i }))}?uuid=writer`, 'GET');
    if (answer === undefined) return;
    const timetoken = (JSON.parse(answer) as [number, string, string])[2];
    this.timetokens.set(key, timetoken);
    this.#acknowledge(channel, key);
  }

  async #rename(targets: readonly string[], i: number, user: string): Promise<void> {
    const node = targets[i % targets.length]!;
    let sent = this.sentPatches.get(user);
    if (!sent) this.sentPatches.set(user, (sent = new Set()));
    sent.add(i);
    const answer = await this.#send(`${node}/v2/objects/demo/uuids/${encode(user)}`, 'PATCH', JSON.stringify({ name: `n${i}` }));
    if (answer === undefined) return;
    const name = (JSON.parse(answer) as { data: { name: string } }).data.name;
    if (name !== `n${i}`) this.unexpected.push(`PATCH ${user} to n${i} answered name ${name}`);
    this.lastAcknowledgedPatch.set(user, i);
    this.#acknowledge(user, `name:n${i}`);
  }

  #acknowledge(channel: string, key: string): void {
    let keys = this.acknowledged.get(channel);
    if (!keys) this.acknowledged.set(channel, (keys = []));
    keys.push(key);
    this.acknowledgedCount++;
  }

  /** The body of a 200, or undefined when the write failed (counted). */
  async #send(url: string, method: string, body?: string): Promise<string | undefined> {
    let why: string;
    let kind: string;
    try {
      const response = await fetch(url, {
        method,
        body: body ?? null,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      if (response.status === 200) return text;
      why = `${response.status} ${text.slice(0, 300)}`;
      kind = String(response.status);
      if (response.status < 500) {
        this.unexpected.push(`${method} ${url}: ${why}`);
        return undefined;
      }
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      why = `${(error as Error).name}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`;
      kind = (error as Error).name === 'TimeoutError' ? 'timeout' : 'connection';
    }
    this.failed++;
    this.failedBy.set(kind, (this.failedBy.get(kind) ?? 0) + 1);
    if (this.failures.length < 20) this.failures.push(`${method} ${url.replace(/\?.*/, '')}: ${why}`);
    return undefined;
  }
}
