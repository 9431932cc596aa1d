import { describe, expect, expectTypeOf, it } from 'vitest';
import { isSubscribeEnvelope, type ChannelObject, type ListBody, type MembershipObject, type UserObject } from './wire.ts';

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
});
