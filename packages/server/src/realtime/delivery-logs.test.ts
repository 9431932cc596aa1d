import { describe, expect, it } from 'vitest';
import type { BusMessage, Replay } from './bus.ts';
import { KeysetChannels } from './delivery-keyset.ts';
import { ChannelLogs } from './delivery-logs.ts';
import { DEFAULT_HUB_OPTIONS } from '../model/hub-options.ts';
import { TimetokenClock } from './timetoken.ts';

const NOW = 17_000_000_000_000_000n;

/** Linked logs (as over a bus with replay) of one keyset, with a clock at `NOW`. */
function linkedLogs(channelLogSize = 100) {
  const space = new KeysetChannels('demo');
  const logs = new ChannelLogs({ ...DEFAULT_HUB_OPTIONS, channelLogSize }, new TimetokenClock(() => NOW), new Map([['demo', space]]), true);
  return { space, logs };
}

/** A message at `NOW + n` on `room`, linked to the one at `NOW + prev` (none when `prev` is undefined). */
function message(n: number, prev?: number): BusMessage {
  const timetoken = (NOW + BigInt(n)).toString();
  const envelope = JSON.stringify({ p: { t: timetoken, r: 1 }, c: 'room', d: n });
  return {
    subKey: 'demo',
    channel: 'room',
    timetoken,
    envelope,
    subject: { meta: undefined, data: n, publisher: undefined },
    ...(prev !== undefined && { prev: (NOW + BigInt(prev)).toString() }),
  };
}

const append = (logs: ChannelLogs, space: KeysetChannels, m: BusMessage) => logs.append(space, m, BigInt(m.timetoken));
const kept = (space: KeysetChannels) =>
  space.logs
    .get('room')!
    .after(0n)
    .map((entry) => Number(entry.timetoken - NOW));
const since = (space: KeysetChannels) => space.logs.get('room')!.since - NOW;
const replay = (messages: BusMessage[], more = false): Replay => ({ messages, more, complete: true });

describe('ChannelLogs, linked', () => {
  it('knows from which timetoken a log is whole, and starts it again at a gap', () => {
    const { space, logs } = linkedLogs();
    append(logs, space, message(2, 1));
    expect(since(space)).toBe(1n); // whole after the message before its first
    append(logs, space, message(3, 2));
    expect([kept(space), since(space)]).toEqual([[2, 3], 1n]);
    append(logs, space, message(5, 4)); // 4 never reached this node
    expect([kept(space), since(space)]).toEqual([[5], 4n]);
    expect(append(logs, space, message(5, 4))).toBeUndefined(); // a redelivery
    append(logs, space, message(7)); // nothing known before it
    expect([kept(space), since(space)]).toEqual([[7], 6n]);
  });

  it('fills a log from a replay, followed by what it took in meanwhile, once each', () => {
    const { space, logs } = linkedLogs();
    const started = logs.mark();
    append(logs, space, message(5, 4));
    append(logs, space, message(6, 5)); // arrived while the replay ran
    expect(logs.install(space, 'room', NOW + 1n, replay([message(3, 1), message(4, 3), message(5, 4)]), started)).toBe('joined');
    expect([kept(space), since(space)]).toEqual([[3, 4, 5, 6], 1n]);
    expect(logs.install(space, 'empty', NOW + 1n, replay([]), logs.mark())).toBe('joined');
    expect(space.logs.get('empty')!.since).toBe(NOW + 1n); // nothing after 1: a poll from there can wait
  });

  it('refuses a replay it cannot make whole: cut at its limit, too long for the log, or a gap after it', () => {
    const { space, logs } = linkedLogs(3);
    expect(logs.install(space, 'room', NOW, replay([message(1)], true), logs.mark())).toBe('apart');
    expect(logs.install(space, 'room', NOW, replay([1, 2, 3, 4].map((n) => message(n, n - 1))), logs.mark())).toBe('apart');
    const started = logs.mark();
    append(logs, space, message(9, 8)); // 2 to 8 are not in the replay, which was read before the log started
    expect(logs.install(space, 'room', NOW, replay([message(1)]), started)).toBe('raced');
    expect([kept(space), since(space)]).toEqual([[9], 8n]);
  });

  it('joins a replay to a log that started before it was read, across a stretch where the channel had nothing', () => {
    // Another subscriber's catch-up started the log at its own, later timetoken (5); a replay
    // from 1 read since then found nothing after 1, and the log takes in what comes after.
    const { space, logs } = linkedLogs();
    const before = logs.mark();
    expect(logs.install(space, 'room', NOW + 5n, replay([]), before)).toBe('joined');
    expect(logs.install(space, 'room', NOW + 1n, replay([]), before)).toBe('raced'); // read before the log started: 1 to 5 unknown
    expect(logs.install(space, 'room', NOW + 1n, replay([]), logs.mark())).toBe('joined');
    expect(since(space)).toBe(1n);
    append(logs, space, message(7, 6));
    expect(kept(space)).toEqual([7]);
  });

  it('keeps a log already whole from before a replay, taking in only what the replay holds past it', () => {
    const { space, logs } = linkedLogs(5);
    expect(logs.install(space, 'room', NOW + 1n, replay([message(3, 1), message(4, 3)]), logs.mark())).toBe('joined');
    // A replay from 3, read meanwhile, finishes second: the log stays whole from 1, and takes in 6.
    expect(logs.install(space, 'room', NOW + 3n, replay([message(4, 3), message(6, 4)]), logs.mark())).toBe('joined');
    expect([kept(space), since(space)]).toEqual([[3, 4, 6], 1n]);
    expect(logs.install(space, 'room', NOW + 4n, replay([message(6, 4)]), logs.mark())).toBe('joined');
    expect([kept(space), since(space)]).toEqual([[3, 4, 6], 1n]);
    // Taking in 7 to 9 would push 3 out of a log of 5: the replay is joined as before, from its own start.
    expect(logs.install(space, 'room', NOW + 4n, replay([6, 7, 8, 9].map((n) => message(n, n === 6 ? 4 : n - 1))), logs.mark())).toBe('joined');
    expect([kept(space), since(space)]).toEqual([[6, 7, 8, 9], 4n]);
  });

  it('does not extend a log that ends before a replay across what lies between, still on its way to this node', () => {
    const { space, logs } = linkedLogs();
    const started = logs.mark(); // a poll from 5 starts its replay: no log yet
    append(logs, space, message(2, 1)); // this node's feed, behind, starts the log: whole from 1
    // The replay, read once 4 and 6 were stored, holds 6 only (4 is before its timetoken).
    expect(logs.install(space, 'room', NOW + 5n, replay([message(6, 4)]), started)).toBe('joined');
    append(logs, space, message(4, 2)); // the feed catches up
    append(logs, space, message(6, 4));
    // Whatever the log now says it is whole from, it holds every envelope after that.
    const from = since(space);
    expect(kept(space)).toEqual([2, 4, 6].filter((n) => BigInt(n) > from));
  });

  it('does not join a replay read before an envelope older than the log came by, which the replay may lack', () => {
    const { space, logs } = linkedLogs();
    expect(logs.install(space, 'room', NOW + 5n, replay([]), logs.mark())).toBe('joined');
    const read = logs.mark(); // a replay from 1 reads the channel: nothing yet
    expect(append(logs, space, message(3))).toBeUndefined(); // stored late, at 3: the log is whole after 5 only
    expect(logs.install(space, 'room', NOW + 1n, replay([]), read)).toBe('raced');
    expect(logs.install(space, 'room', NOW + 1n, replay([message(3)]), logs.mark())).toBe('joined'); // read again, it has 3
    expect([kept(space), since(space)]).toEqual([[3], 1n]);
  });

  it("refuses a replay of a channel whose log was dropped while it ran, and joins the other channels' replays", () => {
    const { space, logs, later } = retainedLogs();
    append(logs, space, message(2, 1));
    const mark = logs.mark(); // replays of room and lobby are read
    later();
    logs.expire(); // room's log goes past retention, with whatever it took in after room's replay was read
    expect(logs.install(space, 'lobby', NOW + 1n, replay([]), mark)).toBe('joined'); // lobby had no log to lose
    expect(logs.install(space, 'room', NOW + 1n, replay([message(2, 1)]), mark)).toBe('raced');
    expect(logs.install(space, 'room', NOW + 1n, replay([message(2, 1)]), logs.mark())).toBe('joined'); // read again after the drop
  });

  it("refuses a replay whose channel's log went under the memory budget when an earlier replay of the same catch-up was installed", () => {
    const space = new KeysetChannels('demo');
    const logs = new ChannelLogs({ ...DEFAULT_HUB_OPTIONS, channelLogMiB: 1e-6 }, new TimetokenClock(() => NOW), new Map([['demo', space]]), true);
    const on = (channel: string, m: BusMessage): BusMessage => ({ ...m, channel });
    append(logs, space, on('b', message(5, 4)));
    const mark = logs.mark(); // replays of a and b are read
    append(logs, space, on('b', message(6, 5))); // stored after b's replay was read
    expect(logs.install(space, 'a', NOW + 1n, replay([on('a', message(2, 1))]), mark)).toBe('joined');
    expect(space.logs.has('b')).toBe(false); // a's log took the node past its budget
    expect(logs.install(space, 'b', NOW + 1n, replay([on('b', message(5, 4))]), mark)).toBe('raced'); // it would lack 6
  });

  it('refuses a replay of a channel with no log once more logs were dropped meanwhile than it remembers', () => {
    const { space, logs, later } = retainedLogs();
    const mark = logs.mark();
    for (let n = 0; n <= 4096; n++) append(logs, space, { ...message(2, 1), channel: `busy-${n}` });
    later();
    logs.expire();
    expect(logs.drops).toBe(4097);
    expect(logs.install(space, 'lobby', NOW + 1n, replay([]), mark)).toBe('raced'); // which channels went is forgotten
    expect(logs.install(space, 'lobby', NOW + 1n, replay([]), logs.mark())).toBe('joined');
  });
});

describe('ChannelLogs, retention', () => {
  it('drops a log past retention that comes after one written to again within a second, which stayed where it was', () => {
    let now = NOW;
    const space = new KeysetChannels('demo');
    const logs = new ChannelLogs({ ...DEFAULT_HUB_OPTIONS, channelLogSeconds: 1 }, new TimetokenClock(() => now), new Map([['demo', space]]), true);
    const at = (channel: string, ms: number) => append(logs, space, { ...message(ms * 10_000), channel });
    at('a', 0);
    at('b', 100);
    at('a', 500); // a is not moved behind b: it was put first less than a second ago
    now = NOW + 1_300n * 10_000n; // b's last envelope is past retention; a's is not
    logs.expire();
    expect([space.logs.has('a'), space.logs.has('b')]).toEqual([true, false]);
  });

  it('drops a log past retention that comes after one stamped by a node running further ahead than the clock follows', () => {
    let now = NOW;
    const space = new KeysetChannels('demo');
    const logs = new ChannelLogs({ ...DEFAULT_HUB_OPTIONS, channelLogSeconds: 1 }, new TimetokenClock(() => now), new Map([['demo', space]]), true);
    const at = (channel: string, ms: number) => append(logs, space, { ...message(ms * 10_000), channel });
    at('ahead', 120_000); // two minutes past this node's clock
    at('b', 100);
    now = NOW + 2_000n * 10_000n;
    logs.expire();
    expect([space.logs.has('ahead'), space.logs.has('b')]).toEqual([true, false]);
  });
});

describe('ChannelLogs, memory budget', () => {
  it('drops the log written longest ago, not one written to again within a second that stayed first', () => {
    let now = NOW;
    const options = { ...DEFAULT_HUB_OPTIONS, channelLogMiB: 64 };
    const space = new KeysetChannels('demo');
    const logs = new ChannelLogs(options, new TimetokenClock(() => now), new Map([['demo', space]]), true);
    const at = (channel: string, ms: number) => {
      now = NOW + BigInt(ms) * 10_000n;
      append(logs, space, { ...message(ms * 10_000), channel });
    };
    at('busy', 0);
    at('b', 100);
    at('busy', 500); // not moved behind b: it was put first less than a second ago
    options.channelLogMiB = logs.bytes / 2 ** 20; // full
    at('c', 600); // as large as b's log: one log must go
    expect(['busy', 'b', 'c'].filter((channel) => space.logs.has(channel))).toEqual(['busy', 'c']);
    at('d', 700); // busy was moved to the newest end then, behind c
    at('e', 800); // and is not moved again unless written to again
    expect(['busy', 'b', 'c', 'd', 'e'].filter((channel) => space.logs.has(channel))).toEqual(['d', 'e']);
  });
});

/** Linked logs kept 1 s, with a clock at `NOW` until `later()` moves it 2 s on. */
function retainedLogs() {
  let now = NOW;
  const space = new KeysetChannels('demo');
  const logs = new ChannelLogs({ ...DEFAULT_HUB_OPTIONS, channelLogSeconds: 1 }, new TimetokenClock(() => now), new Map([['demo', space]]), true);
  return { space, logs, later: () => void (now += 20_000_000n) };
}
