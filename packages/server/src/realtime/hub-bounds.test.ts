import { afterEach, describe, expect, it } from 'vitest';
import { RosterError } from '../errors.ts';
import type { ObjectEvent } from '../objects/events.ts';
import type { SubscribeQuery } from './delivery.ts';
import { RealtimeHub } from './hub.ts';
import { MessageFilterCache, parseMessageFilter } from './message-filter.ts';
import type { HubOptions } from '../model/hub-options.ts';

interface Answer {
  t: { t: string; r: number };
  m: Record<string, any>[];
}

const hubs: RealtimeHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

function makeHub(options: Partial<HubOptions> = {}, millis?: () => number) {
  const hub = new RealtimeHub(options, { millis });
  hubs.push(hub);
  return hub;
}

function poll(hub: RealtimeHub, query: Partial<SubscribeQuery> & { channels: string[] }) {
  const bodies: string[] = [];
  const held = hub.subscribe({ subKey: 'demo', after: undefined, filter: undefined, ...query }, (body) => bodies.push(body));
  const answers = () => bodies.map((body) => JSON.parse(body) as Answer);
  return { bodies, answers, held };
}

const publish = (hub: RealtimeHub, channel: string, payload: unknown, extra: { payloadJson?: string; meta?: unknown; metaJson?: string } = {}) =>
  hub.publishMessage('demo', channel, {
    payload,
    meta: extra.meta,
    payloadJson: extra.payloadJson,
    metaJson: extra.metaJson,
    publisher: 'alice',
    customMessageType: undefined,
  });

describe('RealtimeHub bounds: catch-up over many channels', () => {
  it('answers a poll over 6,500 busy channels with the oldest 100 envelopes, quickly', async () => {
    const hub = makeHub();
    const channels = Array.from({ length: 6_500 }, (_, index) => `c${index}`);
    const start = BigInt(JSON.parse(poll(hub, { channels }).bodies[0]!).t.t); // a handshake on all
    for (let round = 0; round < 20; round++) for (const channel of channels) await publish(hub, channel, round);
    const started = performance.now();
    const { answers } = poll(hub, { channels, after: start });
    expect(performance.now() - started).toBeLessThan(1_000);
    const got = answers()[0]!;
    expect(got.m).toHaveLength(100);
    expect(got.m.map((m) => m['c'])).toEqual(channels.slice(0, 100));
    expect(got.t.t).toBe(got.m[99]!['p'].t);
  });
});

describe('RealtimeHub bounds: answer size', () => {
  it('keeps an answer within 1 MiB of envelope text and loses nothing over the following polls', async () => {
    const hub = makeHub({ channelLogSize: 200 });
    const start = BigInt(JSON.parse(poll(hub, { channels: ['room'] }).bodies[0]!).t.t);
    const bulky = 'x'.repeat(40 * 1024);
    for (let n = 0; n < 100; n++) await publish(hub, 'room', { n, bulky });
    const seen: number[] = [];
    let after = start;
    for (let round = 0; round < 10 && seen.length < 100; round++) {
      const { bodies, answers } = poll(hub, { channels: ['room'], after });
      expect(bodies[0]!.length).toBeLessThan(1024 * 1024 + 200);
      seen.push(...answers()[0]!.m.map((m) => m['d'].n as number));
      after = BigInt(answers()[0]!.t.t);
    }
    expect(seen).toEqual(Array.from({ length: 100 }, (_, n) => n));
  });

  it('delivers payload and meta byte for byte as published', async () => {
    const hub = makeHub();
    const held = poll(hub, { channels: ['room'], after: hub.now() });
    const payloadJson = '{"big":12345678901234567890,"dup":1,"dup":2,"list":[9e20, 1e999]}';
    const metaJson = '{"n":1.50}';
    await publish(hub, 'room', JSON.parse(payloadJson), { payloadJson, meta: JSON.parse(metaJson), metaJson });
    expect(held.bodies[0]).toContain(`"u":${metaJson},"d":${payloadJson}`);
  });

  it('holds back answers while too much answer text waits for its sockets, then delivers it all', async () => {
    let now = 0;
    const hub = makeHub({ unflushedAnswerChars: 4096, holdSeconds: 10 }, () => now);
    const handshake = poll(hub, { channels: ['room'] });
    const start = BigInt(JSON.parse(handshake.bodies[0]!).t.t);
    const reader = poll(hub, { channels: ['room'], after: start });
    await publish(hub, 'room', 'a'.repeat(3700)); // nearly fills the budget: never given back yet
    expect(reader.bodies).toHaveLength(1);
    const cursor = BigInt(reader.answers()[0]!.t.t);

    const waiting = poll(hub, { channels: ['room'], after: cursor });
    await publish(hub, 'room', 'b'.repeat(500));
    expect(waiting.bodies).toHaveLength(0); // no room: it stays held
    expect(hub.stats().held).toBe(1);

    hub.answerGone(reader.bodies[0]!.length + handshake.bodies[0]!.length); // the sockets took them
    now += 1_000;
    hub.sweep();
    expect(waiting.answers()[0]!.m.map((m) => m['d'])).toEqual(['b'.repeat(500)]);
    expect(hub.stats().unflushedAnswerChars).toBe(waiting.bodies[0]!.length);
  });

  it('answers a starved poll at its deadline with its own timetoken, so the client asks again', async () => {
    let now = 0;
    const hub = makeHub({ unflushedAnswerChars: 10, holdSeconds: 10 }, () => now);
    const start = BigInt(JSON.parse(poll(hub, { channels: ['room'] }).bodies[0]!).t.t); // spends the budget
    await publish(hub, 'room', 'kept');
    const starved = poll(hub, { channels: ['room'], after: start });
    expect(starved.held).toBeDefined();
    now += 10_001;
    hub.sweep();
    expect(starved.answers()[0]).toEqual({ t: { t: start.toString(), r: 1 }, m: [] });
  });
});

describe('RealtimeHub bounds: fan-out to channels nobody subscribes to', () => {
  const memberships = (count: number): ObjectEvent => ({
    channels: Array.from({ length: count }, (_, index) => `space-${index}`),
    payload: { source: 'objects', version: '2.0', event: 'set', type: 'uuid', data: { id: 'u', name: 'x'.repeat(30_000), updated: 'x', eTag: 'e' } },
  });

  it('logs an event only on channels subscribed to lately, and quickly', async () => {
    const hub = makeHub();
    const watcher = poll(hub, { channels: ['space-7'] });
    const start = BigInt(JSON.parse(watcher.bodies[0]!).t.t);
    const started = performance.now();
    await hub.publish('demo', [memberships(50_000)]);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(hub.stats().channels).toBe(1);
    const caughtUp = poll(hub, { channels: ['space-7', 'space-8'], after: start });
    expect(caughtUp.answers()[0]!.m.map((m) => m['c'])).toEqual(['space-7']);
  });

  it('keeps one event reaching 50,000 recently subscribed channels with its payload once, quickly', async () => {
    const hub = makeHub({ channelLogSize: 1 });
    const event = memberships(50_000);
    const start = BigInt(JSON.parse(poll(hub, { channels: event.channels }).bodies[0]!).t.t); // all recently subscribed
    const started = performance.now();
    await hub.publish('demo', [event]);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(hub.stats().channels).toBe(50_000); // nothing dropped for the budget
    // One 30 KB payload, plus per channel its log, name, entry, head and tail: well under 1 KiB each.
    const counted = hub.stats().logBytes;
    expect(counted).toBeGreaterThan(30_000 + 50_000 * 256);
    expect(counted).toBeLessThan(30_000 + 50_000 * 1024);
    const caughtUp = poll(hub, { channels: ['space-49999'], after: start }).answers()[0]!;
    expect(caughtUp.m[0]!['d'].data.name).toHaveLength(30_000);
    expect(caughtUp.m[0]!['b']).toBe('space-49999');
    // The next event takes the one slot of every log: the first payload is released, counted once.
    await hub.publish('demo', [event]);
    expect(Math.abs(hub.stats().logBytes - counted)).toBeLessThan(50_000 * 8);
  });

  it('forgets a channel once nobody subscribed to it for channelLogSeconds', async () => {
    let now = 0;
    const hub = makeHub({ channelLogSeconds: 60 }, () => now);
    poll(hub, { channels: ['space-1'] });
    await hub.publish('demo', [memberships(2)]);
    expect(hub.stats().channels).toBe(1);
    now += 61_000;
    hub.sweep();
    const before = hub.stats().logBytes;
    await hub.publish('demo', [memberships(2)]);
    expect(hub.stats().logBytes).toBe(before);
  });

  it('still keeps published messages on a channel nobody subscribed to, for withTimetoken catch-up', async () => {
    const hub = makeHub();
    const start = hub.now();
    await publish(hub, 'quiet', 'kept');
    expect(
      poll(hub, { channels: ['quiet'], after: start })
        .answers()[0]!
        .m.map((m) => m['d']),
    ).toEqual(['kept']);
  });
});

describe('RealtimeHub bounds: filters', () => {
  it('refuses one distinct filter too many held on a channel with a 400 naming filter-expr', () => {
    const hub = makeHub({ maxFiltersPerChannel: 3 });
    const after = hub.now();
    const filters = [0, 1, 2, 3].map((n) => parseMessageFilter(`meta.n == ${n}`));
    for (const filter of filters.slice(0, 3)) expect(poll(hub, { channels: ['room'], after, filter }).held).toBeDefined();
    expect(poll(hub, { channels: ['room'], after, filter: filters[0] }).held).toBeDefined(); // one already held
    let refused: unknown;
    try {
      poll(hub, { channels: ['other', 'room'], after, filter: filters[3] });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(RosterError);
    expect((refused as RosterError).details[0]!.location).toBe('filter-expr');
    expect(hub.stats().held).toBe(4);
    expect(poll(hub, { channels: ['elsewhere'], after, filter: filters[3] }).held).toBeDefined();
  });

  it('counts a filter by its text: the same expression parsed again after its cache dropped it is not one more', () => {
    const hub = makeHub({ maxFiltersPerChannel: 1 });
    const cache = new MessageFilterCache(1);
    const first = cache.get('meta.n == 1');
    const held = poll(hub, { channels: ['room'], after: hub.now(), filter: first });
    cache.get('meta.n == 2'); // drops the held text from the cache
    const again = cache.get('meta.n == 1');
    expect(again).not.toBe(first);
    const second = poll(hub, { channels: ['room'], after: hub.now(), filter: again });
    expect(second.held).toBeDefined();
    expect(() => poll(hub, { channels: ['room'], after: hub.now(), filter: cache.get('meta.n == 3') })).toThrow(RosterError);
    void publish(hub, 'room', 'one', { meta: { n: 1 } });
    expect([held, second].map(({ answers }) => answers()[0]!.m.map((m) => m['d']))).toEqual([['one'], ['one']]);
  });

  it('folds each long field once per message for every LIKE of every filter', () => {
    const cjk = (from: number) => Array.from({ length: 10_000 }, (_, index) => String.fromCodePoint(from + index)).join('');
    const subject = { meta: { a: cjk(0x4e00), b: cjk(0x4e00 + 10_000) }, data: null, publisher: undefined };
    const alternating = Array.from({ length: 64 }, (_, k) => `meta.${k % 2 ? 'a' : 'b'} LIKE "zz${k}*"`).join(' || ');
    const filters = [parseMessageFilter(alternating), parseMessageFilter(alternating.replaceAll('zz', 'yy'))];
    const started = performance.now();
    for (const filter of filters) filter(subject);
    // Folding 20,000 CJK characters 64 times takes about half a second; twice, a few milliseconds.
    expect(performance.now() - started).toBeLessThan(150);
  });

  it('keeps the filters in use in its cache: the least recently used text is the one dropped', () => {
    const cache = new MessageFilterCache(2);
    const hot = cache.get('meta.a == 1');
    cache.get('meta.b == 1');
    expect(cache.get('meta.a == 1')).toBe(hot);
    cache.get('meta.c == 1'); // drops meta.b, the least recently used
    expect(cache.get('meta.a == 1')).toBe(hot);
  });
});
