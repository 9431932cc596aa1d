import { describe, expect, it } from 'vitest';
import type { ObjectEvent } from '../objects/events.ts';
import { envelopeText } from './envelope.ts';
import { Sequencer } from './sequencer.ts';
import { TimetokenClock } from './timetoken.ts';

const WALL = 17_000_000_000_000_000n;

function sequencer(region = 3) {
  return new Sequencer(new TimetokenClock(() => WALL), region);
}

const uuidSet = (id: string, channels: string[]): ObjectEvent => ({
  channels,
  payload: { source: 'objects', version: '2.0', event: 'set', type: 'uuid', data: { id } },
});

describe('Sequencer', () => {
  it('gives a message a new timetoken and renders it, with the region, into the envelope', () => {
    const sequenced = sequencer().message('demo', 'room', {
      payload: { text: 'hi' },
      meta: { kind: 'note' },
      publisher: 'alice',
      customMessageType: 'text-message',
    });
    expect(sequenced.timetoken).toBe(String(WALL));
    expect(sequenced).toMatchObject({ subKey: 'demo', channel: 'room' });
    expect(JSON.parse(envelopeText(sequenced.envelope))).toEqual({
      a: '1',
      f: 0,
      i: 'alice',
      p: { t: String(WALL), r: 3 },
      k: 'demo',
      c: 'room',
      u: { kind: 'note' },
      d: { text: 'hi' },
      cmt: 'text-message',
      b: 'room',
    });
    expect(sequenced.subject).toEqual({ meta: { kind: 'note' }, data: { text: 'hi' }, publisher: 'alice' });
  });

  it('turns events into one message per event and distinct channel, in order, with rising timetokens and no filter subject', () => {
    const batch = sequencer().events('demo', [uuidSet('alice', ['alice', 'room', 'alice']), uuidSet('bob', ['room'])]);
    expect(batch.map((m) => [m.channel, JSON.parse(envelopeText(m.envelope)).d.data.id])).toEqual([
      ['alice', 'alice'],
      ['room', 'alice'],
      ['room', 'bob'],
    ]);
    const timetokens = batch.map((m) => BigInt(m.timetoken));
    expect(timetokens).toEqual([...timetokens].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(timetokens).size).toBe(3);
    expect(batch.every((m) => m.subject === undefined && JSON.parse(envelopeText(m.envelope)).e === 2)).toBe(true);
  });

  it('gives a signal e: 1 and a filter subject, and an action event e: 3, no subject, and a place in every channel log', () => {
    const s = sequencer();
    const signal = s.signal('demo', 'room', { payload: { type: 'typing' }, meta: undefined, publisher: 'alice', customMessageType: undefined });
    expect(JSON.parse(envelopeText(signal.envelope))).toMatchObject({ e: 1, i: 'alice', d: { type: 'typing' } });
    expect(signal.subject).toEqual({ meta: undefined, data: { type: 'typing' }, publisher: 'alice' });
    const action = s.action('demo', 'room', { event: 'added', uuid: 'bob', action: { type: 't', value: 'v', messageTimetoken: '1', actionTimetoken: '2' } });
    expect(JSON.parse(envelopeText(action.envelope))).toMatchObject({ e: 3, i: 'bob', p: { t: action.timetoken } });
    expect(action.subject).toBeUndefined();
    expect(action.alwaysLogged).toBe(true);
    expect(BigInt(action.timetoken)).toBeGreaterThan(BigInt(signal.timetoken));
  });

  it('puts a presence event on the channel’s -pnpres, with no filter subject, logged wherever it goes', () => {
    const event = { action: 'leave', uuid: 'bob', occupancy: 0, timestamp: 1_700_000_000, precise_timestamp: 1_700_000_000_123 } as const;
    const presence = sequencer().presence('demo', 'room', event);
    expect(presence).toEqual({ subKey: 'demo', channel: 'room-pnpres', timetoken: String(WALL), envelope: expect.any(String), alwaysLogged: true });
    expect(JSON.parse(envelopeText(presence.envelope))).toMatchObject({ p: { t: String(WALL), r: 3 }, c: 'room-pnpres', b: 'room-pnpres', d: event });
    expect(presence.subject).toBeUndefined();
    expect(presence.alwaysLogged).toBe(true);
  });

  it('hands the bus plain data: a sequenced message comes through a JSON round trip unchanged', () => {
    const message = sequencer().message('demo', 'room', {
      payload: ['x', { y: [1, null] }],
      meta: { n: 1 },
      publisher: undefined,
      customMessageType: undefined,
    });
    const [event] = sequencer().events('demo', [uuidSet('alice', ['alice'])]);
    for (const sequenced of [message, event!]) expect(JSON.parse(JSON.stringify(sequenced))).toEqual(sequenced);
    expect(typeof message.timetoken).toBe('string');
  });
});
