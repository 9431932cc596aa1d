import { afterEach, describe, expect, it } from 'vitest';
import { keysetFrom } from '../model/keyset.ts';
import { RealtimeHub } from '../realtime/hub.ts';
import { TimetokenClock, type Timetoken } from '../realtime/timetoken.ts';
import { createStore } from '../store/create.ts';
import type { Store } from '../store/store.ts';
import { ExpiryPurge } from './purge.ts';
import { MAX_MESSAGE_BYTES } from '../http/publish.ts';
import { MAX_HISTORY_ANSWER_BYTES, MAX_STORED_MESSAGE_BYTES, MessagesService } from './service.ts';
import { deleteRange, expiresAt, parseTimetoken, readRange } from './timetokens.ts';

/** Timetoken units (100 ns) in an hour. */
const HOUR = 36_000_000_000n;

/** A real SQLite store (in memory) and a real hub whose clock the test moves. */
async function setup(retentionHours = 0) {
  let wall: Timetoken = 17_000_000_000_000_000n;
  const store = await createStore({ db: ':memory:', synchronous: 'normal' });
  const hub = new RealtimeHub({}, { clock: new TimetokenClock(() => wall) });
  const messages = new MessagesService(store.messages, hub);
  const keyset = keysetFrom({ publishKey: 'p', subscribeKey: 's', messageRetentionHours: retentionHours });
  opened.push({ store, hub });
  const publish = (text: string, options: { store?: boolean; ttlHours?: number } = {}) =>
    messages.publish(
      keyset,
      'room',
      { payload: text, payloadJson: JSON.stringify(text), meta: undefined, publisher: 'alice', customMessageType: undefined },
      {
        store: options.store ?? true,
        ttlHours: options.ttlHours,
      },
    );
  const texts = async (range = readRange(undefined, undefined), limit = 100) =>
    (await messages.history('s', ['room'], range, limit)).pages.get('room')!.items.map((m) => JSON.parse(m.payload) as string);
  return { messages, store, publish, texts, advance: (by: bigint) => (wall += by) };
}

const opened: { store: Store; hub: RealtimeHub }[] = [];
afterEach(async () => {
  for (const { store, hub } of opened.splice(0)) {
    await hub.close();
    await store.close();
  }
});

describe('MessagesService.publish', () => {
  it('keeps the message with the timetoken the bus took it with, and none with store off', async () => {
    const { store, publish, texts } = await setup();
    const kept = await publish('kept');
    await publish('not kept', { store: false });
    expect(await texts()).toEqual(['kept']);
    const [message] = (await store.messages.history('s', 'room', readRange(undefined, undefined), 10, kept)).items;
    expect(message).toMatchObject({ timetoken: kept, payload: '"kept"', publisher: 'alice', messageType: null });
    expect(message?.expiresAt).toBeUndefined();
  });

  it('expires a message `ttl` hours after its timetoken; ttl 0 never; absent takes the keyset retention', async () => {
    const { messages, publish, texts, advance, store } = await setup(2);
    const oneHour = await publish('one hour', { ttlHours: 1 });
    await publish('forever', { ttlHours: 0 });
    const retained = await publish('keyset retention');
    const [first, , third] = (await store.messages.history('s', 'room', {}, 10, oneHour)).items;
    expect(first?.expiresAt).toBe(expiresAt(oneHour, 1));
    expect(BigInt(first!.expiresAt!) - BigInt(oneHour)).toBe(HOUR);
    expect(BigInt(third!.expiresAt!) - BigInt(retained)).toBe(2n * HOUR);

    advance(HOUR - 10n);
    expect(await texts()).toEqual(['one hour', 'forever', 'keyset retention']);
    advance(20n);
    expect(await texts()).toEqual(['forever', 'keyset retention']);
    expect((await messages.counts('s', new Map([['room', '0']]))).get('room')).toBe(2);
    advance(HOUR - 20n);
    expect(await texts()).toEqual(['forever', 'keyset retention']);
    advance(100n);
    expect(await texts()).toEqual(['forever']);

    // Expired messages are left out at once; the purge gives their rows back.
    expect(await messages.purgeExpired(1000)).toBe(2);
    expect(await messages.purgeExpired(1000)).toBe(0);
    expect(await texts()).toEqual(['forever']);
  });
});

describe('ranges', () => {
  it('read: start exclusive, end inclusive, the newest `limit` oldest first', async () => {
    const { publish, texts } = await setup();
    const tts: string[] = [];
    for (const text of ['a', 'b', 'c', 'd', 'e']) tts.push(await publish(text));
    const [a, b, c, d, e] = tts as [string, string, string, string, string];
    expect(await texts(readRange(d, undefined))).toEqual(['a', 'b', 'c']);
    expect(await texts(readRange(undefined, b))).toEqual(['b', 'c', 'd', 'e']);
    expect(await texts(readRange(e, b))).toEqual(['b', 'c', 'd']);
    expect(await texts(readRange(undefined, undefined), 2)).toEqual(['d', 'e']);
    expect(await texts(readRange(e, undefined), 2)).toEqual(['c', 'd']);
    // The Chat SDK's getMessage(tt): start=tt+1&end=tt&max=1.
    expect(await texts(readRange((BigInt(c) + 1n).toString(), c), 1)).toEqual(['c']);
    expect(await texts(readRange(a, e))).toEqual([]);
  });

  it('delete: end inclusive, start exclusive, whichever is larger; equal deletes nothing, none everything', async () => {
    const { messages, publish, texts } = await setup();
    const tts: string[] = [];
    for (const text of ['a', 'b', 'c', 'd', 'e', 'f']) tts.push(await publish(text));
    const [a, b, c, d, e] = tts as [string, string, string, string, string];
    expect(await messages.remove('s', 'room', deleteRange(c, c))).toBe(0);
    // The Chat SDK's hard delete of message tt: start=tt-1&end=tt.
    expect(await messages.remove('s', 'room', deleteRange((BigInt(b) - 1n).toString(), b))).toBe(1);
    expect(await texts()).toEqual(['a', 'c', 'd', 'e', 'f']);
    // start after end: [end, start)
    expect(await messages.remove('s', 'room', deleteRange(e, c))).toBe(2);
    expect(await texts()).toEqual(['a', 'e', 'f']);
    // start before end: (start, end]
    expect(await messages.remove('s', 'room', deleteRange(a, e))).toBe(1);
    expect(await texts()).toEqual(['a', 'f']);
    expect(d).toBeDefined();
    expect(await messages.remove('s', 'room', deleteRange(undefined, undefined))).toBe(2);
    expect(await texts()).toEqual([]);
  });

  it('timetokens from clients are 1 to 19 digits within 64 bits', () => {
    expect(parseTimetoken('0017', 'start')).toBe('17');
    expect(parseTimetoken('9223372036854775807', 'end')).toBe('9223372036854775807');
    for (const bad of ['', '-1', '1.5', 'abc', '9223372036854775808', '12345678901234567890', ' 1']) {
      expect(() => parseTimetoken(bad, 'start'), bad).toThrow(expect.objectContaining({ status: 400 }));
    }
  });
});

describe('actions', () => {
  it('adds once per (uuid, type, value), removes only by its author, lists by action timetoken', async () => {
    const { messages, publish } = await setup();
    const tt = await publish('m');
    const first = await messages.addAction('s', 'room', tt, { type: 'reactions', value: '👍' }, 'bob');
    expect(first.announced).toBe(true);
    expect(BigInt(first.action.actionTimetoken)).toBeGreaterThan(BigInt(tt));
    await expect(messages.addAction('s', 'room', tt, { type: 'reactions', value: '👍' }, 'bob')).rejects.toMatchObject({
      status: 409,
      message: 'Action Already Added',
    });
    const second = await messages.addAction('s', 'room', tt, { type: 'reactions', value: '👍' }, 'carol');
    expect((await messages.historyWithActions('s', 'room', {}, 25)).actions.map((a) => a.uuid)).toEqual(['bob', 'carol']);
    await expect(messages.removeAction('s', 'room', tt, first.action.actionTimetoken, 'carol')).rejects.toMatchObject({ status: 400 });
    expect(await messages.removeAction('s', 'room', tt, first.action.actionTimetoken, 'bob')).toMatchObject({ announced: true, action: { uuid: 'bob' } });
    expect(await messages.removeAction('s', 'room', tt, first.action.actionTimetoken, 'bob')).toBeUndefined();
    expect((await messages.actions('s', 'room', {}, 100)).items).toEqual([second.action]);
  });
});

describe('history within the answer budget', () => {
  it('plans with the size publish allows a message', () => {
    expect(MAX_STORED_MESSAGE_BYTES).toBe(MAX_MESSAGE_BYTES);
  });

  it('leaves out the oldest messages of all channels, those of one timetoken together', async () => {
    const { messages, store } = await setup();
    const channels = Array.from({ length: 30 }, (_, c) => `c${c}`);
    const tt = (n: number) => String(17_000_000_000_000_000n + BigInt(n) * 10n);
    // Every channel has a message at each of 25 timetokens: 30 of 40 KB each (1.2 MB) per timetoken.
    for (const channel of channels) {
      const rows = Array.from({ length: 25 }, (_, n) => ({ channel, timetoken: tt(n), payload: JSON.stringify('x'.repeat(40_000)), messageType: null }));
      await store.messages.append('s', rows);
    }
    const { pages, cutoff } = await messages.history('s', channels, readRange(undefined, undefined), 25);
    const kept = Math.floor(MAX_HISTORY_ANSWER_BYTES / (30 * 40_002));
    expect(cutoff).toBe(tt(25 - kept));
    for (const channel of channels) {
      expect(pages.get(channel)!.items.map((m) => m.timetoken)).toEqual(Array.from({ length: kept }, (_, n) => tt(25 - kept + n)));
      expect(pages.get(channel)!.more).toBe(true);
    }
    // Read on from the cutoff: the next timetokens, nothing skipped.
    const next = await messages.history('s', channels, readRange(cutoff, undefined), 25);
    expect(next.pages.get('c0')!.items.map((m) => m.timetoken)).toEqual(Array.from({ length: kept }, (_, n) => tt(25 - 2 * kept + n)));
  });
});

describe('ExpiryPurge', () => {
  it('deletes in batches until one comes back short, and logs a failure instead of throwing', async () => {
    const calls: number[] = [];
    let left = 2500;
    const target = {
      purgeExpired: async (limit: number) => {
        calls.push(limit);
        const deleted = Math.min(limit, left);
        left -= deleted;
        return deleted;
      },
    };
    const warnings: string[] = [];
    const log = { error: () => undefined, info: () => undefined, warn: (_fields: object, message: string) => void warnings.push(message) };
    const purge = new ExpiryPurge(target, log, { batch: 1000 });
    expect(await purge.runOnce()).toBe(2500);
    expect(calls).toEqual([1000, 1000, 1000]);

    const failing = new ExpiryPurge({ purgeExpired: () => Promise.reject(new Error('disk')) }, log);
    expect(await failing.runOnce()).toBe(0);
    expect(warnings).toHaveLength(1);
    failing.start();
    await failing.stop();
    await purge.stop();
  });
});
