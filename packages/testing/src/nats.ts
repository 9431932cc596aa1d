import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/**
 * The NATS server tests run against: `ROSTER_TEST_NATS_URL`, by default the local one that
 * `.ci/run` starts. Each test run makes its own streams and subjects on it and deletes them.
 */
export const NATS_URL = process.env['ROSTER_TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';

/**
 * Why NATS JetStream cannot be used at `url` (one line for a report, naming the variable that
 * sets it), or `undefined` when JetStream answers there.
 */
export async function natsUnavailable(url = NATS_URL, variable = 'ROSTER_TEST_NATS_URL'): Promise<string | undefined> {
  try {
    const nc = await connect({ servers: url, timeout: 1000, reconnect: false });
    try {
      await jetstreamManager(nc);
      return undefined;
    } catch {
      return `the NATS server at ${url} has no JetStream (${variable})`;
    } finally {
      await nc.close();
    }
  } catch {
    return `no NATS server at ${url} (set ${variable})`;
  }
}

/** A stream and subject prefix of one test's own. */
export interface StreamPlace {
  stream: string;
  subjectPrefix: string;
  /** `NATS_URL` naming them, as `--bus` takes it. */
  url: string;
}

/** The streams a test file makes, each under a name of this run only, deleted by `deleteAll`. */
export class TestStreams {
  readonly #run = `${process.pid}_${Date.now().toString(36)}`;
  readonly #made = new Set<string>();

  place(name: string): StreamPlace {
    const stream = `ROSTER_TEST_${this.#run}_${name}`;
    const subjectPrefix = `rostertest.${this.#run}.${name}`;
    this.#made.add(stream);
    return { stream, subjectPrefix, url: `${NATS_URL}?stream=${stream}&prefix=${subjectPrefix}` };
  }

  async deleteAll(): Promise<void> {
    if (this.#made.size === 0) return;
    const nc = await connect({ servers: NATS_URL });
    try {
      const jsm = await jetstreamManager(nc);
      for (const stream of this.#made) await jsm.streams.delete(stream).catch(() => false);
    } finally {
      await nc.close();
    }
    this.#made.clear();
  }
}

/** Deletes every stream whose name starts with `prefix` (what a test run left behind); returns their names. */
export async function deleteStreams(prefix: string): Promise<string[]> {
  const nc = await connect({ servers: NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    const deleted: string[] = [];
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(prefix) && (await jsm.streams.delete(name).catch(() => false))) deleted.push(name);
    }
    return deleted;
  } finally {
    await nc.close();
  }
}
