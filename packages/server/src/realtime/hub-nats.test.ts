/**
 * Nodes of a cluster as real-time hubs over one NATS JetStream bus: a subscriber that comes to a
 * node whose channel logs do not reach back to its timetoken is caught up from the stream.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { NATS_URL, natsUnavailable, TestStreams } from '../../test/nats.ts';
import type { ObjectEvent } from '../objects/events.ts';
import { DEFAULT_HUB_OPTIONS, type HubOptions } from '../model/hub-options.ts';
import type { Log } from '../model/log.ts';
import { LocalDelivery, type SubscribeQuery } from './delivery.ts';
import { parseMessageFilter } from './message-filter.ts';
import { RealtimeHub } from './hub.ts';
import { NatsBus, type NatsBusOptions } from './nats/nats-bus.ts';
import { Sequencer } from './sequencer.ts';
import { TimetokenClock } from './timetoken.ts';

interface Answer {
  t: { t: string; r: number };
  m: Record<string, any>[];
}

const skip = await natsUnavailable();
const streams = new TestStreams();
afterAll(() => streams.deleteAll());

const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** Settings for a bus of one test; nodes settle for 100 ms, as a loaded test machine needs. */
function place(name: string, more: Partial<NatsBusOptions> = {}): NatsBusOptions {
  const { stream, subjectPrefix } = streams.place(name);
  return { servers: NATS_URL, stream, subjectPrefix, settleMs: 100, onError: () => {}, onStatus: () => {}, ...more };
}

/** A node: a hub over its own connection to the bus. */
async function node(options: NatsBusOptions, hub: Partial<HubOptions> = {}, log?: Log): Promise<{ hub: RealtimeHub; bus: NatsBus }> {
  const bus = await NatsBus.connect(options);
  const made = new RealtimeHub({ holdSeconds: 5, ...hub }, { bus, ...(log && { log }) });
  closing.push(async () => {
    await made.close();
    await bus.close();
  });
  return { hub: made, bus };
}

/** Subscribes; `answered` resolves with the first answer, `held` is what `cancel` takes. */
function poll(hub: RealtimeHub, query: Partial<SubscribeQuery> & { channels: string[] }) {
  let answer!: (value: Answer) => void;
  const answered = new Promise<Answer>((resolve) => (answer = resolve));
  const held = hub.subscribe({ subKey: 'demo', after: undefined, filter: undefined, ...query }, (body) => answer(JSON.parse(body) as Answer));
  return { answered, held };
}

const say = (hub: RealtimeHub, channel: string, payload: unknown) =>
  hub.publishMessage('demo', channel, { payload, meta: undefined, publisher: 'alice', customMessageType: undefined });

const renamed = (id: string, name: string): ObjectEvent => ({
  channels: [id],
  payload: { source: 'objects', version: '2.0', event: 'set', type: 'uuid', data: { id, name } },
});

/** What an answer carries, in order: a message's payload, or `event:<name>` for an App Context event. */
const contents = (answer: Answer) => answer.m.map((m) => (m['e'] === 2 ? `event:${m['d'].data.name}` : m['d']));

/** Lets the nodes' feeds deliver what was published (they settle for 100 ms). */
const settled = () => new Promise((resolve) => setTimeout(resolve, 300));

describe.skipIf(skip !== undefined)(`RealtimeHub over NATS JetStream${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  it('catches up a subscriber on a node that started after what it missed, then goes on live', async () => {
    const options = place('later');
    const a = await node(options);
    const start = a.hub.now();
    for (let n = 1; n <= 3; n++) await say(a.hub, 'room', n);
    await a.hub.publish('demo', [renamed('user-1', 'Ann')]);
    await say(a.hub, 'room', 4);

    const b = await node(options);
    const caughtUp = await poll(b.hub, { channels: ['room', 'user-1'], after: start }).answered;
    expect(contents(caughtUp)).toEqual([1, 2, 3, 'event:Ann', 4]);
    expect(caughtUp.t.t).toBe(caughtUp.m.at(-1)!['p'].t);
    expect(b.hub.stats().catchingUp).toBe(0);

    const live = poll(b.hub, { channels: ['room', 'user-1'], after: BigInt(caughtUp.t.t) });
    expect(live.held).toBeDefined();
    await settled();
    expect(b.hub.stats().held).toBe(1); // the replayed logs reach back to its timetoken: it waits here
    await say(a.hub, 'room', 5);
    expect(contents(await live.answered)).toEqual([5]);
  });

  it('carries signals and message action events between nodes, live and caught up, the filter applied to signals only', async () => {
    const options = place('signals');
    const [a, b] = [await node(options), await node(options)];
    const start = a.hub.now();
    const live = poll(b.hub, { channels: ['room'], after: start });
    await settled();
    const signalled = await a.hub.publishSignal('demo', 'room', { payload: { type: 'typing' }, meta: undefined, publisher: 'alice', customMessageType: 'sig' });
    expect((await live.answered).m).toEqual([
      { a: '1', f: 0, e: 1, i: 'alice', p: { t: signalled, r: 1 }, k: 'demo', c: 'room', d: { type: 'typing' }, cmt: 'sig', b: 'room' },
    ]);
    const action = { type: 'reactions', value: 'ok', messageTimetoken: signalled, actionTimetoken: a.hub.nextTimetoken() };
    const acted = await a.hub.publishAction('demo', 'room', { event: 'added', uuid: 'bob', action });
    await settled();
    // A third node, which logged nothing, catches up from the stream; the filter refuses the signal but not the action.
    const c = await node(options);
    const filter = parseMessageFilter('data.type == "receipt"');
    const caughtUp = await poll(c.hub, { channels: ['room'], after: start, filter }).answered;
    expect(caughtUp.m).toEqual([
      {
        a: '1',
        f: 0,
        e: 3,
        i: 'bob',
        p: { t: acted, r: 1 },
        k: 'demo',
        c: 'room',
        d: { source: 'actions', version: '1.0', event: 'added', data: action },
        b: 'room',
      },
    ]);
  });

  it('carries presence events on {channel}-pnpres between nodes, live through a group and caught up from the stream', async () => {
    const options = place('presence');
    const [a, b] = [await node(options), await node(options)];
    const start = a.hub.now();
    const via = new Map([['room-pnpres', 'team-pnpres']]);
    const live = poll(b.hub, { channels: ['room-pnpres'], via, after: start });
    await settled();
    const joined = { action: 'join', uuid: 'bob', occupancy: 1, timestamp: 1_790_574_122, precise_timestamp: 1_790_574_122_401 } as const;
    const timetoken = await a.hub.publishPresence('demo', 'room', joined);
    expect((await live.answered).m).toEqual([
      {
        a: '1',
        f: 0,
        p: { t: timetoken, r: 1 },
        k: 'demo',
        c: 'room-pnpres',
        u: {
          pn_action: 'join',
          pn_channel: 'room',
          pn_ispresence: 1,
          pn_occupancy: 1,
          pn_precise_timestamp: 1_790_574_122_401,
          pn_timestamp: 1_790_574_122,
          pn_uuid: 'bob',
        },
        d: joined,
        b: 'team-pnpres',
      },
    ]);
    // A node that logged nothing replays it from the stream; subscribed directly, `b` is the channel.
    const c = await node(options);
    const caughtUp = await poll(c.hub, { channels: ['room-pnpres'], after: start }).answered;
    expect(caughtUp.m.map((m) => [m['p'].t, m['b'], m['d'].action])).toEqual([[timetoken, 'room-pnpres', 'join']]);
  });

  it('stores events handed over again under the same outbox id once, from any node, and others as they come', async () => {
    const options = place('dedupe');
    const [a, b] = [await node(options), await node(options)];
    const start = a.hub.now();
    // Two channels: the event's payload is stored once and shared, and deduped too.
    const event: ObjectEvent = { ...renamed('user-3', 'Dee'), channels: ['user-3', 'room-3'] };
    expect(await a.hub.publish('demo', [event], 'change-1')).toBe(true);
    await b.hub.relay('demo', [event], 'change-1'); // the relay of another node, the first hand-off having got through
    await a.hub.relay('demo', [event], 'change-1');
    await a.hub.relay('demo', [renamed('user-3', 'Eve')], 'change-2');
    await settled();
    for (const hub of [a.hub, b.hub]) {
      const answer = await poll(hub, { channels: ['user-3', 'room-3'], after: start }).answered;
      expect(contents(answer)).toEqual(['event:Dee', 'event:Dee', 'event:Eve']);
      expect(answer.m.map((m) => m['c'])).toEqual(['user-3', 'room-3', 'user-3']);
    }
  });

  it('catches up App Context events on a channel this node did not log, merged in order with the channels it did', async () => {
    const options = place('events');
    const [a, b] = [await node(options), await node(options)];
    const start = a.hub.now();
    await say(a.hub, 'room', 1);
    await a.hub.publish('demo', [renamed('user-2', 'Bo')]);
    await say(a.hub, 'room', 2);
    await a.hub.publish('demo', [renamed('user-2', 'Cy')]);
    await settled();
    // B logged the published messages but not the events: nobody subscribed to user-2 there.
    expect(b.hub.stats().channels).toBe(1);
    const onB = await poll(b.hub, { channels: ['room', 'user-2'], after: start }).answered;
    expect(contents(onB)).toEqual([1, 'event:Bo', 2, 'event:Cy']);
    const timetokens = onB.m.map((m) => BigInt(m['p'].t));
    expect(timetokens).toEqual([...timetokens].sort((x, y) => (x < y ? -1 : 1)));
  });

  it('catches a held poll up from the bus when its channel log lets go of envelopes it has not answered with', async () => {
    const options = place('burst');
    const a = await node(options);
    const bus = await NatsBus.connect(options);
    const clock = new TimetokenClock();
    const delivery = new LocalDelivery(bus, { ...DEFAULT_HUB_OPTIONS, channelLogSize: 2, holdSeconds: 5 }, { clock, millis: Date.now });
    closing.push(async () => {
      await delivery.close();
      await bus.close();
    });
    const answers: Answer[] = [];
    const subscribe = (after: bigint) =>
      delivery.subscribe({ subKey: 'demo', channels: ['room'], after, filter: undefined }, (body) => answers.push(JSON.parse(body) as Answer));
    subscribe(clock.now());
    await vi.waitFor(() => expect(delivery.stats().held).toBe(1)); // caught up (nothing yet) and waiting

    const sequencer = new Sequencer(new TimetokenClock(), 1);
    const burst = [1, 2, 3].map((n) => sequencer.message('demo', 'room', { payload: n, meta: undefined, publisher: 'alice', customMessageType: undefined }));
    await a.bus.publish(burst);
    delivery.deliver(burst); // as one batch, before the node's feed hands them over: the log keeps 2 of the 3
    const received: unknown[] = [];
    while (received.length < 3) {
      await vi.waitFor(() => expect(answers.length).toBeGreaterThan(0));
      const answer = answers.shift()!;
      received.push(...contents(answer));
      if (received.length < 3) subscribe(BigInt(answer.t.t));
    }
    expect(received).toEqual([1, 2, 3]);
  });

  it('holds a poll from an older timetoken on a quiet channel whose log another poll started later, and delivers what comes next', async () => {
    // The watcher handshook first (older timetoken); a member subscribed to the quiet channel alone
    // caught up here first, starting its log at its own, later timetoken. The watcher's poll was
    // answered at once, empty and at its own timetoken, for as long as the quiet channel stayed quiet.
    const options = place('quiet');
    const [a, b] = [await node(options), await node(options)];
    const watcher = a.hub.now();
    await settled();
    const member = poll(b.hub, { channels: ['quiet'], after: a.hub.now() });
    await vi.waitFor(() => expect(b.hub.stats().held).toBe(1));
    const watching = poll(b.hub, { channels: ['quiet', 'quiet-pnpres'], after: watcher });
    await vi.waitFor(() => expect(b.hub.stats().held).toBe(2));
    await a.hub.publishPresence('demo', 'quiet', { action: 'join', uuid: 'bob', occupancy: 2, timestamp: 1, precise_timestamp: 1000 });
    const answer = await watching.answered;
    expect(answer.m.map((m) => m['d'])).toEqual([{ action: 'join', uuid: 'bob', occupancy: 2, timestamp: 1, precise_timestamp: 1000 }]);
    b.hub.cancel(member.held!);
  });

  it("catches a poll on a quiet channel up at once on a node dropping other channels' logs under its memory budget, and delivers what comes", async () => {
    // A node at its channel-log memory budget drops a log on almost every envelope it takes in,
    // while the quiet channel's replay runs too: only a drop of that channel's own log keeps the
    // replay from joining it.
    const options = place('pressure');
    const [a, b] = [await node(options), await node(options, { channelLogMiB: 0.001, holdSeconds: 8 })];
    const after = a.hub.now();
    let busy = true;
    const publishing = (async () => {
      for (let n = 0; busy; n++) await say(a.hub, `busy-${n % 40}`, n);
    })();
    await settled();
    const watching = poll(b.hub, { channels: ['quiet'], after });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(b.hub.stats().catchingUp).toBe(0); // held, not retrying its catch-up every second
    busy = false;
    await publishing;
    await settled(); // the last busy envelopes handed over, so that the answer may reach past them
    const sent = await say(a.hub, 'quiet', 'hello');
    const answer = await watching.answered;
    expect(contents(answer)).toEqual(['hello']);
    expect(answer.t.t).toBe(sent);
  });

  it('delivers what retention kept when it dropped part of the gap, as a node whose log lost the oldest does', async () => {
    const options = place('retention', { maxPerChannel: 3 });
    const a = await node(options);
    const start = a.hub.now();
    const sent = [];
    for (let n = 1; n <= 6; n++) sent.push(await say(a.hub, 'room', n));
    const b = await node(options);
    const answer = await poll(b.hub, { channels: ['room'], after: start }).answered;
    expect(contents(answer)).toEqual([4, 5, 6]);
    expect(answer.t.t).toBe(sent[5]);
    expect(b.hub.stats().replayGaps).toBe(1);
  });

  it('holds a poll while the bus cannot replay, and answers it with its own timetoken when its hold time runs out', async () => {
    const errors: string[] = [];
    const log: Log = { error: (_fields, message) => errors.push(message), warn: () => {}, info: () => {} };
    const a = await node(place('down'), { holdSeconds: 1 }, log);
    await a.bus.close();
    const after = a.hub.now() - 10_000_000n;
    const waiting = poll(a.hub, { channels: ['room'], after });
    expect(a.hub.stats().catchingUp).toBe(1);
    const answer = await waiting.answered;
    expect(answer).toEqual({ t: { t: after.toString(), r: 1 }, m: [] });
    expect(a.hub.stats().catchingUp).toBe(0);
    expect(errors).toEqual(['A subscriber could not catch up from the event bus; its long-poll waits and tries again']); // once, not per retry
  });

  it('says once when a poll has waited 5 s for its catch-up, as it does while the bus cannot replay', async () => {
    const lines: string[] = [];
    const keep = (_fields: object, message: string) => void lines.push(message);
    const a = await node(place('slow'), { holdSeconds: 6 }, { error: keep, warn: keep, info: () => {} });
    await a.bus.close();
    const after = a.hub.now() - 10_000_000n;
    const answer = await poll(a.hub, { channels: ['room', 'lobby'], after }).answered;
    expect(answer.m).toEqual([]);
    expect(lines).toEqual([
      'A subscriber could not catch up from the event bus; its long-poll waits and tries again',
      'A subscriber has waited 5 s to be caught up from the event bus; its long-poll is answered once it is',
    ]);
  });

  it('forgets a poll cancelled while it catches up, and answers those still catching up with their own timetoken on close', async () => {
    const a = await node(place('cancel'));
    const after = a.hub.now();
    const cancelled = poll(a.hub, { channels: ['quiet'], after });
    a.hub.cancel(cancelled.held!);
    const closed = poll(a.hub, { channels: ['other'], after });
    await a.hub.close();
    expect(await closed.answered).toEqual({ t: { t: after.toString(), r: 1 }, m: [] });
    const late = await Promise.race([cancelled.answered, new Promise((resolve) => setTimeout(() => resolve('none'), 300))]);
    expect(late).toBe('none');
    await vi.waitFor(() => expect(a.hub.stats().catchingUp).toBe(0));
  });
});
