import { describe, expect, expectTypeOf, it } from 'vitest';
import { isSubscribeEnvelope, isTimetoken, type ChannelObject, type ListBody, type MembershipObject, type UserObject } from './wire.ts';

describe('wire types', () => {
  it('are plain records, so a server may hand them on as Record<string, unknown>', () => {
    expectTypeOf<UserObject>().toExtend<Record<string, unknown>>();
    expectTypeOf<ChannelObject>().toExtend<Record<string, unknown>>();
    expectTypeOf<MembershipObject>().toExtend<Record<string, unknown>>();
    expectTypeOf<ListBody<UserObject>>().toExtend<Record<string, unknown>>();
  });

  it('let a membership hold just the related id', () => {
    const membership: MembershipObject = { channel: { id: 'lobby' }, updated: '2024-03-07T08:49:07.011608Z', eTag: 'AbCd' };
    expect(membership.channel.name).toBeUndefined();
  });
});

describe('subscribe envelopes', () => {
  it('are what has a channel and a publish timetoken', () => {
    const envelope = { a: '1', f: 0, e: 2, p: { t: '17000000000000000', r: 1 }, k: 'demo', c: 'lobby', d: { type: 'uuid' }, b: 'lobby' };
    expect(isSubscribeEnvelope(envelope)).toBe(true);
    expect(isSubscribeEnvelope({ c: 'lobby', p: { t: 17000000000000000 }, d: 1 })).toBe(true);
    for (const other of [null, [], 'x', { c: 'lobby', d: 1 }, { c: 1, p: { t: '1' } }, { c: 'lobby', p: {} }, { c: 'lobby', p: [] }]) {
      expect(isSubscribeEnvelope(other), JSON.stringify(other)).toBe(false);
    }
  });

  it('need a timetoken of 1 to 20 digits, so nothing else reaches listeners as one', () => {
    for (const t of [{}, null, '', 'abc/../x?y=1&z', '-1', '1.5', '123456789012345678901', 1.5, -1, 1e21]) {
      expect(isSubscribeEnvelope({ c: 'lobby', p: { t }, d: 1 }), JSON.stringify(t)).toBe(false);
    }
  });
});

describe('timetokens', () => {
  it('are strings of 1 to 20 digits', () => {
    expect(['0', '17000000000000000', '18446744073709551615'].every(isTimetoken)).toBe(true);
    expect([17000000000000000, '', ' 1', '1 ', 'abc', '1e5', '123456789012345678901', null].some(isTimetoken)).toBe(false);
  });
});
