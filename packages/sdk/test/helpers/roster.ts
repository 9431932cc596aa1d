import { startServer, type RunningServer, type StartOptions } from '@roster/testing';
import { Roster, type Endpoint, type Envelope, type PNStatus, type RosterConfig } from '../../src/index.ts';

export type { RunningServer };

/** Starts a real Roster server (demo/demo keyset, temp database). */
export function startRoster(options?: StartOptions): Promise<RunningServer> {
  return startServer(options);
}

/** A client for `server`, acting as `userId`. */
export function clientFor(server: RunningServer, userId = 'me', config: Partial<RosterConfig> = {}): Roster {
  return new Roster({ subscribeKey: 'demo', publishKey: 'demo', userId, origin: server.url, ...config });
}

/** What a `.pnAsync()` callback received. */
export interface Callback<TResult> {
  readonly result: TResult | null;
  readonly status: PNStatus;
}

/** Runs a builder with `.pnAsync()` and resolves with what its callback got. */
export function viaCallback<TResult>(builder: Endpoint<TResult>): Promise<Callback<TResult>> {
  return new Promise((done) => builder.pnAsync((result, status) => done({ result, status })));
}

/** Runs a builder with `.sync()` and resolves with the rejection (fails if it resolves). */
export async function rejection<TResult>(builder: Endpoint<TResult>): Promise<unknown> {
  let envelope: Envelope<TResult> | undefined;
  try {
    envelope = await builder.sync();
  } catch (error) {
    return error;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(envelope.result)}`);
}

/** A unique id prefix per test, so tests sharing a server do not see each other's data. */
let counter = 0;
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}
