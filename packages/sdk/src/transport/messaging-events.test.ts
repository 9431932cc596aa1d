import { describe, expect, it } from 'vitest';
import type { PNMessageActionEvent, PNMessageEvent, PNSignalEvent } from '../models/events.ts';
import { Listeners } from './listeners.ts';

const action = (event: string, data: Record<string, unknown>) => ({ source: 'actions', version: '1.0', event, data });

describe('signal and message action routing', () => {
  it('gives signals and messages their customMessageType', () => {
    const listeners = new Listeners();
    const signals: PNSignalEvent[] = [];
    const messages: PNMessageEvent[] = [];
    listeners.add({ signal: (event) => signals.push(event), message: (event) => messages.push(event) });
    listeners.envelopes(
      [
        { c: 'room', d: { type: 'typing' }, e: 1, i: 'ann', p: { t: '1' }, cmt: 'typing' },
        { c: 'room', d: 'hi', e: 0, i: 'bob', p: { t: '2' }, cmt: 'text' },
      ],
      ['room'],
    );
    expect(signals).toEqual([
      { channel: 'room', subscription: 'room', timetoken: '1', message: { type: 'typing' }, publisher: 'ann', customMessageType: 'typing' },
    ]);
    expect(messages).toEqual([
      { channel: 'room', subscription: 'room', timetoken: '2', message: 'hi', publisher: 'bob', userMetadata: undefined, customMessageType: 'text' },
    ]);
  });

  it('turns e:3 envelopes into messageAction events, the actor as publisher and data.uuid', () => {
    const listeners = new Listeners();
    const events: PNMessageActionEvent[] = [];
    listeners.add({ messageAction: (event) => events.push(event) });
    const data = { type: 'reaction', value: '👍', messageTimetoken: '17000000000000001', actionTimetoken: '17000000000000002' };
    listeners.envelopes(
      [
        { c: 'room', d: action('added', data), e: 3, i: 'ann', p: { t: '17000000000000002' } },
        { c: 'room', d: action('removed', data), e: 3, i: 'ann', p: { t: '17000000000000003' } },
        { c: 'room', d: action('changed', data), e: 3, i: 'ann', p: { t: '4' } },
        { c: 'room', d: { source: 'objects', event: 'added', data }, e: 3, p: { t: '5' } },
        { c: 'room', d: action('added', { type: 'reaction' }), e: 3, p: { t: '6' } },
        { c: 'other', d: action('added', data), e: 3, i: 'ann', p: { t: '7' } },
      ],
      ['room'],
    );
    expect(events).toEqual([
      { channel: 'room', subscription: 'room', timetoken: '17000000000000002', event: 'added', publisher: 'ann', data: { ...data, uuid: 'ann' } },
      { channel: 'room', subscription: 'room', timetoken: '17000000000000003', event: 'removed', publisher: 'ann', data: { ...data, uuid: 'ann' } },
    ]);
  });
});
