import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { ObjectEvent } from '../objects/events.ts';
import type { EventBus } from './bus.ts';
import { ENTRY_OVERHEAD_BYTES, LOG_OVERHEAD_BYTES, type FilterSubject } from './channel-log.ts';
import type { SubscribeQuery } from './delivery.ts';
import { presenceEnvelope } from './envelope.ts';
import { RealtimeHub } from './hub.ts';
import { InProcessBus } from './in-process-bus.ts';
import { parseMessageFilter } from './message-filter.ts';
import type { HubOptions } from '../model/hub-options.ts';
import type { PresenceEvent } from '../presence/events.ts';
import { TimetokenClock } from './timetoken.ts';

interface Answer {
  t: { t: string; r: number };
  m: Record<string, any>[];
}

const hubs: RealtimeHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

function makeHub(options: Partial<HubOptions> = {}, millis?: () => number, clock?: TimetokenClock, bus?: EventBus) {
  const hub = new RealtimeHub(options, { clock, millis, bus });
  hubs.push(hub);
  return hub;
}

/** Subscribes and collects answers: `answers` fills in when the hub answers. */
function poll(hub: RealtimeHub, query: Partial<SubscribeQuery> & { channels: string[] }) {
  const answers: Answer[] = [];
  const held = hub.subscribe({ subKey: 'demo', after: undefined, filter: undefined, ...query }, (body) => answers.push(JSON.parse(body) as Answer));
  return { answers, held };
}

const say = (hub: RealtimeHub, channel: string, payload: unknown, meta?: unknown) =>
  hub.publishMessage('demo', channel, { payload, meta, publisher: 'alice', customMessageType: undefined });

const uuidSet = (id: string, channels: string[]): ObjectEvent => ({
  channels,
  payload: { source: 'objects', version: '2.0', event: 'set', type: 'uuid', data: { id, name: 'N', updated: 'x', eTag: 'e' } },
});

describe('RealtimeHub: handshake and catch-up', () => {
  it('answers a handshake at once with the current timetoken and a non-zero region', () => {
    const hub = makeHub();
    const { answers, held } = poll(hub, { channels: ['a'] });
    expect(held).toBeUndefined();
    expect(answers[0]!.m).toEqual([]);
    expect(answers[0]!.t.t).toMatch(/^\d{17}$/);
    expect(answers[0]!.t.r).toBe(1);
  });

  it('answers at once with what came after the client timetoken, and nothing before', async () => {
    const hub = makeHub();
    const first = await say(hub, 'a', 1);
    const second = await say(hub, 'a', { n: 2 });
    await say(hub, 'other', 3);
    const { answers, held } = poll(hub, { channels: ['a'], after: BigInt(first) });
    expect(held).toBeUndefined();
    expect(answers[0]!.m).toEqual([{ a: '1', f: 0, i: 'alice', p: { t: second, r: 1 }, k: 'demo', c: 'a', d: { n: 2 }, b: 'a' }]);
    expect(answers[0]!.t.t).toBe(second);
  });

  it('merges several channels in timetoken order', async () => {
    const hub = makeHub();
    const start = hub.now();
    await say(hub, 'b', 1);
    await say(hub, 'a', 2);
    await say(hub, 'b', 3);
    const { answers } = poll(hub, { channels: ['a', 'b'], after: start });
    expect(answers[0]!.m.map((m) => m['d'])).toEqual([1, 2, 3]);
  });

  it('caps an answer and continues from its cursor with no gap and no repeat', async () => {
    const hub = makeHub({ maxMessagesPerAnswer: 3, channelLogSize: 100 });
    const start = hub.now();
    for (let n = 0; n < 8; n++) await say(hub, n % 2 === 0 ? 'a' : 'b', n);
    const seen: unknown[] = [];
    let after = start;
    for (let round = 0; round < 3; round++) {
      const { answers } = poll(hub, { channels: ['a', 'b'], after });
      seen.push(...answers[0]!.m.map((m) => m['d']));
      after = BigInt(answers[0]!.t.t);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('treats a timetoken from the future as now', async () => {
    const hub = makeHub();
    const { held, answers } = poll(hub, { channels: ['a'], after: hub.now() + 10_000_000_000n });
    expect(held).toBeDefined();
    await say(hub, 'a', 'later');
    expect(answers[0]!.m.map((m) => m['d'])).toEqual(['later']);
  });
});

describe('RealtimeHub: held long-polls', () => {
  it('wakes a held poll on the first envelope on any of its channels, and not for other channels', async () => {
    const hub = makeHub();
    const { answers, held } = poll(hub, { channels: ['a', 'b'], after: hub.now() });
    expect(held).toBeDefined();
    await say(hub, 'c', 'elsewhere');
    expect(answers).toEqual([]);
    const timetoken = await say(hub, 'b', 'here');
    expect(answers).toHaveLength(1);
    expect(answers[0]!.m.map((m) => m['d'])).toEqual(['here']);
    expect(answers[0]!.t.t).toBe(timetoken);
    expect(hub.stats()).toMatchObject({ held: 0, waitedChannels: 0 });
  });

  it('delivers App Context events on each of their channels with e: 2 and b equal to the channel', async () => {
    const hub = makeHub();
    const onUser = poll(hub, { channels: ['alice'], after: hub.now() });
    const onRoom = poll(hub, { channels: ['room'], after: hub.now() });
    await hub.publish('demo', [uuidSet('alice', ['alice', 'room'])]);
    const [userEnvelope] = onUser.answers[0]!.m;
    const [roomEnvelope] = onRoom.answers[0]!.m;
    expect(userEnvelope).toMatchObject({ e: 2, c: 'alice', b: 'alice', k: 'demo', d: { source: 'objects', type: 'uuid', event: 'set' } });
    expect(roomEnvelope).toMatchObject({ e: 2, c: 'room', b: 'room' });
    expect(userEnvelope!['i']).toBeUndefined();
    expect(userEnvelope!['p'].t).not.toBe(roomEnvelope!['p'].t);
  });

  it('answers a batch of events in one answer', async () => {
    const hub = makeHub();
    const { answers } = poll(hub, { channels: ['room'], after: hub.now() });
    await hub.publish('demo', [uuidSet('u1', ['room']), uuidSet('u2', ['room'])]);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.m.map((m) => m['d'].data.id)).toEqual(['u1', 'u2']);
  });

  it('keeps keysets apart', async () => {
    const hub = makeHub();
    const { answers } = poll(hub, { subKey: 'other', channels: ['a'], after: hub.now() });
    await say(hub, 'a', 'demo only');
    expect(answers).toEqual([]);
  });

  it('applies filter-expr to messages, moving the cursor past filtered ones, and not to App Context events', async () => {
    const hub = makeHub();
    const filter = parseMessageFilter('meta.kind == "keep"');
    const before = hub.now();
    const dropped = await say(hub, 'a', 'drop me', { kind: 'drop' });
    const { answers, held } = poll(hub, { channels: ['a'], after: before, filter });
    expect(held).toBeDefined();
    await say(hub, 'a', 'still not', { kind: 'other' });
    expect(answers).toEqual([]);
    await say(hub, 'a', 'kept', { kind: 'keep' });
    expect(answers[0]!.m.map((m) => m['d'])).toEqual(['kept']);
    expect(answers[0]!.m[0]!['u']).toEqual({ kind: 'keep' });
    expect(BigInt(answers[0]!.t.t)).toBeGreaterThan(BigInt(dropped));

    const events = poll(hub, { channels: ['a'], after: BigInt(answers[0]!.t.t), filter });
    await hub.publish('demo', [uuidSet('a', ['a'])]);
    expect(events.answers[0]!.m[0]).toMatchObject({ e: 2 });
  });

  it('answers empty when the hold runs out, from one sweep', () => {
    let now = 1_000;
    const hub = makeHub({ holdSeconds: 10 }, () => now);
    const early = poll(hub, { channels: ['a'], after: hub.now() });
    now += 5_000;
    const late = poll(hub, { channels: ['b'], after: hub.now() });
    now += 5_000;
    hub.sweep();
    expect(early.answers).toHaveLength(1);
    expect(early.answers[0]!.m).toEqual([]);
    expect(late.answers).toEqual([]);
    now += 5_000;
    hub.sweep();
    expect(late.answers).toHaveLength(1);
    expect(hub.stats().held).toBe(0);
  });

  it('forgets a cancelled poll without answering it', async () => {
    const hub = makeHub();
    const { answers, held } = poll(hub, { channels: ['a', 'b'], after: hub.now() });
    hub.cancel(held!);
    await say(hub, 'a', 'x');
    expect(answers).toEqual([]);
    expect(hub.stats()).toMatchObject({ held: 0, waitedChannels: 0 });
  });

  it('answers every held poll at once on close, and handshakes after it', () => {
    const hub = makeHub();
    const polls = [poll(hub, { channels: ['a'], after: hub.now() }), poll(hub, { channels: ['b'], after: hub.now() })];
    void hub.close();
    for (const { answers } of polls) expect(answers[0]!.m).toEqual([]);
    const after = poll(hub, { channels: ['a'], after: hub.now() });
    expect(after.held).toBeUndefined();
  });

  it('wakes ten thousand polls on one channel with one publish', async () => {
    const hub = makeHub();
    const start = hub.now();
    const polls = Array.from({ length: 10_000 }, () => poll(hub, { channels: ['crowd'], after: start }));
    expect(hub.stats().held).toBe(10_000);
    await say(hub, 'crowd', 'hello all');
    expect(polls.every(({ answers }) => answers.length === 1 && answers[0]!.m[0]!['d'] === 'hello all')).toBe(true);
    expect(hub.stats().held).toBe(0);
  });
});

describe('RealtimeHub: channel logs', () => {
  it('keeps the last N envelopes of a channel', async () => {
    const hub = makeHub({ channelLogSize: 2 });
    const start = hub.now();
    for (const n of [1, 2, 3]) await say(hub, 'a', n);
    const { answers } = poll(hub, { channels: ['a'], after: start });
    expect(answers[0]!.m.map((m) => m['d'])).toEqual([2, 3]);
  });

  it('drops logs past their retention', async () => {
    let wall = 17_000_000_000_000_000n;
    const hub = makeHub({ channelLogSeconds: 60 }, undefined, new TimetokenClock(() => wall));
    await say(hub, 'old', 1);
    wall += 30n * 10_000_000n;
    await say(hub, 'recent', 2);
    wall += 45n * 10_000_000n;
    hub.sweep();
    expect(hub.stats().channels).toBe(1);
    const { answers } = poll(hub, { channels: ['old', 'recent'], after: 0n });
    expect(answers[0]!.m.map((m) => m['d'])).toEqual([2]);
  });

  it('keeps all channel logs within the node-wide budget, dropping those written longest ago', async () => {
    const hub = makeHub({ channelLogMiB: 1 });
    const bulky = 'x'.repeat(64 * 1024);
    for (let n = 0; n < 40; n++) await say(hub, `room-${n}`, bulky); // about 2.5 MiB in all
    const kept = hub.stats().channels;
    expect(kept).toBeGreaterThan(10);
    expect(kept).toBeLessThan(17);
    const { answers } = poll(hub, { channels: ['room-0', 'room-39'], after: 0n });
    expect(answers[0]!.m.map((m) => m['c'])).toEqual(['room-39']);
    await say(hub, 'room-39', 'small');
    expect(hub.stats().channels).toBe(kept); // rewriting a kept channel drops nothing
  });
});

/** A filter that counts its evaluations (a `MessageFilter` is any predicate over the subject). */
/** A filter that counts its evaluations; `text` stands for its expression (one per counter). */
function countingFilter(verdict: (subject: FilterSubject) => boolean) {
  const text = `counting ${++counters}`;
  const counter = { calls: 0, filter: Object.assign((subject: FilterSubject) => (counter.calls++, verdict(subject)), { text }) };
  return counter;
}
let counters = 0;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('RealtimeHub: what one publish costs', () => {
  it('evaluates each distinct filter once per publish, however many polls hold it', async () => {
    const hub = makeHub();
    const counter = countingFilter(() => true);
    const polls = Array.from({ length: 100 }, () => poll(hub, { channels: ['room'], after: hub.now(), filter: counter.filter }));
    await say(hub, 'room', 'hello');
    expect(counter.calls).toBe(1);
    expect(polls.every(({ answers }) => answers[0]!.m[0]!['d'] === 'hello')).toBe(true);
  });

  it('examines each message once for a held poll whose filter refuses most of them', async () => {
    const hub = makeHub();
    const counter = countingFilter((subject) => subject.data === 'wanted');
    const { answers } = poll(hub, { channels: ['room'], after: hub.now(), filter: counter.filter });
    for (let n = 0; n < 50; n++) await say(hub, 'room', n);
    const wanted = await say(hub, 'room', 'wanted');
    expect(counter.calls).toBe(51);
    expect(answers[0]!.m.map((m) => m['d'])).toEqual(['wanted']);
    expect(answers[0]!.t.t).toBe(wanted);
  });

  it('keeps no parsed payload: kept messages are text, parsed again for a filter that needs them', async () => {
    const hub = makeHub();
    let payload: { x: string; padding: object[] } | undefined = { x: 'kept', padding: Array.from({ length: 1000 }, () => ({})) };
    const parsed = new WeakRef(payload);
    const before = hub.now();
    await say(hub, 'room', payload, { kind: 'note' });
    payload = undefined;
    await new Promise((resolve) => setImmediate(resolve)); // a WeakRef holds its target until the job ends
    collectGarbage();
    expect(parsed.deref()).toBeUndefined();
    const { answers } = poll(hub, {
      channels: ['room'],
      after: before,
      filter: parseMessageFilter('data.x == "kept" && meta.kind == "note" && uuid == "alice"'),
    });
    expect(answers[0]!.m.map((m) => m['d'].x)).toEqual(['kept']);
  });

  it('parses at most about 1 MiB of kept text per answer when catching up through a filter, and loses nothing', async () => {
    // Answers may hold 8 MiB here, so only the parse bound cuts the filtered ones short.
    const hub = makeHub({ channelLogSize: 200, maxAnswerChars: 8 * 1024 * 1024 });
    const start = hub.now();
    const bulky = 'x'.repeat(40 * 1024);
    for (let n = 0; n < 100; n++) await say(hub, 'room', { n, bulky }, { keep: n % 30 === 0 });
    const filter = parseMessageFilter('meta.keep == true');
    const seen: unknown[] = [];
    let after = start;
    let answers = 0;
    for (; answers < 20 && after < BigInt(hub.now()); answers++) {
      const { answers: got, held } = poll(hub, { channels: ['room'], after, filter });
      if (held) {
        hub.cancel(held);
        break;
      }
      seen.push(...got[0]!.m.map((m) => m['d'].n));
      after = BigInt(got[0]!.t.t);
    }
    expect(seen).toEqual([0, 30, 60, 90]);
    expect(answers).toBeGreaterThanOrEqual(4); // 4 MiB of text, 1 MiB an answer
    // Without a filter nothing is parsed: one answer takes what it may hold.
    expect(poll(hub, { channels: ['room'], after: start }).answers[0]!.m).toHaveLength(100);
  });
});

describe('RealtimeHub: what the channel logs count', () => {
  const empty = (hub: RealtimeHub) => hub.stats().logBytes;

  it('counts each envelope’s text, two bytes a character beyond U+00FF, plus fixed overheads', async () => {
    const hub = makeHub();
    await say(hub, 'latin', 'é'.repeat(1000));
    const latin = empty(hub);
    await say(hub, 'cyrillic', 'ж'.repeat(1000));
    const cyrillic = empty(hub) - latin;
    expect(latin).toBeGreaterThan(1000 + ENTRY_OVERHEAD_BYTES + LOG_OVERHEAD_BYTES);
    expect(latin).toBeLessThan(1300 + ENTRY_OVERHEAD_BYTES + LOG_OVERHEAD_BYTES);
    expect(cyrillic).toBeGreaterThan(2000 + ENTRY_OVERHEAD_BYTES + LOG_OVERHEAD_BYTES);
  });

  it('holds a flood of small-object payloads within its budget, in counted bytes and in heap', async () => {
    const budget = 4;
    const hub = makeHub({ channelLogMiB: budget });
    const payload = JSON.parse(`[${Array(10_000).fill('{}').join(',')}]`) as unknown; // 30 KiB of text, ~20x that parsed
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let n = 0; n < 400; n++) await say(hub, `room-${n % 100}`, payload, { n });
    collectGarbage();
    const grown = process.memoryUsage().heapUsed - heapBefore;
    expect(hub.stats().logBytes).toBeLessThanOrEqual(budget * 1024 * 1024);
    expect(hub.stats().logBytes).toBeGreaterThan(budget * 1024 * 1024 * 0.9);
    // Kept parsed payloads would be ~20x the budget here.
    expect(grown).toBeLessThan(budget * 1024 * 1024 * 1.5);
  });
});

describe('RealtimeHub: two nodes on one bus', () => {
  /** Two hubs sharing one bus, `ahead`'s wall clock a second ahead of `behind`'s. */
  function twoNodes() {
    const bus = new InProcessBus();
    const wall = 17_000_000_000_000_000n;
    const ahead = new RealtimeHub({}, { bus, clock: new TimetokenClock(() => wall + 10_000_000n) });
    const behind = new RealtimeHub({}, { bus, clock: new TimetokenClock(() => wall) });
    hubs.push(ahead, behind);
    return { ahead, behind };
  }

  it('wakes a poll held on one node with a message published on the other', async () => {
    const { ahead, behind } = twoNodes();
    const { answers } = poll(behind, { channels: ['room'], after: behind.now() });
    const timetoken = await say(ahead, 'room', 'across');
    expect(answers[0]!.m.map((m) => m['d'])).toEqual(['across']);
    expect(answers[0]!.t.t).toBe(timetoken);
  });

  it('gives a cursor the same meaning on both nodes, whichever clock is ahead: nothing twice, nothing missed', async () => {
    const { ahead, behind } = twoNodes();
    const first = await say(ahead, 'room', 'first');
    // The cursor from `ahead` is past `behind`'s wall clock: still not a cursor from the future there.
    const again = poll(behind, { channels: ['room'], after: BigInt(first) });
    expect(again.held).toBeDefined();
    const second = await say(behind, 'room', 'second');
    expect(BigInt(second)).toBeGreaterThan(BigInt(first));
    expect(again.answers[0]!.m.map((m) => m['d'])).toEqual(['second']);
    const onAhead = poll(ahead, { channels: ['room'], after: BigInt(first) });
    expect(onAhead.answers[0]!.m.map((m) => m['d'])).toEqual(['second']);
  });
});

describe('RealtimeHub: signals and message action events', () => {
  const signal = (hub: RealtimeHub, channel: string, payload: unknown, customMessageType?: string) =>
    hub.publishSignal('demo', channel, { payload, meta: undefined, publisher: 'alice', customMessageType });
  const reaction = (messageTimetoken: string, actionTimetoken: string) => ({ type: 'reactions', value: '👍', messageTimetoken, actionTimetoken });

  it('delivers a signal with e: 1, its sender, payload and custom type, at the timetoken it resolved with', async () => {
    const hub = makeHub();
    const { answers } = poll(hub, { channels: ['room'], after: hub.now() });
    const timetoken = await signal(hub, 'room', { type: 'typing', value: true }, 'typing-sig');
    expect(timetoken).toMatch(/^\d{17}$/);
    expect(answers[0]!.m).toEqual([
      { a: '1', f: 0, e: 1, i: 'alice', p: { t: timetoken, r: 1 }, k: 'demo', c: 'room', d: { type: 'typing', value: true }, cmt: 'typing-sig', b: 'room' },
    ]);
    expect(answers[0]!.t.t).toBe(timetoken);
  });

  it('applies filter-expr to signals as to messages, and not to message action events', async () => {
    const hub = makeHub();
    const filter = parseMessageFilter('data.type == "receipt"');
    const before = hub.now();
    await signal(hub, 'room', { type: 'typing', value: true });
    await signal(hub, 'room', { type: 'receipt', messageTimetoken: '1' });
    const action = await hub.publishAction('demo', 'room', { event: 'added', uuid: 'bob', action: reaction('1', hub.nextTimetoken()) });
    const { answers } = poll(hub, { channels: ['room'], after: before, filter });
    expect(answers[0]!.m.map((m) => [m['e'], m['d'].type ?? m['d'].event])).toEqual([
      [1, 'receipt'],
      [3, 'added'],
    ]);
    expect(answers[0]!.t.t).toBe(action);
  });

  it('gives new timetokens from its clock: each later than the one before and than every publish', async () => {
    const hub = makeHub();
    const published = await say(hub, 'room', 'hi');
    const first = hub.nextTimetoken();
    const second = hub.nextTimetoken();
    expect(first).toMatch(/^\d{17}$/);
    expect(BigInt(first)).toBeGreaterThan(BigInt(published));
    expect(BigInt(second)).toBeGreaterThan(BigInt(first));
    expect(BigInt(await say(hub, 'room', 'later'))).toBeGreaterThan(BigInt(second));
  });

  it('delivers a message action event with e: 3, the actor as i, and the action as the JS SDK reads it', async () => {
    const hub = makeHub();
    const messageTimetoken = await say(hub, 'room', 'nice');
    const { answers } = poll(hub, { channels: ['room'], after: BigInt(messageTimetoken) });
    const actionTimetoken = hub.nextTimetoken();
    const added = await hub.publishAction('demo', 'room', { event: 'added', uuid: 'bob', action: reaction(messageTimetoken, actionTimetoken) });
    expect(BigInt(added)).toBeGreaterThan(BigInt(actionTimetoken));
    const [envelope] = answers[0]!.m;
    expect(envelope).toEqual({
      a: '1',
      f: 0,
      e: 3,
      i: 'bob',
      p: { t: added, r: 1 },
      k: 'demo',
      c: 'room',
      d: { source: 'actions', version: '1.0', event: 'added', data: { type: 'reactions', value: '👍', messageTimetoken, actionTimetoken } },
      b: 'room',
    });
    // What the JS SDK (pubnub 11, `messageActionFromEnvelope`) hands its `messageAction` listener.
    const { d, i, p } = envelope as { d: { event: string; data: Record<string, string> }; i: string; p: { t: string } };
    expect({ event: d.event, publisher: i, timetoken: p.t, data: { ...d.data, uuid: i } }).toEqual({
      event: 'added',
      publisher: 'bob',
      timetoken: added,
      data: { type: 'reactions', value: '👍', uuid: 'bob', messageTimetoken, actionTimetoken },
    });

    const next = poll(hub, { channels: ['room'], after: BigInt(added) });
    await hub.publishAction('demo', 'room', { event: 'removed', uuid: 'bob', action: reaction(messageTimetoken, actionTimetoken) });
    expect(next.answers[0]!.m[0]).toMatchObject({ e: 3, i: 'bob', d: { event: 'removed', data: { actionTimetoken } } });
  });

  it('fails a signal or an action event the bus cannot take with a 503', async () => {
    const bus = new InProcessBus();
    const hub = makeHub({}, undefined, undefined, bus);
    await bus.close();
    await expect(signal(hub, 'room', 'x')).rejects.toMatchObject({ code: 'BUS_UNAVAILABLE', status: 503 });
    const action = hub.publishAction('demo', 'room', { event: 'added', uuid: 'bob', action: reaction('1', hub.nextTimetoken()) });
    await expect(action).rejects.toMatchObject({ code: 'BUS_UNAVAILABLE', status: 503 });
  });
});

/** The official JS SDK's subscribe answer parsing (pubnub 11, `BaseSubscribeRequest.parse`), as its listeners are fed. */
interface SdkSubscribe {
  BaseSubscribeRequest: new (parameters: { keySet: { subscribeKey: string }; channels: string[]; channelGroups: string[] }) => {
    parse(response: {
      status: number;
      url: string;
      headers: Record<string, string>;
      body: Uint8Array;
    }): Promise<{ messages: { type: number; data: unknown }[] }>;
  };
}
const sdk = createRequire(import.meta.url)('pubnub/lib/core/endpoints/subscribe.js') as SdkSubscribe;

describe('RealtimeHub: presence events', () => {
  const joined: PresenceEvent = { action: 'join', uuid: 'bob', occupancy: 1, timestamp: 1_790_574_122, precise_timestamp: 1_790_574_122_401 };

  it('delivers a presence event on {channel}-pnpres to its subscribers only, at the timetoken it resolved with, whatever their filter', async () => {
    const hub = makeHub();
    const refuseAll = parseMessageFilter('meta.never == "true"');
    const presence = poll(hub, { channels: ['room-pnpres'], after: hub.now(), filter: refuseAll });
    const messages = poll(hub, { channels: ['room'], after: hub.now() });
    const timetoken = await hub.publishPresence('demo', 'room', joined);
    expect(presence.answers[0]!.m).toEqual([
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
        b: 'room-pnpres',
      },
    ]);
    expect(presence.answers[0]!.t.t).toBe(timetoken);
    expect(messages.answers).toEqual([]);
  });

  it('hands the official JS SDK’s presence listener the event, state included, with the group it came through', async () => {
    const hub = makeHub();
    const bodies: string[] = [];
    const via = new Map([['room-pnpres', 'team-pnpres']]);
    hub.subscribe({ subKey: 'demo', channels: ['room-pnpres'], via, after: hub.now(), filter: undefined }, (body) => bodies.push(body));
    const timetoken = await hub.publishPresence('demo', 'room', { ...joined, action: 'state-change', state: { mood: 'ok' } });
    const request = new sdk.BaseSubscribeRequest({ keySet: { subscribeKey: 'demo' }, channels: [], channelGroups: ['team-pnpres'] });
    const parsed = await request.parse({ status: 200, url: '', headers: {}, body: new TextEncoder().encode(bodies[0]) });
    expect(parsed.messages.map((message) => message.data)).toEqual([
      {
        channel: 'room',
        subscription: 'team-pnpres',
        actualChannel: 'room',
        subscribedChannel: 'team-pnpres',
        timetoken,
        action: 'state-change',
        uuid: 'bob',
        state: { mood: 'ok' },
        occupancy: 1,
        timestamp: joined.timestamp,
        precise_timestamp: joined.precise_timestamp,
      },
    ]);
  });

  it('logs presence events on channels nobody subscribed to lately, as messages: a poll from before them gets them', async () => {
    const hub = makeHub();
    const start = hub.now();
    await hub.publishPresence('demo', 'quiet', joined);
    expect(poll(hub, { channels: ['quiet-pnpres'], after: start }).answers[0]!.m.map((m) => m['c'])).toEqual(['quiet-pnpres']);
  });

  it('counts the longer `b` of a group against the answer’s size', async () => {
    const left: PresenceEvent = { ...joined, action: 'leave', occupancy: 0 };
    const size = (event: PresenceEvent) => presenceEnvelope({ subKey: 'demo', channel: 'room-pnpres', timetoken: '1'.repeat(17), region: 1 }, event).length;
    const hub = makeHub({ maxAnswerChars: size(joined) + 1 + size(left) }); // both fit, both renamed do not
    const start = hub.now();
    poll(hub, { channels: ['room-pnpres'] });
    await hub.publishPresence('demo', 'room', joined);
    await hub.publishPresence('demo', 'room', left);
    expect(poll(hub, { channels: ['room-pnpres'], after: start }).answers[0]!.m).toHaveLength(2);
    const via = new Map([['room-pnpres', 'a-longer-team-pnpres']]);
    const first = poll(hub, { channels: ['room-pnpres'], via, after: start }).answers[0]!;
    expect(first.m.map((m) => [m['b'], m['d'].action])).toEqual([['a-longer-team-pnpres', 'join']]);
    const second = poll(hub, { channels: ['room-pnpres'], via, after: BigInt(first.t.t) }).answers[0]!;
    expect(second.m.map((m) => [m['b'], m['d'].action])).toEqual([['a-longer-team-pnpres', 'leave']]);
  });

  it('fails a presence event the bus cannot take with a 503', async () => {
    const bus = new InProcessBus();
    const hub = makeHub({}, undefined, undefined, bus);
    await bus.close();
    await expect(hub.publishPresence('demo', 'room', joined)).rejects.toMatchObject({ code: 'BUS_UNAVAILABLE', status: 503 });
  });
});

describe('RealtimeHub: handing over to the bus', () => {
  /** An in-process bus that holds each publish until `release` is called. */
  function heldBus() {
    const inner = new InProcessBus();
    const pending: (() => void)[] = [];
    const bus: EventBus = {
      publish: (batch) => new Promise<void>((resolve) => pending.push(() => void inner.publish(batch).then(resolve))),
      attach: (receive) => inner.attach(receive),
      close: () => inner.close(),
    };
    return { bus, release: () => pending.splice(0).forEach((go) => go()) };
  }

  it('answers a publish with its timetoken only once the bus has taken the message', async () => {
    const { bus, release } = heldBus();
    const hub = makeHub({}, undefined, undefined, bus);
    let answered: string | undefined;
    const publishing = say(hub, 'room', 'wait for it').then((timetoken) => (answered = timetoken));
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBeUndefined();
    release();
    await publishing;
    expect(answered).toMatch(/^\d{17}$/);
  });

  it('fails a publish the bus cannot take with a 503', async () => {
    const bus = new InProcessBus();
    const hub = makeHub({}, undefined, undefined, bus);
    await bus.close();
    await expect(say(hub, 'room', 'nowhere to go')).rejects.toMatchObject({ code: 'BUS_UNAVAILABLE', status: 503 });
  });

  it('reports App Context events the bus refuses rather than failing the committed write', async () => {
    const bus = new InProcessBus();
    const lost: unknown[] = [];
    const hub = new RealtimeHub({}, { bus, onEventsLost: (error) => lost.push(error) });
    hubs.push(hub);
    await bus.close();
    await expect(hub.publish('demo', [uuidSet('alice', ['alice'])])).resolves.toBe(false);
    expect(lost).toHaveLength(1);
  });
});
