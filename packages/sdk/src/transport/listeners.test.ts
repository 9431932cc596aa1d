import { describe, expect, it } from 'vitest';
import type { PNMessageEvent, PNObjectsEvent, PNPresenceEvent, PNSignalEvent } from '../models/events.ts';
import { Listeners } from './listeners.ts';

const objectsPayload = { source: 'objects', version: '2.0', event: 'delete', type: 'channel', data: { id: 'room' } };

describe('listener routing', () => {
  it('routes by envelope type and drops what is not subscribed', () => {
    const listeners = new Listeners();
    const messages: PNMessageEvent[] = [];
    const objects: PNObjectsEvent[] = [];
    const signals: PNSignalEvent[] = [];
    listeners.add({ message: (event) => messages.push(event), objects: (event) => objects.push(event), signal: (event) => signals.push(event) });
    listeners.envelopes(
      [
        { c: 'room', d: { text: 'hi' }, i: 'ann', p: { t: '1' }, u: { lang: 'en' } },
        { c: 'room', d: objectsPayload, e: 2, p: { t: '2' } },
        { c: 'room', d: 'ping', e: 1, i: 'bob', p: { t: '3' } },
        { c: 'elsewhere', d: 'not subscribed', p: { t: '4' } },
        { c: 'room', d: 'not an objects payload', e: 2, p: { t: '5' } },
        { c: 'room', d: 'message action', e: 3, p: { t: '6' } },
        { c: 'room-pnpres', b: 'room', d: { action: 'join' }, p: { t: '7' } },
      ],
      ['room'],
    );
    expect(messages).toEqual([
      { channel: 'room', subscription: 'room', timetoken: '1', message: { text: 'hi' }, publisher: 'ann', userMetadata: { lang: 'en' } },
    ]);
    expect(objects).toEqual([{ channel: 'room', subscription: 'room', timetoken: '2', message: objectsPayload }]);
    expect(signals).toEqual([{ channel: 'room', subscription: 'room', timetoken: '3', message: 'ping', publisher: 'bob' }]);
  });

  it('routes -pnpres envelopes to presence listeners only, for subscribed channels and groups', () => {
    const listeners = new Listeners();
    const presence: PNPresenceEvent[] = [];
    const messages: PNMessageEvent[] = [];
    listeners.add({ presence: (event) => presence.push(event), message: (event) => messages.push(event) });
    const join = (uuid: string) => ({ action: 'join', uuid, timestamp: 1790574122, occupancy: 1 });
    listeners.envelopes(
      [
        { c: 'room-pnpres', d: join('ann'), p: { t: '1' } },
        { c: 'hall-pnpres', b: 'rooms-pnpres', d: join('bob'), p: { t: '2' } },
        { c: 'other-pnpres', d: join('eve'), p: { t: '3' } },
        { c: 'hall', b: 'rooms', d: 'in a group', p: { t: '4' } },
      ],
      ['room', 'room-pnpres', 'rooms', 'rooms-pnpres'],
    );
    expect(presence).toEqual([
      { channel: 'room', subscription: 'room-pnpres', timetoken: '1', action: 'join', uuid: 'ann', occupancy: 1, timestamp: 1790574122 },
      { channel: 'hall', subscription: 'rooms-pnpres', timetoken: '2', action: 'join', uuid: 'bob', occupancy: 1, timestamp: 1790574122 },
    ]);
    expect(messages).toEqual([
      { channel: 'hall', subscription: 'rooms', timetoken: '4', message: 'in a group', publisher: undefined, userMetadata: undefined },
    ]);
  });

  it('one throwing listener does not keep the others from their events', async () => {
    const listeners = new Listeners();
    const seen: string[] = [];
    const uncaught: unknown[] = [];
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (callback) => {
      try {
        callback();
      } catch (error) {
        uncaught.push(error);
      }
    };
    try {
      listeners.add({
        message: () => {
          throw new Error('listener bug');
        },
      });
      listeners.add({ message: (event) => seen.push(String(event.message)) });
      listeners.envelopes([{ c: 'a', d: 'x', p: { t: '1' } }], ['a']);
    } finally {
      globalThis.queueMicrotask = original;
    }
    expect(seen).toEqual(['x']);
    expect(uncaught).toEqual([new Error('listener bug')]);
  });
});
