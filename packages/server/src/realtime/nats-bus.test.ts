import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runBusContract } from '../../test/bus-contract/contract.ts';
import { natsUnavailable } from '../../test/nats.ts';
import type { BusMessage } from './bus.ts';
import { createBus } from './create-bus.ts';
import { appContextParts, envelopeText, messageEnvelope } from './envelope.ts';
import { InProcessBus } from './in-process-bus.ts';
import { EnvelopeTooLargeError } from './nats/limits.ts';
import { NatsBus, type NatsBusOptions } from './nats/nats-bus.ts';
import { NatsSubjects } from './nats/subjects.ts';
import { Sequencer } from './sequencer.ts';
import { MAX_LEAD, TimetokenClock, wallClock } from './timetoken.ts';

const URL = process.env['ROSTER_TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const NATS_SERVER = process.env['ROSTER_TEST_NATS_SERVER'] ?? '/usr/sbin/nats-server';

const skip = await natsUnavailable(URL);
const RUN = `${process.pid}_${Date.now().toString(36)}`;
const streams = new Set<string>();

/**
 * Settings for a stream and subject prefix of this run only (deleted after it); `name` tells
 * streams apart within the run. Nodes settle for 100 ms, not 20: on a loaded test machine a
 * publish that has to look its channel up first can land tens of milliseconds after the next one.
 */
function place(name: string, more: Partial<NatsBusOptions> = {}): NatsBusOptions {
  const stream = `ROSTER_TEST_${RUN}_${name}`;
  streams.add(stream);
  return { servers: URL, stream, subjectPrefix: `rostertest.${RUN}.${name}`, settleMs: 100, onError: () => {}, onStatus: () => {}, ...more };
}

afterAll(async () => {
  if (skip !== undefined) return;
  const nc = await connect({ servers: URL });
  const jsm = await jetstreamManager(nc);
  for (const stream of streams) await jsm.streams.delete(stream).catch(() => false);
  await nc.close();
});

runBusContract({ name: 'NatsBus (JetStream)', create: () => NatsBus.connect(place('contract')), retains: true, skip });

const buses: NatsBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});

async function node(options: NatsBusOptions): Promise<NatsBus> {
  const bus = await NatsBus.connect(options);
  buses.push(bus);
  return bus;
}

/** What reached one node, batches flattened. */
function listen(bus: NatsBus): BusMessage[] {
  const received: BusMessage[] = [];
  bus.attach((batch) => received.push(...batch));
  return received;
}

const arrived = (received: BusMessage[], count: number) =>
  vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(count), { timeout: 10_000, interval: 10 });

const say = (sequencer: Sequencer, channel: string, text: string) =>
  sequencer.message('demo', channel, { payload: { text }, meta: { from: 'test' }, publisher: 'alice', customMessageType: undefined });

const byTimetoken = (messages: readonly BusMessage[]) => [...messages].sort((x, y) => (BigInt(x.timetoken) < BigInt(y.timetoken) ? -1 : 1));
const textOf = (message: BusMessage) => (message.subject?.data as { text?: string } | undefined)?.text;
const timetokenInEnvelope = (message: BusMessage) => (JSON.parse(envelopeText(message.envelope)) as { p: { t: string } }).p.t;

function strictlyIncreasingPerChannel(received: BusMessage[]): void {
  const last = new Map<string, bigint>();
  for (const message of received) {
    const timetoken = BigInt(message.timetoken);
    expect(timetoken).toBeGreaterThan(last.get(message.channel) ?? 0n);
    last.set(message.channel, timetoken);
  }
}

describe.skipIf(skip !== undefined)(`NatsBus between nodes${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  it('carries what either node publishes to both, each once, each channel in one order with increasing timetokens, even from a clock behind', async () => {
    const options = place('nodes');
    const [a, b] = [await node(options), await node(options)];
    const [onA, onB] = [listen(a), listen(b)];
    const ahead = new Sequencer(new TimetokenClock(), 1);
    // Node B's clock is 5 s behind: its timetokens have to move on past A's on a shared channel.
    const behind = new Sequencer(new TimetokenClock(() => new TimetokenClock().now() - 50_000_000n), 1);
    const fromA = Array.from({ length: 40 }, (_, n) => say(ahead, n % 4 === 0 ? 'lobby' : 'room', `a${n}`));
    const fromB = Array.from({ length: 40 }, (_, n) => say(behind, 'room', `b${n}`));
    // An event on three channels (its payload stored once), one on a single channel, a message action: every kind a node stores.
    const event = [
      ...ahead.events('demo', [
        { channels: ['room', 'user-1', 'lobby'], payload: { source: 'objects', version: '2.0', event: 'set', type: 'uuid', data: { id: 'user-1' } } },
      ]),
      ...ahead.events('demo', [{ channels: ['lobby'], payload: { source: 'objects', version: '2.0', event: 'set', type: 'channel', data: { id: 'lobby' } } }]),
      ahead.action('demo', 'room', { event: 'added', uuid: 'bob', action: { type: 'reaction', value: 'smile', messageTimetoken: '1', actionTimetoken: '2' } }),
    ];
    await Promise.all([...fromA.map((m) => a.publish([m])), ...fromB.map((m) => b.publish([m])), a.publish(event)]);

    const total = fromA.length + fromB.length + event.length;
    await arrived(onA, total);
    await arrived(onB, total);
    await new Promise((resolve) => setTimeout(resolve, 200)); // nothing more comes
    expect(onA).toHaveLength(total);
    expect(onB).toHaveLength(total);
    // Each node hands over its own messages as it sent them and reads the other's from the stream: the same either way.
    for (const channel of ['room', 'lobby', 'user-1']) {
      const onChannel = (received: BusMessage[]) => received.filter((m) => m.channel === channel);
      expect(onChannel(onB)).toStrictEqual(onChannel(onA));
    }
    strictlyIncreasingPerChannel(onA);
    // What each publisher holds after publish is what every node got: timetoken and envelope moved on together.
    const byTimetoken = new Map(onA.map((m) => [m.timetoken, m]));
    for (const sent of [...fromA, ...fromB, ...event]) {
      // `alwaysLogged` stays with the publisher: the stream's retention serves late subscribers (bus.ts).
      const { alwaysLogged: _logged, ...carried } = sent;
      expect(byTimetoken.get(sent.timetoken)).toEqual(carried);
      expect(timetokenInEnvelope(sent)).toBe(sent.timetoken);
    }
    const roomTexts = onA.filter((m) => m.channel === 'room' && m.subject).map(textOf);
    expect(roomTexts.filter((text) => text?.startsWith('b'))).toEqual(fromB.map(textOf)); // B's own order kept
    expect(new Set(roomTexts).size).toBe(roomTexts.length);
  });

  it('stamps each message from the node’s clock as it sends it: one that waited lands after one stamped later elsewhere', async () => {
    const clock = new TimetokenClock();
    const bus = await node(place('stamps', { clock }));
    const received = listen(bus);
    const sequencer = new Sequencer(new TimetokenClock(), 1);
    const waited = say(sequencer, 'room', 'sequenced first, sent last');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const prompt = say(sequencer, 'lobby', 'sequenced last, sent first');
    const handshake = clock.now(); // a subscriber handed this cursor before the sends misses neither
    await bus.publish([prompt]);
    await bus.publish([waited]);
    await arrived(received, 2);
    expect(received.map(textOf)).toEqual(['sequenced last, sent first', 'sequenced first, sent last']);
    expect(BigInt(prompt.timetoken)).toBeGreaterThan(handshake);
    expect(BigInt(waited.timetoken)).toBeGreaterThan(BigInt(prompt.timetoken));
    expect(received).toEqual([prompt, waited]);
    expect(timetokenInEnvelope(waited)).toBe(waited.timetoken);
  });

  it('replays what a subscriber missed after its node closed, on a node that started later, and that node goes on live', async () => {
    const options = place('replay');
    const publisher = await node(options);
    const sequencer = new Sequencer(new TimetokenClock(), 1);
    const first = await node(options);
    const onFirst = listen(first);
    await publisher.publish([say(sequencer, 'room', 'one')]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await publisher.publish([say(sequencer, 'room', 'two')]); // stamped after 'one' was stored
    await arrived(onFirst, 2);
    const lastSeen = onFirst[1]!.timetoken;
    await first.close();

    const missed = [
      say(sequencer, 'room', 'three'),
      ...sequencer.events('demo', [
        { channels: ['room', 'user-9'], payload: { source: 'objects', version: '2.0', event: 'delete', type: 'uuid', data: { id: 'user-9' } } },
      ]),
      say(sequencer, 'room', 'four'),
    ];
    await publisher.publish(missed.slice(0, 1));
    await publisher.publish(missed.slice(1, 3));
    await publisher.publish(missed.slice(3));
    await publisher.publish([say(sequencer, 'elsewhere', 'not for room')]);

    // No slack: the replay starts reading the channel at the time of `lastSeen`, not at its first message.
    const second = await node({ ...options, replaySlackSeconds: 0 });
    const onSecond = listen(second);
    const replay = await second.replay('demo', 'room', lastSeen, 100);
    expect(replay).toEqual({ messages: missed.filter((m) => m.channel === 'room'), more: false, complete: true });
    expect(replay.messages.map((m) => m.timetoken > lastSeen)).toEqual([true, true, true]);

    const live = say(sequencer, 'room', 'five');
    await publisher.publish([live]);
    await arrived(onSecond, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(onSecond).toEqual([live]);
  });

  it('keeps a bounded stream: old envelopes go past the per-channel limit, and a replay says when its gap cannot be filled', async () => {
    const options = place('retention', { maxPerChannel: 3, maxAgeSeconds: 60, maxBytes: 8 * 1024 * 1024 });
    const bus = await node(options);
    const sequencer = new Sequencer(new TimetokenClock(), 1);
    const sent = Array.from({ length: 6 }, (_, n) => say(sequencer, 'room', `m${n}`));
    for (const message of sent) await bus.publish([message]);

    const fromStart = await bus.replay('demo', 'room', sent[0]!.timetoken, 10);
    expect(fromStart).toEqual({ messages: sent.slice(3), more: false, complete: false });
    const fromKept = await bus.replay('demo', 'room', sent[2]!.timetoken, 10);
    expect(fromKept).toEqual({ messages: sent.slice(3), more: false, complete: true });

    const nc = await connect({ servers: URL });
    const info = await (await jetstreamManager(nc)).streams.info(options.stream!);
    await nc.close();
    expect(info.config).toMatchObject({ max_age: 60 * 1e9, max_bytes: 8 * 1024 * 1024, max_msgs_per_subject: 3, discard: 'old' });
  });

  it('stores an App Context event’s payload once, whatever the number of its channels', async () => {
    const options = place('payload');
    const bus = await node(options);
    const received = listen(bus);
    const channels = Array.from({ length: 200 }, (_, n) => `member-${n}`);
    const payload = {
      source: 'objects' as const,
      version: '2.0' as const,
      event: 'set' as const,
      type: 'uuid' as const,
      data: { id: 'user-1', name: 'x'.repeat(2000) },
    };
    await bus.publish(new Sequencer(new TimetokenClock(), 1).events('demo', [{ channels, payload }]));
    await arrived(received, channels.length);
    expect(received.map((m) => m.channel)).toEqual(channels);

    const nc = await connect({ servers: URL });
    const info = await (await jetstreamManager(nc)).streams.info(options.stream!);
    await nc.close();
    expect(info.state.messages).toBe(channels.length + 1);
    expect(info.state.bytes).toBeLessThan(2000 * 2 + channels.length * 600);
  });

  it('finishes the publishes under way when closed, then refuses more', async () => {
    const options = place('close');
    const bus = await NatsBus.connect(options);
    const sequencer = new Sequencer(new TimetokenClock(), 1);
    const sent = Array.from({ length: 30 }, (_, n) => say(sequencer, 'room', `m${n}`));
    const publishing = sent.map((message) => bus.publish([message]));
    await bus.close();
    await expect(Promise.all(publishing)).resolves.toHaveLength(30);
    await expect(bus.publish([say(sequencer, 'room', 'late')])).rejects.toThrow('closed');
    const reader = await node(options);
    expect((await reader.replay('demo', 'room', '0', 100)).messages).toEqual(sent);
  });
});

/** A raw JetStream client on a bus's subjects: what anyone allowed to write them could store there. */
async function forger(options: NatsBusOptions) {
  const nc = await connect({ servers: URL });
  forgers.push(nc);
  const js = jetstream(nc);
  const subjects = new NatsSubjects(options.subjectPrefix!);
  const store = async (subject: string, body: string, values: Record<string, string>) => {
    const h = headers();
    for (const [name, value] of Object.entries(values)) h.set(name, value);
    return (await js.publish(subject, body, { headers: h })).seq;
  };
  return { subjects, store };
}

const forgers: NatsConnection[] = [];
afterEach(async () => {
  await Promise.all(forgers.splice(0).map((nc) => nc.close()));
});

/** An envelope as a node renders it, with any timetoken and channel. */
const rendered = (timetoken: string, channel: string, text: string) =>
  messageEnvelope({ subKey: 'demo', channel, timetoken, region: 1 }, { payloadJson: JSON.stringify({ text }), publisher: 'mallory' });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(skip !== undefined)(`NatsBus and messages no node wrote${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  it('keeps a channel going after a message stamped far in the future, and never answers success for what no node delivers', async () => {
    const options = place('future');
    const reports: unknown[] = [];
    const publisher = await node(options);
    const reader = await node({ ...options, onError: (error) => reports.push(error) });
    const received = listen(reader);
    const { subjects, store } = await forger(options);
    const room = subjects.channel('demo', 'room');
    const sequencer = new Sequencer(new TimetokenClock(), 1);

    const far = '9999999999999999999';
    await store(room, rendered(far, 'room', 'far'), { 'Roster-Tt': far, 'Roster-Kind': 'm' });
    const after = say(sequencer, 'room', 'after');
    await publisher.publish([after]);
    expect(BigInt(after.timetoken)).toBeLessThan(wallClock() + MAX_LEAD); // not moved on past the forged one
    await arrived(received, 1);
    await pause(200);
    expect(received).toEqual([after]);
    expect(reader.stats().refused).toBe(1);
    expect(reports).toHaveLength(1);
    expect(String(reports[0])).toContain(far);

    // Ahead of every node's clock, yet within what nodes deliver: the next publish fails rather than follow it.
    const ahead = (wallClock() + 90n * 10_000_000n).toString();
    await store(room, rendered(ahead, 'room', 'ahead'), { 'Roster-Tt': ahead, 'Roster-Kind': 'm' });
    await expect(publisher.publish([say(sequencer, 'room', 'refused')])).rejects.toThrow('ahead of this node');
    await arrived(received, 2);
    await pause(200);
    expect(received.map(textOf)).toEqual(['after', 'ahead']);
    expect((await reader.replay('demo', 'room', '0', 10)).messages.map(textOf)).toEqual(['after', 'ahead']);
  });

  it('delivers no stored message that is not what a node writes, counts them and reports the first', async () => {
    const options = place('forged');
    const reports: unknown[] = [];
    const bus = await node({ ...options, onError: (error) => reports.push(error) });
    const received = listen(bus);
    const { subjects, store } = await forger(options);
    const room = subjects.channel('demo', 'room');
    const now = () => wallClock().toString();
    const sequencer = new Sequencer(new TimetokenClock(), 1);
    const first = say(sequencer, 'room', 'first');
    await bus.publish([first]);

    const secret = await store(subjects.payload('other', 'x'), '{"secret":1}', { 'Roster-Kind': 'p' });
    const tt = now();
    const parts = appContextParts({ subKey: 'demo', channel: 'room', timetoken: tt, region: 1 }, '');
    const shared = { 'Roster-Tt': tt, 'Roster-Kind': 'r', 'Roster-Cut': String(parts.head.length) };
    await store(room, parts.head + parts.tail, { ...shared, 'Roster-Ref': String(secret) }); // another keyset's payload
    await store(room, parts.head + parts.tail, { ...shared, 'Roster-Ref': '1' }); // a channel message, not a payload
    await store(room, ']],"x":', { 'Roster-Tt': now(), 'Roster-Kind': 'e' });
    await store(room, 'abc', { 'Roster-Tt': now(), 'Roster-Kind': 'i', 'Roster-Cut': '-5,99999999' });
    const other = now();
    await store(room, rendered(other, 'lobby', 'elsewhere'), { 'Roster-Tt': other, 'Roster-Kind': 'm' });
    await store(room, rendered(now(), 'room', 'mismatch'), { 'Roster-Tt': now(), 'Roster-Kind': 'm' });
    const long = 'ü'.repeat(5000);
    const [[name]] = subjects.channelHeaders(long) as [[string, string]];
    const named = now();
    await store(subjects.channel('demo', long), rendered(named, 'ö'.repeat(5000), 'misnamed'), {
      'Roster-Tt': named,
      'Roster-Kind': 'm',
      [name]: subjects.channelHeaders('ö'.repeat(5000))[0]![1],
    });

    const last = say(sequencer, 'room', 'last');
    await bus.publish([last]);
    await arrived(received, 2);
    await vi.waitFor(() => expect(bus.stats().refused).toBe(7), { timeout: 5000, interval: 10 });
    await pause(200);
    expect(received).toEqual([first, last]);
    expect(reports).toHaveLength(1);
    expect((await bus.replay('demo', 'room', '0', 10)).messages).toEqual([first, last]);
  });

  it('takes any channel name, and refuses at once an envelope larger than the server carries', async () => {
    const options = place('limits');
    const [a, b] = [await node(options), await node(options)];
    const onB = listen(b);
    const sequencer = new Sequencer(new TimetokenClock(), 1);
    const long = 'ü'.repeat(5000);
    const message = say(sequencer, long, 'long');
    await a.publish([message]);
    await arrived(onB, 1);
    expect(onB).toEqual([message]);
    expect((await b.replay('demo', long, '0', 10)).messages).toEqual([message]);

    const nc = await connect({ servers: URL });
    const maxPayload = nc.info!.max_payload;
    await nc.close();
    expect(a.limits.maxPayloadBytes).toBe(maxPayload);
    const started = performance.now();
    await expect(a.publish([say(sequencer, 'room', 'x'.repeat(a.limits.maxEnvelopeBytes))])).rejects.toThrow(EnvelopeTooLargeError);
    expect(performance.now() - started).toBeLessThan(100);
    const fits = say(sequencer, 'room', 'x'.repeat(a.limits.maxEnvelopeBytes - 200));
    await a.publish([fits]);
    await arrived(onB, 2);
    expect(onB[1]).toEqual(fits);
  });

  it('carries messages of the largest size, more of them than a node reads ahead (4 MiB), each once and in order', async () => {
    const options = place('large');
    const [a, b] = [await node(options), await node(options)];
    const onB = listen(b);
    const sequencer = new Sequencer(new TimetokenClock(), 1);
    const sent = Array.from({ length: 12 }, (_, n) => say(sequencer, n % 2 === 0 ? 'room' : 'lobby', `${n}`.padEnd(a.limits.maxEnvelopeBytes - 300, '.')));
    await Promise.all(sent.map((message) => a.publish([message])));
    await arrived(onB, sent.length);
    expect(onB.map(textOf)).toEqual(byTimetoken(sent).map(textOf));
  });
});

/** A NATS server of this test's own, on a free loopback port, that it can stop and start again. */
class OwnNatsServer {
  readonly port: number;
  readonly #dir = mkdtempSync(join(tmpdir(), 'roster-nats-'));
  #process: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
  }

  static async start(): Promise<OwnNatsServer> {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const server = new OwnNatsServer(port);
    await server.up();
    return server;
  }

  async up(): Promise<void> {
    this.#process = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.#dir], { stdio: 'ignore' });
    await vi.waitFor(
      async () => {
        const nc = await connect({ servers: `nats://127.0.0.1:${this.port}`, reconnect: false, timeout: 500 });
        await jetstreamManager(nc).finally(() => nc.close());
      },
      { timeout: 10_000, interval: 100 },
    );
  }

  async down(): Promise<void> {
    const running = this.#process;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  }

  async remove(): Promise<void> {
    await this.down();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

const noServerBinary = existsSync(NATS_SERVER) ? undefined : `no nats-server at ${NATS_SERVER} (set ROSTER_TEST_NATS_SERVER)`;

describe.skipIf(noServerBinary !== undefined)(`NatsBus when NATS goes away${noServerBinary === undefined ? '' : ` (skipped: ${noServerBinary})`}`, () => {
  it('refuses publishes while the server is down, and catches up on what others published once it is back', async () => {
    const server = await OwnNatsServer.start();
    const statuses: string[] = [];
    const options: NatsBusOptions = {
      servers: `nats://127.0.0.1:${server.port}`,
      publishTimeoutMs: 1000,
      onError: () => {},
      onStatus: (line) => statuses.push(line),
    };
    try {
      const subscriberNode = await node(options);
      const received = listen(subscriberNode);
      const publisherNode = await node({ ...options, onStatus: () => {} });
      const sequencer = new Sequencer(new TimetokenClock(), 1);
      const before = say(sequencer, 'room', 'before');
      await publisherNode.publish([before]);
      await arrived(received, 1);

      await server.down();
      await vi.waitFor(() => expect(statuses.some((line) => line.startsWith('lost the connection'))).toBe(true), { timeout: 5000, interval: 20 });
      await expect(subscriberNode.publish([say(sequencer, 'room', 'while down')])).rejects.toThrow('not connected');
      await server.up();

      const after = [say(sequencer, 'room', 'after 1'), say(sequencer, 'room', 'after 2')];
      await vi.waitFor(() => publisherNode.publish(after.slice(0, 1)), { timeout: 15_000, interval: 250 });
      await publisherNode.publish(after.slice(1));
      await arrived(received, 3);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received.map(textOf)).toEqual(['before', 'after 1', 'after 2']);
      expect(statuses.some((line) => line.startsWith('lost the connection'))).toBe(true);
      expect(statuses.some((line) => line.startsWith('reconnected'))).toBe(true);
    } finally {
      await Promise.all(buses.splice(0).map((bus) => bus.close()));
      await server.remove();
    }
  }, 60_000);
});

describe('createBus', () => {
  it('makes an in-process bus when no URL is given, and refuses a URL that is not nats://', async () => {
    const bus = await createBus(undefined);
    expect(bus).toBeInstanceOf(InProcessBus);
    await bus.close();
    await expect(createBus('http://127.0.0.1:4222')).rejects.toThrow('nats://');
  });

  it.skipIf(skip !== undefined)('connects to NATS JetStream for a nats:// URL', async () => {
    const bus = await createBus(URL, { stream: `ROSTER_TEST_${RUN}_factory`, subjectPrefix: `rostertest.${RUN}.factory`, onStatus: () => {} });
    streams.add(`ROSTER_TEST_${RUN}_factory`);
    expect(bus).toBeInstanceOf(NatsBus);
    await bus.close();
  });
});
