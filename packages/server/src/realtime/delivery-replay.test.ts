import { describe, expect, it } from 'vitest';
import type { BusMessage, Replay } from './bus.ts';
import { ChannelLogs } from './delivery-logs.ts';
import { KeysetChannels, type HeldSubscribe } from './delivery-keyset.ts';
import { BusCatchUp, type Replayed } from './delivery-replay.ts';
import { envelopeText } from './envelope.ts';
import { DEFAULT_HUB_OPTIONS } from '../model/hub-options.ts';
import { Sequencer } from './sequencer.ts';
import { TimetokenClock } from './timetoken.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SILENT = { error: () => {}, warn: () => {}, info: () => {} };

/**
 * A bus's retention, replayed as a network bus does: each replay is counted, read when asked and
 * answered on `answer` (all at once), or at once with `answerAfterMs`; `failing` makes them fail.
 */
class Retention {
  readonly stored: BusMessage[] = [];
  readonly asked: string[] = [];
  failing = false;
  answerAfterMs: number | undefined;
  readonly onTheirWay: { channel: string; answer: () => void }[] = [];

  readonly replay = (_subKey: string, channel: string, after: string, limit: number): Promise<Replay> => {
    this.asked.push(channel);
    const all = this.stored.filter((message) => message.channel === channel && BigInt(message.timetoken) > BigInt(after));
    const read: Replay = { messages: all.slice(0, limit), more: all.length > limit, complete: true };
    return new Promise((resolve, reject) => {
      const answer = () => (this.failing ? reject(new Error('the bus is unreachable')) : resolve(read));
      if (this.answerAfterMs === undefined) this.onTheirWay.push({ channel, answer });
      else setTimeout(answer, this.answerAfterMs);
    });
  };

  /** Answers the replays on their way, or only those of channels `only` accepts. */
  answer(only: (channel: string) => boolean = () => true): void {
    const answering = this.onTheirWay.filter((replay) => only(replay.channel));
    this.onTheirWay.splice(0, this.onTheirWay.length, ...this.onTheirWay.filter((replay) => !only(replay.channel)));
    for (const replay of answering) replay.answer();
  }
}

/** A node's catch-up over `retention`, with logs of `channelLogSize` envelopes, and the polls it resumed or expired. */
function catchUpOver(retention: Retention, { channelLogSize = 100, giveUpMs = 60_000 } = {}) {
  const clock = new TimetokenClock();
  const space = new KeysetChannels('demo');
  const options = { ...DEFAULT_HUB_OPTIONS, channelLogSize };
  const logs = new ChannelLogs(options, clock, new Map([['demo', space]]), true);
  const resumed = new Map<HeldSubscribe, Replayed>();
  const expired: HeldSubscribe[] = [];
  const hooks = {
    resume: (held: HeldSubscribe, replayed: Replayed) => resumed.set(held, replayed),
    expire: (held: HeldSubscribe) => expired.push(held),
    installed: () => {},
    millis: Date.now,
    log: SILENT,
  };
  const catchUp = new BusCatchUp(retention.replay, logs, channelLogSize, hooks, giveUpMs);
  const sequencer = new Sequencer(clock, 1);
  const store = (channel: string, count: number) => {
    for (let n = 0; n < count; n++)
      retention.stored.push(sequencer.message('demo', channel, { payload: n, meta: undefined, publisher: 'alice', customMessageType: undefined }));
  };
  /** A poll on `channels` from `after` that waits for its catch-up, held at most `holdMs`. */
  const poll = (channels: string[], after: bigint, holdMs = 10_000): HeldSubscribe => {
    const held: HeldSubscribe = { space, channels, after, filter: undefined, holdMs, deadline: Date.now() + holdMs, answer: () => {} };
    catchUp.start(held);
    return held;
  };
  return { clock, space, logs, catchUp, resumed, expired, store, poll };
}

/** Waits until `done` holds, up to `ms`. */
async function until(done: () => boolean, ms = 1000): Promise<void> {
  for (const start = Date.now(); !done() && Date.now() - start < ms;) await sleep(2);
}

describe('BusCatchUp: polls sharing a replay', () => {
  it('fails every poll waiting on a replay that failed together, rather than each trying again in turn', async () => {
    const retention = new Retention();
    retention.failing = true;
    retention.answerAfterMs = 20;
    const { clock, catchUp, poll } = catchUpOver(retention);
    const after = clock.now();
    for (let n = 0; n < 8; n++) poll(['lobby'], after);
    await sleep(300); // within the 1-s retry: one replay failed, for all 8
    expect(retention.asked).toEqual(['lobby']);
    expect(catchUp.size).toBe(8);
    retention.failing = false;
    await until(() => catchUp.size === 0, 2000); // then tried again, and every poll caught up
    expect(catchUp.size).toBe(0);
    expect(retention.asked.length).toBeLessThanOrEqual(2);
  });

  it('shares a replay too long to join the log among polls from the same timetoken, and its tail with polls from a later one', async () => {
    const retention = new Retention();
    const { clock, resumed, store, poll } = catchUpOver(retention, { channelLogSize: 3 });
    const start = clock.now();
    store('lobby', 5);
    const later = BigInt(retention.stored[1]!.timetoken);
    const polls = [...Array.from({ length: 6 }, () => poll(['lobby'], start)), poll(['lobby'], later)];
    await sleep(5);
    retention.answer();
    await until(() => resumed.size === polls.length);
    expect(retention.asked).toEqual(['lobby']);
    const payloads = (held: HeldSubscribe) =>
      resumed
        .get(held)
        ?.alone.get('lobby')
        ?.after(-1n)
        .map((entry) => (JSON.parse(envelopeText(entry.json)) as { d: unknown }).d);
    expect(polls.map(payloads)).toEqual([...Array.from({ length: 6 }, () => [0, 1, 2]), [2]]);
  });

  it('does not make a poll wait on a replay from a later timetoken, which could not cover it', async () => {
    const retention = new Retention();
    const { clock, store, poll } = catchUpOver(retention);
    const early = clock.now();
    store('lobby', 2);
    poll(['lobby'], BigInt(retention.stored[0]!.timetoken));
    poll(['lobby'], early);
    await sleep(5);
    expect(retention.asked).toEqual(['lobby', 'lobby']); // both on their way at once
  });

  it('frees a channel whose replay the bus never answers once the give-up time passes', async () => {
    const retention = new Retention();
    const { clock, catchUp, resumed, poll } = catchUpOver(retention, { giveUpMs: 50 });
    const stuck = poll(['lobby'], clock.now()); // never answered
    const next = poll(['lobby'], clock.now());
    await sleep(100);
    retention.answerAfterMs = 0; // the bus answers again: the polls' retries, a second later, go through
    await until(() => resumed.size === 2, 2000);
    expect([resumed.has(stuck), resumed.has(next), catchUp.size]).toEqual([true, true, 0]);
  });
});

describe('BusCatchUp: polls waiting for a slot', () => {
  /** 64 polls whose replays take every slot until `retention.answer()`. */
  function busy(catchUp: ReturnType<typeof catchUpOver>, after: bigint): void {
    for (let n = 0; n < 64; n++) catchUp.poll([`busy-${n}`], after);
  }

  it('asks nothing for a poll that went away while its replay waited for a slot', async () => {
    const retention = new Retention();
    const node = catchUpOver(retention);
    busy(node, node.clock.now());
    const gone = node.poll(['gone'], node.clock.now());
    await sleep(5);
    expect(node.catchUp.cancel(gone)).toBe(true);
    retention.answer();
    await until(() => node.resumed.size === 64);
    await sleep(10);
    expect(retention.asked).not.toContain('gone');
  });

  it('keeps counting a channel as caught up on while its replay is on its way, though its poll was answered and its other replay refused', async () => {
    const retention = new Retention();
    const node = catchUpOver(retention);
    for (let n = 0; n < 63; n++) node.poll([`busy-${n}`], node.clock.now());
    node.poll(['x', 'y'], node.clock.now(), 30); // x takes the last slot, y waits for one
    await until(() => node.expired.length > 0, 500);
    retention.answer((channel) => channel.startsWith('busy-')); // y gets a slot: its poll is gone, so it is not asked for
    await sleep(20);
    expect(retention.asked).not.toContain('y');
    expect(node.space.catchingUp.get('x')).toBe(1); // what reaches x meanwhile is logged for the replay to join
    retention.answer();
    await until(() => !node.space.catchingUp.has('x'));
    expect(node.space.catchingUp.has('x')).toBe(false);
  });

  it('makes a poll wait on the replay from the earliest timetoken on its way, rather than queue its own', async () => {
    const retention = new Retention();
    const node = catchUpOver(retention);
    const start = node.clock.now();
    node.store('lobby', 3);
    const [first, second] = retention.stored.map((message) => BigInt(message.timetoken));
    busy(node, start);
    node.poll(['lobby'], second!);
    node.poll(['lobby'], start); // from earlier: it cannot wait on the one from `second`, and replays for itself
    const waiting = node.poll(['lobby'], first!); // waits on the one from `start`, which covers it
    await sleep(5);
    retention.answer((channel) => channel === 'busy-0' || channel === 'busy-1'); // two slots: the two lobby replays
    await until(() => retention.asked.filter((channel) => channel === 'lobby').length === 2);
    retention.answer((channel) => channel === 'lobby');
    await until(() => node.resumed.has(waiting)); // with no slot freed for it
    expect(node.resumed.has(waiting)).toBe(true);
    expect(retention.asked.filter((channel) => channel === 'lobby')).toHaveLength(2);
    retention.answer();
  });

  it('asks nothing for a replay that another, from an earlier timetoken, made needless while it waited for a slot', async () => {
    const retention = new Retention();
    const node = catchUpOver(retention);
    const start = node.clock.now();
    node.store('lobby', 3);
    const [first, second] = retention.stored.map((message) => BigInt(message.timetoken));
    busy(node, start);
    const polls = [node.poll(['lobby'], start), node.poll(['lobby'], first!), node.poll(['lobby'], second!)]; // one replay, from `start`
    await sleep(5);
    retention.answer((channel) => channel === 'busy-0'); // a slot for it: it reads the three envelopes
    await until(() => retention.asked.includes('lobby'));
    node.store('lobby', 1); // the log starts at this fourth one, after the replay's last: the replay cannot join it
    node.logs.append(node.space, retention.stored.at(-1)!, BigInt(retention.stored.at(-1)!.timetoken));
    retention.answer((channel) => channel === 'lobby');
    // Each poll replays again, in turn for the one slot; one from no later than `second` makes the log whole for that one.
    for (let turns = 0; turns < 100 && !polls.every((held) => node.resumed.has(held)); turns++) {
      await sleep(2);
      retention.answer((channel) => channel === 'lobby');
    }
    expect(polls.every((held) => node.resumed.has(held))).toBe(true);
    expect(retention.asked.filter((channel) => channel === 'lobby').length).toBeLessThan(4);
    retention.answer();
  });

  it('answers a poll whose hold time ran out while it waited for a slot', async () => {
    const retention = new Retention();
    const node = catchUpOver(retention);
    busy(node, node.clock.now());
    const short = node.poll(['short'], node.clock.now(), 30);
    await until(() => node.expired.length > 0, 500);
    expect(node.expired).toEqual([short]);
    expect(node.catchUp.size).toBe(64);
    retention.answer();
  });
});
