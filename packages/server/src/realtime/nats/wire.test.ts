import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../bus.ts';
import { appContextParts, envelopeText, messageEnvelope } from '../envelope.ts';
import { NatsSubjects } from './subjects.ts';
import { encode, HEADERS, readStored, restamp, toBusMessage } from './wire.ts';

const origin = (channel: string, timetoken: string) => ({ subKey: 'demo', channel, timetoken, region: 1 });

function published(channel: string, timetoken: string): BusMessage {
  const envelope = messageEnvelope(origin(channel, timetoken), { payloadJson: '{"text":"\\"p\\":{\\"t\\":\\"1\\""}', metaJson: '{"kind":"note"}', publisher: '"p":{"t":"' });
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
