import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../model/keyset.ts';
import { RosterError } from '../errors.ts';
import { checkEnds, checkMembershipLimits, membershipBatch } from './membership-rules.ts';

/** The one detail of the 400 that `run` throws. */
function refusal(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof RosterError && error.status === 400) return error.details[0];
    throw error;
  }
  throw new Error('nothing was refused');
}

describe('referential integrity', () => {
  const ids = { uuidId: 'alice', channelId: 'room' };

  it('names the path id as a path location and the item’s id as a body location', () => {
    expect(refusal(() => checkEnds('uuid', 2, ids, { uuid: false, channel: false }))).toEqual({
      location: 'uuid',
      locationType: 'path',
      message: "User 'alice' does not exist (this keyset enforces referential integrity).",
    });
    expect(refusal(() => checkEnds('uuid', 2, ids, { uuid: true, channel: false }))).toMatchObject({ location: 'set[2].channel.id', locationType: 'body' });
    expect(refusal(() => checkEnds('channel', 1, ids, { uuid: false, channel: true }))).toMatchObject({ location: 'set[1].uuid.id', locationType: 'body' });
    expect(refusal(() => checkEnds('channel', 1, ids, { uuid: true, channel: false }))).toEqual({
      location: 'channel',
      locationType: 'path',
      message: "Channel 'room' does not exist (this keyset enforces referential integrity).",
    });
    expect(() => checkEnds('uuid', 0, ids, { uuid: true, channel: true })).not.toThrow();
  });

  it('is checked on a set item before its fields, in the order of the items', () => {
    const keyset = { subscribeKey: 'k', referentialIntegrity: true, limits: { ...DEFAULT_LIMITS, maxRecordBytes: 200 } };
    const body = {
      set: [
        { otherId: 'ok', patch: { custom: { big: 'x'.repeat(300) } } },
        { otherId: 'ghost', patch: {} },
      ],
      delete: [],
    };
    const batch = membershipBatch({ side: 'uuid', ownerId: 'alice', body, merge: false }, keyset);
    expect(batch.lookUpEnds).toBe(true);
    const [big, ghost] = batch.set;
    expect(refusal(() => ghost!.decide(undefined, { uuid: true, channel: false }))).toMatchObject({ location: 'set[1].channel.id' });
    expect(refusal(() => big!.decide(undefined, { uuid: true, channel: true }))).toMatchObject({ location: 'set[0]' });
    expect(refusal(() => big!.decide(undefined, { uuid: true, channel: false }))).toMatchObject({ location: 'set[0].channel.id' });
  });
});

describe('membership limits', () => {
  const limits = { ...DEFAULT_LIMITS, maxMembershipsPerUser: 2, maxMembersPerChannel: 3 };
  const counts = (ofUser: [string, number][], ofChannel: [string, number][]) => ({ ofUser: new Map(ofUser), ofChannel: new Map(ofChannel) });

  it('allow reaching a limit and refuse passing it, users before channels', () => {
    expect(() => checkMembershipLimits(counts([['alice', 2]], [['room', 3]]), limits)).not.toThrow();
    expect(refusal(() => checkMembershipLimits(counts([['alice', 3]], [['room', 4]]), limits))).toEqual({
      location: 'set',
      locationType: 'body',
      message: "User 'alice' would exceed 2 memberships.",
    });
    expect(
      refusal(() =>
        checkMembershipLimits(
          counts(
            [['alice', 1]],
            [
              ['hall', 1],
              ['room', 4],
            ],
          ),
          limits,
        ),
      ),
    ).toMatchObject({
      message: "Channel 'room' would exceed 3 members.",
    });
  });

  it('are the check a PATCH batch runs on the counts after it', () => {
    const batch = membershipBatch(
      { side: 'channel', ownerId: 'room', body: { set: [], delete: [] }, merge: false },
      { subscribeKey: 'k', referentialIntegrity: false, limits },
    );
    expect(batch.lookUpEnds).toBe(false);
    expect(refusal(() => batch.checkCounts!(counts([], [['room', 4]])))).toMatchObject({ message: "Channel 'room' would exceed 3 members." });
  });
});
