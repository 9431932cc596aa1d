import { afterEach, describe, expect, it } from 'vitest';
import type { BusAttachment, BusMessage, BusReceiver, EventBus } from './bus.ts';
import { LocalDelivery, type SubscribeQuery } from './delivery.ts';
import { InProcessBus } from './in-process-bus.ts';
import { DEFAULT_HUB_OPTIONS } from '../model/hub-options.ts';
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

function setUp(bus: EventBus = new InProcessBus(), millis: () => number = Date.now) {
  const clock = new TimetokenClock();
  const delivery = new LocalDelivery(bus, { ...DEFAULT_HUB_OPTIONS, holdSeconds: 10 }, { clock, millis });
  deliveries.push(delivery);
  const sequencer = new Sequencer(clock, 1);
  const say = (channel: string, payload: unknown) =>
    bus.publish([sequencer.message('demo', channel, { payload, meta: undefined, publisher: 'alice', customMessageType: undefined })]);
  const poll = (channels: string[], after: bigint | undefined = clock.now()) => {
    const answers: string[] = [];
    const query: SubscribeQuery = { subKey: 'demo', channels, after, filter: undefined };
    return { answers, held: delivery.subscribe(query, (body) => answers.push(body)) };
  };
  return { delivery, clock, say, poll };
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
