import { describe, expect, it } from 'vitest';
import { keysetFrom, type KeysetInput } from '../model/keyset.ts';
import type { ChannelRecord, MembershipRecord, UuidRecord } from '../model/records.ts';
import { eventsText, membershipEvents, objectDeleteEvents, objectSetEvents, payloadText, type ObjectEvent } from './events.ts';

const keyset = (options: Partial<KeysetInput> = {}) => keysetFrom({ publishKey: 'pub', subscribeKey: 'sub', ...options });

const alice: UuidRecord = {
  id: 'alice',
  name: 'Alice',
  externalId: null,
  profileUrl: null,
  email: 'alice@example.com',
  status: 'active',
  type: null,
  custom: { team: 'red' },
  updated: '2024-03-07T08:49:07.011600Z',
  eTag: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
};

const room: ChannelRecord = {
  id: 'room',
  name: 'Room',
  description: null,
  status: null,
  type: null,
  custom: null,
  updated: '2024-03-07T08:49:07.000000Z',
  eTag: 'abc',
};

const link: MembershipRecord = {
  uuidId: 'alice',
  channelId: 'room',
  status: 'admin',
  type: null,
  custom: { seat: 1 },
  updated: '2024-03-07T08:49:07.500000Z',
  eTag: 'AbCdEfGhIjKlMn',
};

describe('user and channel set events', () => {
  it('carry the id, every field the request sent, updated in wire form and the eTag', () => {
    const [event] = objectSetEvents(keyset(), 'uuid', alice, ['name', 'custom'], []);
    expect(event?.payload).toEqual({
      source: 'objects',
      version: '2.0',
      event: 'set',
      type: 'uuid',
      data: { id: 'alice', name: 'Alice', custom: { team: 'red' }, updated: '2024-03-07T08:49:07.0116Z', eTag: alice.eTag },
    });
  });

  it('carry a field cleared with null as null', () => {
    const cleared = { ...alice, email: null };
    expect(objectSetEvents(keyset(), 'uuid', cleared, ['email'], [])[0]?.payload.data).toMatchObject({ email: null });
  });

  it("go on the user's channel and every channel the user is a member of", () => {
    expect(objectSetEvents(keyset(), 'uuid', alice, ['name'], ['room', 'alice', 'lobby'])[0]?.channels).toEqual(['alice', 'room', 'lobby']);
  });

  it("go only on the user's channel when userEventsToMemberChannels is off", () => {
    expect(objectSetEvents(keyset({ userEventsToMemberChannels: false }), 'uuid', alice, ['name'], ['room'])[0]?.channels).toEqual(['alice']);
  });

  it("go on the channel's own channel for a channel", () => {
    const [event] = objectSetEvents(keyset(), 'channel', room, ['name', 'description'], ['ignored']);
    expect(event?.channels).toEqual(['room']);
    expect(event?.payload).toMatchObject({
      type: 'channel',
      data: { id: 'room', name: 'Room', description: null, updated: '2024-03-07T08:49:07Z', eTag: 'abc' },
    });
  });

  it('are not sent when the keyset turns that kind off', () => {
    expect(objectSetEvents(keyset({ userEvents: false }), 'uuid', alice, ['name'], [])).toEqual([]);
    expect(objectSetEvents(keyset({ channelEvents: false }), 'channel', room, ['name'], [])).toEqual([]);
  });
});

describe('user and channel delete events', () => {
  it('carry only the id', () => {
    const [event] = objectDeleteEvents(keyset(), 'uuid', 'alice', ['room']);
    expect(event).toEqual({
      channels: ['alice', 'room'],
      payload: { source: 'objects', version: '2.0', event: 'delete', type: 'uuid', data: { id: 'alice' } },
    });
    expect(objectDeleteEvents(keyset({ channelEvents: false }), 'channel', 'room', [])).toEqual([]);
  });
});

describe('membership events', () => {
  it("a set carries uuid.id, channel.id, the item's sent fields, updated and eTag, on the channel's and the user's channel", () => {
    const [event] = membershipEvents(keyset(), [{ kind: 'set', record: link }], () => ['status', 'custom']);
    expect(event).toEqual({
      channels: ['room', 'alice'],
      payload: {
        source: 'objects',
        version: '2.0',
        event: 'set',
        type: 'membership',
        data: {
          uuid: { id: 'alice' },
          channel: { id: 'room' },
          status: 'admin',
          custom: { seat: 1 },
          updated: '2024-03-07T08:49:07.5Z',
          eTag: 'AbCdEfGhIjKlMn',
        },
      },
    });
  });

  it('a delete carries only the ids', () => {
    const [event] = membershipEvents(keyset(), [{ kind: 'delete', record: link }], () => ['status']);
    expect(event?.payload).toMatchObject({ event: 'delete', data: { uuid: { id: 'alice' }, channel: { id: 'room' } } });
    expect(Object.keys(event?.payload.data ?? {})).toEqual(['uuid', 'channel']);
  });

  it('one event per changed link, once on a channel named like the user', () => {
    const self = { ...link, channelId: 'alice' };
    const events = membershipEvents(
      keyset(),
      [
        { kind: 'set', record: link },
        { kind: 'set', record: self },
      ],
      () => [],
    );
    expect(events.map((event) => event.channels)).toEqual([['room', 'alice'], ['alice']]);
  });

  it('none when the keyset turns membership events off', () => {
    expect(membershipEvents(keyset({ membershipEvents: false }), [{ kind: 'set', record: link }], () => ['status'])).toEqual([]);
  });
});

describe('the events as text', () => {
  it('is JSON.stringify of the events, each payload rendered once for the outbox record and the envelopes alike', () => {
    const odd: UuidRecord = { ...alice, name: 'Ålice "A" \\ \u2028', custom: { emoji: '😀', count: 3.5, flag: true } };
    const events = [
      ...objectSetEvents(keyset(), 'uuid', odd, ['name', 'custom'], ['room', 'lobby']),
      ...objectDeleteEvents(keyset(), 'channel', 'room', []),
      ...membershipEvents(keyset(), [{ kind: 'set', record: link }], () => ['status', 'custom']),
    ];
    expect(eventsText(events)).toBe(JSON.stringify(events));
    expect(eventsText([])).toBe('[]');
    const [first] = events;
    expect(payloadText(first!)).toBe(JSON.stringify(first!.payload));
    // Once made, the text is the payload's, whichever event object carries it.
    expect(payloadText({ channels: ['elsewhere'], payload: first!.payload })).toBe(payloadText(first!));
  });

  it('renders a payload that is not an object, as a relayed record not written by the outbox may hold', () => {
    const odd = [{ channels: ['a'], payload: null }] as unknown as ObjectEvent[];
    expect(eventsText(odd)).toBe('[{"channels":["a"],"payload":null}]');
  });
});
