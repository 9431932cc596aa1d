import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../bus.ts';
import { appContextParts, envelopeText, messageActionEnvelope, messageEnvelope, signalEnvelope } from '../envelope.ts';
import { Sequencer } from '../sequencer.ts';
import { TimetokenClock } from '../timetoken.ts';
import { RefusedMessage } from './checks.ts';
import { NatsSubjects } from './subjects.ts';
import { encode, HEADERS, readStored, restamp, toBusMessage } from './wire.ts';

const origin = (channel: string, timetoken: string) => ({ subKey: 'demo', channel, timetoken, region: 1 });

function published(channel: string, timetoken: string): BusMessage {
  const envelope = messageEnvelope(origin(channel, timetoken), {
    payloadJson: '{"text":"\\"p\\":{\\"t\\":\\"1\\""}',
    metaJson: '{"kind":"note"}',
    publisher: '"p":{"t":"',
  });
  return { subKey: 'demo', channel, timetoken, envelope, subject: { meta: { kind: 'note' }, data: { text: '"p":{"t":"1"' }, publisher: '"p":{"t":"' } };
}

const event = (channel: string, timetoken: string): BusMessage => ({
  subKey: 'demo',
  channel,
  timetoken,
  envelope: appContextParts(origin(channel, timetoken), '{"source":"objects","data":{"id":"Zoë 😀\\n"}}'),
});

/** Stores and reads back a message as a node would: body text, headers, and the shared payload when there is one. */
function roundTrip(message: BusMessage, shared: boolean): BusMessage {
  const outgoing = encode(message, shared);
  const header = new Map<string, string>([
    [HEADERS.timetoken, message.timetoken],
    [HEADERS.kind, outgoing.kind],
  ]);
  if (outgoing.cut !== undefined) header.set(HEADERS.cut, outgoing.cut);
  if (shared) header.set(HEADERS.ref, '7');
  const stored = readStored((name) => header.get(name) ?? '', outgoing.body);
  const payload = typeof message.envelope === 'string' ? undefined : message.envelope.payload;
  return toBusMessage(message.subKey, message.channel, stored, shared ? payload : undefined);
}

describe('the wire form of bus messages', () => {
  it('gives back a published message, its filter subject parsed from the envelope', () => {
    const message = published('room', '17000000000000001');
    expect(roundTrip(message, false)).toEqual(message);
    expect(encode(message, false)).toEqual({ kind: 'm', body: message.envelope });
  });

  it('gives back a signal as a message with e: 1, its filter subject parsed from the envelope', () => {
    const envelope = signalEnvelope(origin('room', '17000000000000003'), {
      payloadJson: '{"type":"typing"}',
      publisher: 'alice',
      customMessageType: 'typing-sig',
    });
    const message: BusMessage = {
      subKey: 'demo',
      channel: 'room',
      timetoken: '17000000000000003',
      envelope,
      subject: { meta: undefined, data: { type: 'typing' }, publisher: 'alice' },
    };
    expect(encode(message, false)).toEqual({ kind: 'm', body: envelope });
    const back = roundTrip(message, false);
    expect(back).toEqual(message);
    expect(JSON.parse(back.envelope as string)).toMatchObject({ e: 1, i: 'alice', cmt: 'typing-sig', d: { type: 'typing' } });
  });

  it('gives back a message action event as an envelope with no filter subject', () => {
    const at = '17000000000000004';
    const action = { type: 'reactions', value: '"p":{"t":"1"', messageTimetoken: '17000000000000001', actionTimetoken: '17000000000000002' };
    const envelope = messageActionEnvelope(origin('room', at), { event: 'removed', uuid: 'bob', action });
    const message: BusMessage = { subKey: 'demo', channel: 'room', timetoken: at, envelope };
    expect(encode(message, false)).toEqual({ kind: 'e', body: envelope });
    expect(roundTrip(message, false)).toEqual(message);
    restamp(message, '17000000000000009');
    expect(JSON.parse(message.envelope as string)).toMatchObject({ e: 3, i: 'bob', p: { t: '17000000000000009' }, d: { event: 'removed', data: action } });
  });

  it('carries what the sequencer makes of signals and action events, less what only the in-process bus needs', () => {
    const sequencer = new Sequencer(new TimetokenClock(() => 17_000_000_000_000_000n), 1);
    const signal = sequencer.signal('demo', 'room', { payload: 1, meta: undefined, publisher: 'alice', customMessageType: undefined });
    expect(roundTrip(signal, false)).toEqual(signal);
    const action = sequencer.action('demo', 'room', {
      event: 'added',
      uuid: 'bob',
      action: { type: 'edited', value: 'new text', messageTimetoken: '1', actionTimetoken: '2' },
    });
    const { alwaysLogged, ...carried } = action;
    expect(alwaysLogged).toBe(true);
    expect(roundTrip(action, false)).toEqual(carried);
  });

  it('gives back an event in parts, its payload inline or stored once and referred to', () => {
    const message = event('room.1', '17000000000000002');
    expect(roundTrip(message, false)).toEqual(message);
    expect(roundTrip(message, true)).toEqual(message);
    const shared = encode(message, true);
    expect(shared.kind).toBe('r');
    expect(shared.body).not.toContain('Zoë');
  });

  it('refuses a stored message that is not Roster’s, and an envelope whose shared payload is gone', () => {
    expect(() => readStored(() => '', '{}')).toThrow('Not a Roster envelope');
    const stored = readStored((name) => ({ [HEADERS.timetoken]: '1', [HEADERS.kind]: 'r', [HEADERS.cut]: '2', [HEADERS.ref]: '9' })[name] ?? '', 'abcd');
    expect(() => toBusMessage('demo', 'room', stored)).toThrow('missing');
  });

  it('moves a message to a later timetoken in its envelope, not in a publisher or payload that looks alike', () => {
    const message = published('room', '17000000000000001');
    restamp(message, '17000000000000009');
    expect(message.timetoken).toBe('17000000000000009');
    const parsed = JSON.parse(message.envelope as string) as { p: { t: string }; i: string; d: unknown };
    expect(parsed.p.t).toBe('17000000000000009');
    expect(parsed.i).toBe('"p":{"t":"');
    expect(parsed.d).toEqual({ text: '"p":{"t":"1"' });

    const parts = event('room', '17000000000000002');
    const payload = typeof parts.envelope === 'string' ? '' : parts.envelope.payload;
    restamp(parts, '17000000000000010');
    expect((JSON.parse(envelopeText(parts.envelope)) as { p: { t: string } }).p.t).toBe('17000000000000010');
    expect(typeof parts.envelope === 'string' ? undefined : parts.envelope.payload).toBe(payload);
  });
});

describe('the wire form of presence events', () => {
  it('gives back a presence event on its -pnpres channel as an envelope with no filter subject, restamped in place', () => {
    const event = { action: 'join', uuid: 'bob', occupancy: 1, timestamp: 1_700_000_000, precise_timestamp: 1_700_000_000_001 } as const;
    const message = new Sequencer(new TimetokenClock(), 1).presence('demo', 'room', event);
    expect(message.channel).toBe('room-pnpres');
    expect(encode(message, false)).toEqual({ kind: 'e', body: message.envelope });
    // Delivery logs it wherever it goes on one node; over NATS, JetStream's retention serves that.
    const { alwaysLogged, ...carried } = message;
    expect(alwaysLogged).toBe(true);
    expect(roundTrip(message, false)).toEqual(carried);
    const later = (BigInt(message.timetoken) + 1n).toString();
    restamp(message, later);
    expect(JSON.parse(envelopeText(message.envelope))).toMatchObject({ p: { t: later }, c: 'room-pnpres', d: event, b: 'room-pnpres' });
  });

  it('puts a -pnpres channel in a subject token of its own, read back as it is', () => {
    const subjects = new NatsSubjects('roster');
    for (const channel of ['room-pnpres', 'a.b-pnpres', 'x'.repeat(200) + '-pnpres']) {
      const subject = subjects.channel('demo', channel);
      const header = new Map(subjects.channelHeaders(channel));
      expect(subjects.parse(subject, (name) => header.get(name) ?? '')).toEqual({ kind: 'channel', subKey: 'demo', channel });
      expect(subject).not.toBe(subjects.channel('demo', channel.slice(0, -'-pnpres'.length)));
    }
  });
});

describe('NatsSubjects', () => {
  it('puts any keyset and channel name in one subject token each, and reads them back', () => {
    const subjects = new NatsSubjects('prod.roster');
    const subject = subjects.channel('sub-c-1', 'a.b *>😀');
    expect(subject).toMatch(/^prod\.roster\.c\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(subjects.parse(subject)).toEqual({ kind: 'channel', subKey: 'sub-c-1', channel: 'a.b *>😀' });
    expect(subjects.parse(subjects.payload('sub-c-1', 'abc1'))).toEqual({ kind: 'payload', subKey: 'sub-c-1' });
    expect(subjects.parse('other.c.x.y')).toBeUndefined();
    expect(subjects.all()).toBe('prod.roster.>');
  });

  it('refuses a prefix that is not plain subject tokens, and an empty name', () => {
    for (const bad of ['', 'a..b', 'a.*', 'a b', 'a.>']) expect(() => new NatsSubjects(bad)).toThrow('prefix');
    expect(() => new NatsSubjects('roster').channel('demo', '')).toThrow('empty');
  });
});

describe('what a node checks of a stored message before delivering it', () => {
  const now = Date.parse('2025-01-15T12:00:00Z');
  const at = (ms: number) => (BigInt(ms) * 10_000n).toString();
  const headersOf = (values: Record<string, string>) => (name: string) => values[name] ?? '';
  const read = (values: Record<string, string>, text: string) => readStored(headersOf(values), text, now);
  const stored = (kind: string, text: string, more: Record<string, string> = {}) => read({ [HEADERS.timetoken]: at(now), [HEADERS.kind]: kind, ...more }, text);

  it('refuses a timetoken further ahead of its storing time than any node’s clock runs, or too long to be one', () => {
    expect(read({ [HEADERS.timetoken]: at(now + 119_000), [HEADERS.kind]: 'e' }, '{}').timetoken).toBe(at(now + 119_000));
    expect(() => read({ [HEADERS.timetoken]: at(now + 121_000), [HEADERS.kind]: 'e' }, '{}')).toThrow(RefusedMessage);
    expect(() => read({ [HEADERS.timetoken]: '9999999999999999999', [HEADERS.kind]: 'e' }, '{}')).toThrow('Not a Roster envelope');
    expect(() => read({ [HEADERS.timetoken]: '10000000000000000000', [HEADERS.kind]: 'e' }, '{}')).toThrow(RefusedMessage);
  });

  it('refuses cuts outside the body and references that are not stream sequences', () => {
    expect(() => stored('i', 'abc', { [HEADERS.cut]: '-5,99999999' })).toThrow(RefusedMessage);
    expect(() => stored('i', 'abc', { [HEADERS.cut]: '2,2' })).toThrow(RefusedMessage);
    expect(() => stored('i', 'abc', { [HEADERS.cut]: '1' })).toThrow(RefusedMessage);
    expect(() => stored('r', 'abc', { [HEADERS.cut]: '4', [HEADERS.ref]: '1' })).toThrow(RefusedMessage);
    expect(() => stored('r', 'abc', { [HEADERS.cut]: '1', [HEADERS.ref]: '' })).toThrow(RefusedMessage);
    expect(() => stored('r', 'abc', { [HEADERS.cut]: '1', [HEADERS.ref]: '0' })).toThrow(RefusedMessage);
    expect(stored('r', 'abc', { [HEADERS.cut]: '1', [HEADERS.ref]: '12' })).toMatchObject({ cut: [1], ref: 12 });
  });

  it('delivers only envelopes that are JSON objects naming their own timetoken, keyset and channel', () => {
    const timetoken = at(now);
    const good = published('room', timetoken);
    expect(toBusMessage('demo', 'room', stored('m', good.envelope as string))).toEqual(good);
    const refused = [
      stored('e', ']],"x":'),
      stored('e', '[1]'),
      stored('m', (good.envelope as string).replace('"c":"room"', '"c":"lobby"')),
      stored('m', (good.envelope as string).replace(`"t":"${timetoken}"`, '"t":"1"')),
    ];
    for (const message of refused) expect(() => toBusMessage('demo', 'room', message)).toThrow(RefusedMessage);
    expect(() => toBusMessage('other', 'room', stored('m', good.envelope as string))).toThrow(RefusedMessage);
  });

  it('delivers an envelope in parts only when its head and tail frame the payload, and its payload is JSON', () => {
    const parts = event('room', at(now)).envelope as { head: string; payload: string; tail: string };
    const inParts = (head: string, payload: string, tail: string) => stored('i', head + payload + tail, { [HEADERS.cut]: `${head.length},${payload.length}` });
    expect(toBusMessage('demo', 'room', inParts(parts.head, parts.payload, parts.tail)).envelope).toEqual(parts);
    expect(() => toBusMessage('demo', 'room', inParts(parts.head, '1,"x":2', parts.tail))).toThrow(RefusedMessage);
    // Valid JSON naming the right channel, but not framed as a node frames it: the tail must open with `,"b":`.
    expect(() => toBusMessage('demo', 'room', inParts(parts.head.replace('{', '{"b":"room",'), parts.payload, '}'))).toThrow(RefusedMessage);
    const shared = stored('r', parts.head + parts.tail, { [HEADERS.cut]: String(parts.head.length), [HEADERS.ref]: '3' });
    expect(toBusMessage('demo', 'room', shared, parts.payload).envelope).toEqual(parts);
    expect(() => toBusMessage('demo', 'lobby', shared, parts.payload)).toThrow(RefusedMessage);
  });
});

describe('NatsSubjects for names of any length', () => {
  it('hashes a channel name too long for a subject token, and reads it back only from a header that hashes to it', () => {
    const subjects = new NatsSubjects('roster');
    const long = 'ü'.repeat(5000);
    const subject = subjects.channel('demo', long);
    expect(subject.length).toBeLessThan(100);
    const [[name, value]] = subjects.channelHeaders(long) as [[string, string]];
    expect(subjects.parse(subject, (header) => (header === name ? value : ''))).toEqual({ kind: 'channel', subKey: 'demo', channel: long });
    const other = subjects.channelHeaders('ö'.repeat(5000))[0]![1];
    expect(subjects.parse(subject, (header) => (header === name ? other : ''))).toBeUndefined();
    expect(subjects.parse(subject)).toBeUndefined();
    expect(subjects.channelHeaders('room')).toEqual([]);
  });

  it('reads only subjects it would make, and tells a keyset’s payload subjects from another’s', () => {
    const subjects = new NatsSubjects('roster');
    const room = subjects.channel('demo', 'room');
    expect(subjects.parse(`${room.slice(0, -1)}!`)).toBeUndefined();
    expect(subjects.parse(`roster.h.${room.split('.')[2]}.cm9vbQ`)).toBeUndefined(); // a short name is never hashed
    expect(subjects.isPayloadOf(subjects.payload('demo', 'abc'), 'demo')).toBe(true);
    expect(subjects.isPayloadOf(subjects.payload('other', 'abc'), 'demo')).toBe(false);
    expect(subjects.isPayloadOf(room, 'demo')).toBe(false);
  });
});
