import { createHash } from 'node:crypto';
import type { KeysetLimits } from '../model/keyset.ts';
import { invalid, RosterError } from '../errors.ts';
import type { Decision } from '../store/store.ts';
import { now } from '../model/instant.ts';
import {
  CHANNEL_FIELDS,
  MEMBERSHIP_FIELDS,
  UUID_FIELDS,
  type ChannelRecord,
  type Custom,
  type MembershipPatch,
  type MembershipRecord,
  type ObjectKind,
  type UuidRecord,
} from '../model/records.ts';

/** JSON with object keys sorted, so equal content always serializes equally. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

const content = (record: object, fields: readonly string[]): string =>
  canonical(Object.fromEntries(fields.map((field) => [field, (record as Record<string, unknown>)[field] ?? null])));

/** uuid and channel eTags: 32 hex characters, as PubNub's. */
const objectEtag = (body: string, updated: string) => createHash('md5').update(body).update(updated).digest('hex');
/** Membership eTags: short unpadded base64, as PubNub's. */
const membershipEtag = (body: string, updated: string) =>
  createHash('sha256').update(body).update(updated).digest().subarray(0, 10).toString('base64').replace(/=+$/, '');

/** `custom` after a write: replaced whole (PubNub), or merged key by key (`Roster-Custom-Merge`). */
function nextCustom(current: Custom | null, incoming: Custom | null, merge: boolean): Custom | null {
  if (!merge || incoming === null) return incoming;
  const merged = new Map(Object.entries(current ?? {}));
  for (const [key, value] of Object.entries(incoming)) {
    if (value === null) merged.delete(key);
    else merged.set(key, value);
  }
  // fromEntries defines own keys: assigning `__proto__` would set the prototype and drop the key.
  return Object.fromEntries(merged);
}

export interface WriteRules {
  ifMatch: string | undefined;
  merge: boolean;
  limits: KeysetLimits;
}

const EMPTY_UUID = { name: null, externalId: null, profileUrl: null, email: null, status: null, type: null, custom: null };
const EMPTY_CHANNEL = { name: null, description: null, status: null, type: null, custom: null };

/** Checks `If-Match` against what is stored: a stale or dangling eTag is a 412, nothing written. */
export function checkPrecondition(kind: ObjectKind, action: 'update' | 'delete', current: { eTag: string } | undefined, ifMatch: string | undefined): void {
  if (ifMatch === undefined || current?.eTag === ifMatch) return;
  const noun = kind === 'uuid' ? 'User' : 'Channel';
  throw new RosterError('PRECONDITION_FAILED', `${noun} to ${action} has been modified after it was read.`);
}

function checkSize(record: object, location: string, limits: KeysetLimits): void {
  const bytes = Buffer.byteLength(JSON.stringify(record));
  if (bytes > limits.maxRecordBytes) {
    throw invalid(location, 'body', `The record would be ${bytes} bytes; at most ${limits.maxRecordBytes} are allowed.`);
  }
}

/**
 * The domain's decision for a uuid or channel PATCH: present fields change, `null` clears, absent
 * fields stay; a write that changes nothing keeps the stored record, eTag and `updated`.
 */
export function decideObject<T extends UuidRecord | ChannelRecord>(
  kind: ObjectKind,
  id: string,
  patch: Partial<T>,
  rules: WriteRules,
): (current: T | undefined) => Decision<T> {
  const fields = kind === 'uuid' ? UUID_FIELDS : CHANNEL_FIELDS;
  return (current) => {
    checkPrecondition(kind, 'update', current, rules.ifMatch);
    const base = current ?? ({ id, ...(kind === 'uuid' ? EMPTY_UUID : EMPTY_CHANNEL), updated: '', eTag: '' } as T);
    const next = { ...base, ...patch } as T;
    if (patch.custom !== undefined) next.custom = nextCustom(base.custom, patch.custom, rules.merge);
    const body = content(next, fields);
    if (current && body === content(current, fields)) return { kind: 'unchanged' };
    checkSize(next, 'body', rules.limits);
    next.updated = now();
    next.eTag = objectEtag(body, next.updated);
    return { kind: 'write', record: next };
  };
}

export function decideMembership(
  uuidId: string,
  channelId: string,
  patch: MembershipPatch,
  rules: WriteRules & { location: string },
): (current: MembershipRecord | undefined) => Decision<MembershipRecord> {
  return (current) => {
    const base: MembershipRecord = current ?? { uuidId, channelId, status: null, type: null, custom: null, updated: '', eTag: '' };
    const next: MembershipRecord = { ...base, ...patch };
    if (patch.custom !== undefined) next.custom = nextCustom(base.custom, patch.custom, rules.merge);
    const body = content(next, MEMBERSHIP_FIELDS);
    if (current && body === content(current, MEMBERSHIP_FIELDS)) return { kind: 'unchanged' };
    checkSize(next, rules.location, rules.limits);
    next.updated = now();
    next.eTag = membershipEtag(body, next.updated);
    return { kind: 'write', record: next };
  };
}
