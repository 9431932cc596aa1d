import { describe, expect, it } from 'vitest';
import { RosterError } from '../errors.ts';
import { DEFAULT_LIMITS } from '../model/keyset.ts';
import type { ChannelRecord, MembershipRecord, UuidRecord } from '../model/records.ts';
import type { Decision } from '../store/store.ts';
import { checkPrecondition, decideMembership, decideObject, type WriteRules } from './apply.ts';

const replace: WriteRules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };
const merge: WriteRules = { ...replace, merge: true };

/** The record a decision writes; fails the test when it decides not to write. */
function written<T>(decision: Decision<T>): T {
  if (decision.kind !== 'write') throw new Error('expected a write, got "unchanged"');
  return decision.record;
}

/** Creates Alice from nothing, as a first PATCH does. */
function alice(patch: Partial<UuidRecord> = {}): UuidRecord {
  return written(
    decideObject<UuidRecord>('uuid', 'alice', { name: 'Alice', email: 'alice@example.com', custom: { team: 'red', level: 3 }, ...patch }, replace)(undefined),
  );
}

function refusal(run: () => unknown): RosterError {
  try {
    run();
  } catch (error) {
    if (error instanceof RosterError) return error;
    throw error;
  }
  throw new Error('nothing was refused');
}

describe('decideObject: PATCH of a user or channel', () => {
  it('creates the record from the patch: unsent fields are null, with a fresh eTag and updated', () => {
    const created = alice();
    expect(created).toMatchObject({ id: 'alice', name: 'Alice', email: 'alice@example.com', externalId: null, profileUrl: null, status: null, type: null });
    expect(created.custom).toEqual({ team: 'red', level: 3 });
    expect(created.eTag).toMatch(/^[0-9a-f]{32}$/);
    expect(created.updated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });

  it('changes present fields, clears fields sent as null and keeps absent ones', () => {
    const current = alice({ status: 'active' });
    const next = written(decideObject<UuidRecord>('uuid', 'alice', { name: 'Alice Liddell', email: null }, replace)(current));
    expect(next).toMatchObject({ name: 'Alice Liddell', email: null, status: 'active', custom: { team: 'red', level: 3 } });
    expect(next.eTag).not.toBe(current.eTag);
    expect(next.updated > current.updated).toBe(true);
  });

  it('replaces custom whole by default (as PubNub does)', () => {
    const next = written(decideObject<UuidRecord>('uuid', 'alice', { custom: { level: 4 } }, replace)(alice()));
    expect(next.custom).toEqual({ level: 4 });
  });

  it('clears custom when it is sent as null', () => {
    expect(written(decideObject<UuidRecord>('uuid', 'alice', { custom: null }, replace)(alice())).custom).toBeNull();
  });

  it('merges custom key by key with Roster-Custom-Merge, a null value removing its key', () => {
    const next = written(decideObject<UuidRecord>('uuid', 'alice', { custom: { level: 4, team: null, badge: 'gold' } }, merge)(alice()));
    expect(next.custom).toEqual({ level: 4, badge: 'gold' });
  });

  it('keeps a custom key named __proto__ as data when merging', () => {
    const next = written(decideObject<UuidRecord>('uuid', 'alice', { custom: JSON.parse('{"__proto__":"x"}') as UuidRecord['custom'] }, merge)(alice()));
    expect(Object.keys(next.custom ?? {})).toContain('__proto__');
    expect(Object.getPrototypeOf(next.custom)).toBe(Object.prototype);
  });

  it('decides "unchanged" for a set that changes nothing, so eTag and updated stay (and no event is sent)', () => {
    const current = alice();
    expect(decideObject<UuidRecord>('uuid', 'alice', { name: 'Alice', custom: { level: 3, team: 'red' } }, replace)(current)).toEqual({ kind: 'unchanged' });
    expect(decideObject<UuidRecord>('uuid', 'alice', {}, replace)(current)).toEqual({ kind: 'unchanged' });
    expect(decideObject<UuidRecord>('uuid', 'alice', { custom: { team: 'red' } }, merge)(current)).toEqual({ kind: 'unchanged' });
  });

  it('writes channels with their own fields', () => {
    const room = written(decideObject<ChannelRecord>('channel', 'room', { name: 'Room', description: 'Chat' }, replace)(undefined));
    expect(room).toMatchObject({ id: 'room', name: 'Room', description: 'Chat', status: null, type: null, custom: null });
    const renamed = written(decideObject<ChannelRecord>('channel', 'room', { description: null }, replace)(room));
    expect(renamed).toMatchObject({ name: 'Room', description: null });
  });

  it('refuses a record over maxRecordBytes with a 400 naming the body, writing nothing', () => {
    const small: WriteRules = { ...replace, limits: { ...DEFAULT_LIMITS, maxRecordBytes: 200 } };
    const error = refusal(() => decideObject<UuidRecord>('uuid', 'alice', { name: 'x'.repeat(300) }, small)(undefined));
    expect(error.status).toBe(400);
    expect(error.details[0]).toMatchObject({ location: 'body', locationType: 'body' });
  });
});

describe('If-Match precondition', () => {
  it('writes when If-Match is the stored eTag', () => {
    const current = alice();
    const next = written(decideObject<UuidRecord>('uuid', 'alice', { name: 'Al' }, { ...replace, ifMatch: current.eTag })(current));
    expect(next.name).toBe('Al');
  });

  it('refuses a stale eTag with a 412 before anything is written', () => {
    const current = alice();
    const error = refusal(() => decideObject<UuidRecord>('uuid', 'alice', { name: 'Al' }, { ...replace, ifMatch: 'stale' })(current));
    expect(error.code).toBe('PRECONDITION_FAILED');
    expect(error.status).toBe(412);
    expect(error.message).toBe('User to update has been modified after it was read.');
  });

  it('refuses an If-Match on a record that does not exist, saying that it does not', () => {
    const error = refusal(() => checkPrecondition('channel', 'delete', undefined, 'abc'));
    expect(error.status).toBe(412);
    expect(error.message).toBe('Channel to delete does not exist; If-Match cannot match.');
    const update = refusal(() => decideObject<UuidRecord>('uuid', 'nobody', { name: 'No' }, { ...replace, ifMatch: 'abc' })(undefined));
    expect(update.message).toBe('User to update does not exist; If-Match cannot match.');
  });

  it('passes without If-Match whatever is stored', () => {
    expect(() => checkPrecondition('uuid', 'delete', undefined, undefined)).not.toThrow();
    expect(() => checkPrecondition('uuid', 'update', alice(), undefined)).not.toThrow();
  });
});

describe('decideMembership: one item of a membership PATCH', () => {
  const rules = { ...replace, location: 'set[0]' };

  it('creates the link with a short base64 eTag', () => {
    const link = written(decideMembership('alice', 'room', { status: 'admin', custom: { seat: 1 } }, rules)(undefined));
    expect(link).toMatchObject({ uuidId: 'alice', channelId: 'room', status: 'admin', type: null, custom: { seat: 1 } });
    expect(link.eTag).toMatch(/^[A-Za-z0-9+/]{14}$/);
  });

  it('follows the same PATCH rules: present change, null clears, absent stay, custom replaced or merged', () => {
    const link: MembershipRecord = written(
      decideMembership('alice', 'room', { status: 'admin', type: 'staff', custom: { seat: 1, row: 'A' } }, rules)(undefined),
    );
    const replaced = written(decideMembership('alice', 'room', { type: null, custom: { seat: 2 } }, rules)(link));
    expect(replaced).toMatchObject({ status: 'admin', type: null, custom: { seat: 2 } });
    const merged = written(decideMembership('alice', 'room', { custom: { seat: 2, row: null } }, { ...rules, merge: true })(link));
    expect(merged.custom).toEqual({ seat: 2 });
  });

  it('decides "unchanged" when the item changes nothing', () => {
    const link = written(decideMembership('alice', 'room', { status: 'admin' }, rules)(undefined));
    expect(decideMembership('alice', 'room', { status: 'admin' }, rules)(link)).toEqual({ kind: 'unchanged' });
  });

  it('names the item location when the link would be too large', () => {
    const small = { ...rules, location: 'set[3].custom', limits: { ...DEFAULT_LIMITS, maxRecordBytes: 100 } };
    const error = refusal(() => decideMembership('alice', 'room', { custom: { note: 'x'.repeat(200) } }, small)(undefined));
    expect(error.details[0]).toMatchObject({ location: 'set[3].custom', locationType: 'body' });
  });
});
