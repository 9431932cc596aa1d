import { afterEach, describe, expect, it } from 'vitest';
import type { BusAttachment, BusMessage, BusReceiver, EventBus, Replay } from './bus.ts';
import { LocalDelivery, type SubscribeQuery } from './delivery.ts';
import { InProcessBus } from './in-process-bus.ts';
import { parseMessageFilter } from './message-filter.ts';
import { DEFAULT_HUB_OPTIONS, type HubOptions } from '../model/hub-options.ts';
import { Sequencer } from './sequencer.ts';
import { TimetokenClock } from './timetoken.ts';

/** An in-process bus that writes down the interest its node declares. */
class InterestRecordingBus implements EventBus {
  readonly calls: string[] = [];
  readonly #inner = new InProcessBus();

  publish(batch: readonly BusMessage[]): Promise<void> {
    return this.#inner.publish(batch);
  }

  attach(receive: BusReceiver): BusAttachment {
    const attachment = this.#inner.attach(receive);
    return {
      onInterest: (subKey, channel) => this.calls.push(`+${subKey}/${channel}`),
      onNoInterest: (subKey, channel) => this.calls.push(`-${subKey}/${channel}`),
      detach: () => attachment.detach(),
    };
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

const deliveries: LocalDelivery[] = [];
afterEach(async () => {
  await Promise.all(deliveries.splice(0).map((delivery) => delivery.close()));
});

function setUp(bus: EventBus = new InProcessBus(), millis: () => number = Date.now, options: Partial<HubOptions> = {}) {
  const clock = new TimetokenClock();
  const delivery = new LocalDelivery(bus, { ...DEFAULT_HUB_OPTIONS, holdSeconds: 10, ...options }, { clock, millis });
  deliveries.push(delivery);
  const sequencer = new Sequencer(clock, 1);
  const say = (channel: string, payload: unknown) =>
    bus.publish([sequencer.message('demo', channel, { payload, meta: undefined, publisher: 'alice', customMessageType: undefined })]);
  const poll = (channels: string[], after: bigint | undefined = clock.now()) => {
    const answers: string[] = [];
    const query: SubscribeQuery = { subKey: 'demo', channels, after, filter: undefined };
    return { answers, held: delivery.subscribe(query, (body) => answers.push(body)) };
  };
  return { delivery, clock, sequencer, say, poll };
}

describe('LocalDelivery: interest', () => {
  it('declares a channel when its first poll waits and lets it go when the last one leaves, however it leaves', async () => {
    const bus = new InterestRecordingBus();
    let now = 1_000;
    const { delivery, say, poll } = setUp(bus, () => now);
    const first = poll(['a', 'b']);
    poll(['a']);
    expect(bus.calls).toEqual(['+demo/a', '+demo/b']);
    delivery.cancel(first.held!);
    expect(bus.calls).toEqual(['+demo/a', '+demo/b', '-demo/b']);
    await say('a', 'wakes the other');
    expect(bus.calls).toEqual(['+demo/a', '+demo/b', '-demo/b', '-demo/a']);

    bus.calls.length = 0;
    poll(['c']);
    now += 10_000;
    delivery.sweep(); // its hold ran out
    expect(bus.calls).toEqual(['+demo/c', '-demo/c']);

    bus.calls.length = 0;
    poll(['d']);
    await delivery.close();
    expect(bus.calls).toEqual(['+demo/d', '-demo/d']);
  });

  it('declares nothing for a poll answered at once', async () => {
    const bus = new InterestRecordingBus();
    const { say, poll, clock } = setUp(bus);
    const before = clock.now();
    await say('a', 'already here');
    const { answers, held } = poll(['a'], before);
    expect(held).toBeUndefined();
    expect(answers).toHaveLength(1);
    expect(bus.calls).toEqual([]);
  });
});

describe('LocalDelivery: what the bus carries', () => {
  it('logs a redelivered message once: a timetoken not past the channel’s newest is not taken again', async () => {
    const bus = new InProcessBus();
    const { clock, poll } = setUp(bus);
    const sequencer = new Sequencer(clock, 1);
    const before = clock.now();
    const sent = sequencer.message('demo', 'a', { payload: 'once', meta: undefined, publisher: undefined, customMessageType: undefined });
    await bus.publish([sent]);
    await bus.publish([sent]);
    const { answers } = poll(['a'], before);
    expect((JSON.parse(answers[0]!) as { m: unknown[] }).m).toHaveLength(1);
  });
});

/**
 * A bus with retention whose deliveries lag: it takes publishes at once (as JetStream acknowledges
 * them) but hands them to the node only on `release`, as a network bus does some time later (NATS
 * reconnecting, a loaded node). `replay` reads what it has taken, handed over or not, as
 * JetStream's replay reads the stream ahead of a node's feed.
 */
class LaggingBus implements EventBus {
  readonly #inner = new InProcessBus();
  #waiting: BusMessage[] = [];
  readonly #taken: BusMessage[] = [];

  publish(batch: readonly BusMessage[]): Promise<void> {
    this.#waiting.push(...batch);
    this.#taken.push(...batch);
    return Promise.resolve();
  }

  async release(): Promise<void> {
    const batch = this.#waiting;
    this.#waiting = [];
    await this.#inner.publish(batch);
  }

  attach(receive: BusReceiver): BusAttachment {
    return this.#inner.attach(receive);
  }

  replay(subKey: string, channel: string, after: string) {
    const messages = this.#taken.filter((m) => m.subKey === subKey && m.channel === channel && BigInt(m.timetoken) > BigInt(after));
    return Promise.resolve({ messages, more: false, complete: true });
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/** A `LaggingBus` whose replays read what it has taken when asked, and answer on `answerReplays`, as a replay over the network does a moment later. */
class SlowReplayBus extends LaggingBus {
  readonly #answers: (() => void)[] = [];
  /** Replays asked for so far. */
  asked = 0;

  override replay(subKey: string, channel: string, after: string): Promise<Replay> {
    this.asked++;
    const read = super.replay(subKey, channel, after);
    return new Promise((resolve) => this.#answers.push(() => void read.then(resolve)));
  }

  /** Replays asked for and not answered yet. */
  get onTheirWay(): number {
    return this.#answers.length;
  }

  answerReplays(): void {
    for (const answer of this.#answers.splice(0)) answer();
  }
}

describe('LocalDelivery: a bus that delivers late', () => {
  it('answers an expired poll with a cursor no further than what the bus has delivered, so a message on its way is not passed', async () => {
    const bus = new LaggingBus();
    let now = 1_000;
    const { delivery, clock, say, poll } = setUp(bus, () => now);
    const start = clock.now();
    await say('a', 'acknowledged, not yet delivered');
    const first = poll(['a'], start);
    await new Promise((resolve) => setTimeout(resolve, 10)); // the poll's catch-up finds nothing, and it is held
    now += 11_000;
    delivery.sweep(); // its hold ran out
    const answer = JSON.parse(first.answers[0]!) as { t: { t: string }; m: unknown[] };
    expect(answer.m).toEqual([]);
    expect(BigInt(answer.t.t)).toBe(start); // not `now`, which is past the message
    await bus.release();
    const second = poll(['a'], BigInt(answer.t.t));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(second.answers.map((body) => (JSON.parse(body) as { m: { d: unknown }[] }).m.map((m) => m.d))).toEqual([['acknowledged, not yet delivered']]);
  });

  /**
   * A node whose poll on `c` catches up from a replay on its way, while another client's handshake
   * makes `c` no longer a channel subscribed to lately; `setEvent` stores an App Context event on
   * `c` after the replay was read and hands it to the node before the replay's answer.
   */
  function catchingUpOnC() {
    const bus = new SlowReplayBus();
    const { delivery, clock, sequencer, poll } = setUp(bus, Date.now, { maxRecentChannels: 1 });
    const start = clock.now();
    const first = poll(['c'], start); // no log of c here: its replay is read (nothing yet) and is on its way
    poll(['d'], undefined);
    const payload = { source: 'objects', version: '2.0', event: 'set', type: 'uuid', data: { id: 'c' } } as const;
    const setEvent = async () => {
      await bus.publish(sequencer.events('demo', [{ channels: ['c'], payload }]));
      await bus.release();
    };
    /** What `answers` got, once answered while replays were answered every 5 ms, `tries` times at most. */
    const answered = async (answers: string[], tries = 600) => {
      for (let tried = 0; answers.length === 0 && tried < tries; tried++) {
        bus.answerReplays();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return answers.map((body) => (JSON.parse(body) as { m: { d: unknown }[] }).m.map((m) => m.d));
    };
    return { delivery, poll, start, first, payload, setEvent, answered, answerReplays: () => bus.answerReplays() };
  }

  it('logs an App Context event that reaches a channel while a poll catches up on it, though nobody else subscribed there lately', async () => {
    const { first, payload, setEvent, answered } = catchingUpOnC();
    await setEvent();
    expect(await answered(first.answers)).toEqual([[payload]]);
  });

  it('reads a replay again at once when the event started the log while the replay was on its way, not a second later', async () => {
    const { first, payload, setEvent, answered } = catchingUpOnC();
    await setEvent(); // the log starts after the replay was read, which lacks the event: the two cannot join
    expect(await answered(first.answers, 20)).toEqual([[payload]]);
  });

  it('logs it too when the poll was cancelled while its replay was on its way, for the poll that comes back from the same timetoken', async () => {
    const { delivery, poll, start, first, payload, setEvent, answered, answerReplays } = catchingUpOnC();
    delivery.cancel(first.held!); // the client went away; its replay still comes and is installed
    await setEvent();
    answerReplays();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const again = poll(['c'], start);
    expect(await answered(again.answers)).toEqual([[payload]]);
  });

  /** `count` polls from before a message on each of `channels` (which are read for them from a replay), and what they got. */
  async function reconnecting(channels: (n: number) => string, count: number) {
    const bus = new SlowReplayBus();
    const { clock, say, poll } = setUp(bus);
    const start = clock.now();
    for (let n = 0; n < count; n++) await say(channels(n), `while away ${n}`);
    await bus.release(); // handed to the node, which logs none of these channels: nobody subscribes there
    const polls = Array.from({ length: count }, (_, n) => poll([channels(n)], start));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const mostAtOnce = bus.onTheirWay;
    for (let tries = 0; polls.some((p) => p.answers.length === 0) && tries < 100; tries++) {
      bus.answerReplays();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const got = polls.map((p) => p.answers.map((body) => (JSON.parse(body) as { m: { d: unknown }[] }).m.map((m) => m.d)));
    return { asked: bus.asked, mostAtOnce, got };
  }

  it('shares one replay among the polls that reconnect together on a channel, rather than asking the bus once per poll', async () => {
    const { asked, got } = await reconnecting(() => 'lobby', 50);
    expect(got[0]).toEqual([Array.from({ length: 50 }, (_, n) => `while away ${n}`)]);
    expect(new Set(got.map((answers) => JSON.stringify(answers))).size).toBe(1);
    expect(asked).toBe(1);
  });

  it('asks the bus for at most 64 replays at once, however many polls catch up, and answers every poll', async () => {
    const { asked, mostAtOnce, got } = await reconnecting((n) => `room-${n}`, 200);
    expect(mostAtOnce).toBe(64);
    expect(asked).toBe(200);
    expect(got).toEqual(Array.from({ length: 200 }, (_, n) => [[`while away ${n}`]]));
  });

  it('does not answer past a message still on its way, though a replay of another channel already shows a later one', async () => {
    const bus = new LaggingBus();
    const { clock, sequencer, say, poll } = setUp(bus);
    const start = clock.now();
    const onItsWay = sequencer.message('demo', 'y', { payload: 'first', meta: undefined, publisher: 'bob', customMessageType: undefined });
    await say('x', 'second'); // later timetoken, but stored first
    const { answers } = poll(['x', 'y'], start);
    await new Promise((resolve) => setTimeout(resolve, 10)); // its catch-up replays x ('second') and y (nothing yet)
    expect(answers).toEqual([]); // the feed has handed over neither: a cursor past 'second' would pass 'first'
    await bus.publish([onItsWay]);
    await bus.release();
    for (let tries = 0; answers.length === 0 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(answers.map((body) => (JSON.parse(body) as { m: { d: unknown }[] }).m.map((m) => m.d))).toEqual([['first', 'second']]);
  });
});

interface Body {
  t: { t: string };
  m: { c: string; b: string; d: unknown }[];
}

describe('LocalDelivery: channels reached through channel groups', () => {
  /** Subscribes as the HTTP layer does for `channels` with `via`; `answers` fills in when the poll is answered. */
  function groupPoll(delivery: LocalDelivery, query: Partial<SubscribeQuery> & { channels: string[]; after: bigint }) {
    const answers: Body[] = [];
    const held = delivery.subscribe({ subKey: 'demo', filter: undefined, ...query }, (body) => answers.push(JSON.parse(body) as Body));
    return { answers, held };
  }

  const where = (answer: Body | undefined) => answer?.m.map((m) => `${m.c} as ${m.b}`);

  it('names the group as `b` of a message on a channel reached through it, and the channel itself otherwise', async () => {
    const { delivery, clock, say } = setUp();
    const via = new Map([['in-group', 'team']]);
    // `both` is subscribed directly and is in the group too: the HTTP layer lists it once, not in `via`.
    const live = groupPoll(delivery, { channels: ['both', 'in-group'], via, after: clock.now() });
    expect(live.held).toBeDefined();
    await say('in-group', 1);
    expect(where(live.answers[0])).toEqual(['in-group as team']);
    const start = clock.now();
    await say('both', 2);
    await say('in-group', 3);
    const caughtUp = groupPoll(delivery, { channels: ['both', 'in-group'], via, after: start });
    expect(where(caughtUp.answers[0])).toEqual(['both as both', 'in-group as team']);
    expect(caughtUp.answers[0]!.m.map((m) => m.d)).toEqual([2, 3]);
  });

  it('names `{group}-pnpres` as `b` of a presence event reached through the group’s presence', async () => {
    const bus = new InProcessBus();
    const { delivery, clock, sequencer } = setUp(bus);
    const start = clock.now();
    const event = { action: 'join', uuid: 'bob', occupancy: 1, timestamp: 1, precise_timestamp: 1000 } as const;
    const poll = groupPoll(delivery, { channels: ['room-pnpres'], via: new Map([['room-pnpres', 'a-much-longer-group-name-pnpres']]), after: start });
    await bus.publish([sequencer.presence('demo', 'room', event)]);
    const [envelope] = poll.answers[0]!.m;
    expect(envelope).toMatchObject({ c: 'room-pnpres', b: 'a-much-longer-group-name-pnpres', d: event });
    // A subscriber of the channel's presence itself, on the same log, still gets `b` = the channel.
    const direct = groupPoll(delivery, { channels: ['room-pnpres'], after: start });
    expect(where(direct.answers[0])).toEqual(['room-pnpres as room-pnpres']);
  });

  it('names the group in App Context events (envelopes in parts) reached through it', async () => {
    const bus = new InProcessBus();
    const { delivery, clock, sequencer } = setUp(bus);
    const poll = groupPoll(delivery, { channels: ['alice', 'room'], via: new Map([['room', 'team']]), after: clock.now() });
    const payload = { source: 'objects', version: '2.0', event: 'set', type: 'uuid', data: { id: 'alice' } } as const;
    await bus.publish(sequencer.events('demo', [{ channels: ['alice', 'room'], payload }]));
    expect(where(poll.answers[0])).toEqual(['alice as alice', 'room as team']);
    expect(poll.answers[0]!.m.map((m) => m.d)).toEqual([payload, payload]);
  });

  it('names the group in what a catch-up from the bus replays', async () => {
    const bus = new LaggingBus();
    const { delivery, clock, say } = setUp(bus);
    const start = clock.now();
    await say('in-group', 'replayed');
    await bus.release();
    const poll = groupPoll(delivery, { channels: ['in-group'], via: new Map([['in-group', 'team']]), after: start });
    for (let tries = 0; poll.answers.length === 0 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(where(poll.answers[0])).toEqual(['in-group as team']);
  });
});

describe('LocalDelivery: a poll’s own hold time', () => {
  it('answers a poll empty after its own hold when shorter than the node’s, and keeps the node’s otherwise', () => {
    let now = 1_000;
    const { delivery, clock, poll } = setUp(new InProcessBus(), () => now);
    const answers: string[] = [];
    const subscribe = (holdSeconds: number | undefined) =>
      delivery.subscribe({ subKey: 'demo', channels: ['a'], after: clock.now(), filter: undefined, holdSeconds }, (body) => answers.push(`${holdSeconds}`));
    const nodeHold = poll(['a']); // held first, the node's 10 s
    subscribe(60); // longer than the node's: 10 s
    subscribe(3);
    subscribe(Number.NaN); // not a number: 10 s
    expect(delivery.stats().held).toBe(4);
    now += 2_999;
    delivery.sweep();
    expect(answers).toEqual([]);
    now += 1;
    delivery.sweep(); // the 3 s poll, though held after one with a later deadline
    expect(answers).toEqual(['3']);
    now += 6_999;
    delivery.sweep();
    expect([answers.length, nodeHold.answers.length]).toEqual([1, 0]);
    now += 1;
    delivery.sweep();
    expect([answers.sort(), nodeHold.answers.length, delivery.stats().held]).toEqual([['3', '60', 'NaN'], 1, 0]);
  });
});

describe('LocalDelivery: polls woken together', () => {
  /** What each answer delivered: its envelopes' channel and payload. */
  const delivered = (answers: string[]) =>
    answers.map((body) => (JSON.parse(body) as { m: { c: string; d: unknown }[] }).m.map(({ c, d }) => `${c}:${String(d)}`));
  const input = (payload: string, meta?: object) => ({ payload, meta, publisher: 'alice', customMessageType: undefined });

  it('answers each poll with what it waits for when many wake on one batch', async () => {
    const bus = new InProcessBus();
    const { delivery, clock, sequencer, poll } = setUp(bus);
    await bus.publish([sequencer.message('demo', 'a', input('old'))]);
    const start = clock.now();
    const withFilter = (text: string) => {
      const answers: string[] = [];
      delivery.subscribe({ subKey: 'demo', channels: ['a'], after: start, filter: parseMessageFilter(text) }, (body) => answers.push(body));
      return answers;
    };
    const polls = [poll(['a'], start), poll(['a'], start), poll(['a', 'b'], start), poll(['b', 'a'], start), poll(['a,b'], start)];
    const refused = withFilter('meta.to == "b"');
    const passed = withFilter('meta.to == "a"');
    await bus.publish(['a', 'b', 'a,b'].map((channel) => sequencer.message('demo', channel, input('new', { to: channel }))));
    expect(delivered([...polls.flatMap((held) => held.answers), ...refused, ...passed])).toEqual([
      ['a:new'],
      ['a:new'],
      ['a:new', 'b:new'],
      ['a:new', 'b:new'],
      ['a,b:new'],
      ['a:new'],
    ]);
    expect(delivery.stats().held).toBe(1); // the refused one waits on
  });

  it('answers alike polls alike when other polls wake between them', async () => {
    const bus = new InProcessBus();
    const { clock, sequencer, poll } = setUp(bus);
    const start = clock.now();
    const polls = [poll(['a', 'b'], start), poll(['a'], start), poll(['a', 'b'], start), poll(['a'], start), poll(['a'], start - 1n)];
    await bus.publish(['a', 'b'].map((channel) => sequencer.message('demo', channel, input('new'))));
    const answers = polls.map((held) => held.answers);
    expect(delivered(answers.flat())).toEqual([['a:new', 'b:new'], ['a:new'], ['a:new', 'b:new'], ['a:new'], ['a:new']]);
    expect(answers[2]).toEqual(answers[0]);
    expect(answers[3]).toEqual(answers[1]);
  });

  it('counts the envelopes of every answer a delivery makes, in one count', async () => {
    const bus = new InProcessBus();
    const clock = new TimetokenClock();
    const counts: [number, number][] = [];
    const delivery = new LocalDelivery(bus, { ...DEFAULT_HUB_OPTIONS, holdSeconds: 10 }, { clock, millis: Date.now }, (messages, events) => {
      counts.push([messages, events]);
    });
    deliveries.push(delivery);
    const sequencer = new Sequencer(clock, 1);
    const start = clock.now();
    for (const channels of [['a'], ['a'], ['a', 'b'], ['c']])
      delivery.subscribe({ subKey: 'demo', channels, after: start, filter: undefined }, () => undefined);
    await bus.publish(['a', 'b'].map((channel) => sequencer.message('demo', channel, input('new'))));
    expect(counts).toEqual([[4, 0]]);
  });

  it('answers the next of two alike polls only when the answer budget can take its answer too', async () => {
    const bus = new InProcessBus();
    const clock = new TimetokenClock();
    // Room for one answer of a 600-character payload, not two.
    const delivery = new LocalDelivery(
      bus,
      { ...DEFAULT_HUB_OPTIONS, holdSeconds: 10, maxAnswerChars: 1000, unflushedAnswerChars: 1000 },
      { clock, millis: Date.now },
    );
    deliveries.push(delivery);
    const sequencer = new Sequencer(clock, 1);
    const start = clock.now();
    const answers: string[][] = [[], []];
    for (const list of answers) delivery.subscribe({ subKey: 'demo', channels: ['a'], after: start, filter: undefined }, (body) => list.push(body));
    await bus.publish([sequencer.message('demo', 'a', input('x'.repeat(600)))]);
    expect(answers.map((list) => list.length)).toEqual([1, 0]);
    delivery.answerGone(answers[0]![0]!.length);
    delivery.sweep(); // the starved poll is retried once the budget has room
    expect(answers[1]).toEqual(answers[0]);
  });
});
