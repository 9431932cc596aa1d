import * as crypto from 'node:crypto';
import type { KeysetLimits } from '../model/keyset.ts';
import { invalid, RosterError } from '../errors.ts';
import type { Decision } from '../store/store.ts';
import { now } from '../model/instant.ts';
import { sameContent } from './content.ts';
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

/**
 * What an eTag is computed from, with `updated`: the record's field values as a JSON array, in
 * the order of `fields`. `updated` alone is new at every write of this process; the values tell
 * apart two writes that nodes of a cluster make in the same microsecond.
 */
function contentText(record: object, fields: readonly string[]): string {
  const values: unknown[] = [];
  for (const field of fields) values.push((record as Record<string, unknown>)[field] ?? null);
  return JSON.stringify(values);
}

/** Characters the keys of `fields` take in a record's JSON (`"name":` and its comma). */
const keyChars = (fields: readonly string[]) => fields.reduce((chars, field) => chars + field.length + 4, 0);
const UUID_KEY_CHARS = keyChars(UUID_FIELDS);
const CHANNEL_KEY_CHARS = keyChars(CHANNEL_FIELDS);

/** `crypto.hash`, one call per digest (Node 20.12 and later); `createHash` before that. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** uuid and channel eTags: 32 hex characters, as PubNub's. */
const objectEtag = (body: string, updated: string): string =>
  oneShot ? oneShot('md5', body + updated, 'hex') : crypto.createHash('md5').update(body).update(updated).digest('hex');
/** Membership eTags: short unpadded base64, as PubNub's. */
const membershipEtag = (body: string, updated: string) =>
  crypto.createHash('sha256').update(body).update(updated).digest().subarray(0, 10).toString('base64').replace(/=+$/, '');

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

/**
 * Checks `If-Match` against what is stored: a stale eTag, or any eTag for a record that does not
 * exist (never created, or deleted since it was read), is a 412 and nothing is written. The
 * message tells the two apart, so a client knows whether to read the record again or create it.
 */
export function checkPrecondition(kind: ObjectKind, action: 'update' | 'delete', current: { eTag: string } | undefined, ifMatch: string | undefined): void {
  if (ifMatch === undefined || current?.eTag === ifMatch) return;
  const noun = kind === 'uuid' ? 'User' : 'Channel';
  const message =
    current === undefined ? `${noun} to ${action} does not exist; If-Match cannot match.` : `${noun} to ${action} has been modified after it was read.`;
  throw new RosterError('PRECONDITION_FAILED', message);
}

/**
 * Refuses a record whose JSON would pass the keyset's limit. `charsAtMost` bounds the length of
 * that JSON; a UTF-16 unit takes at most 3 bytes in UTF-8, so most records pass without being serialized.
 */
function checkSize(record: object, location: string, limits: KeysetLimits, charsAtMost = Number.POSITIVE_INFINITY): void {
  if (3 * charsAtMost <= limits.maxRecordBytes) return;
  const bytes = Buffer.byteLength(JSON.stringify(record));
  if (bytes > limits.maxRecordBytes) {
    throw invalid(location, 'body', `The record would be ${bytes} bytes; at most ${limits.maxRecordBytes} are allowed.`);
  }
}

/** A field after a PATCH: as sent, or else as it was (null for a new record). */
const field = <V>(sent: V | undefined, current: V | undefined): V | null => (sent !== undefined ? sent : (current ?? null));

/** `custom` after a PATCH, as `field` but merged with `Roster-Custom-Merge`. */
const customAfter = (sent: Custom | null | undefined, current: Custom | null | undefined, merge: boolean): Custom | null =>
  sent !== undefined ? nextCustom(current ?? null, sent, merge) : (current ?? null);

/**
 * A user or channel after `patch`, its keys in the stored records' order; `updated` and `eTag`
 * still the current ones (empty for a new record) until the caller sets them.
 */
function patchedUuid(id: string, current: UuidRecord | undefined, patch: Partial<UuidRecord>, merge: boolean): UuidRecord {
  return {
    id,
    name: field(patch.name, current?.name),
    externalId: field(patch.externalId, current?.externalId),
    profileUrl: field(patch.profileUrl, current?.profileUrl),
    email: field(patch.email, current?.email),
    status: field(patch.status, current?.status),
    type: field(patch.type, current?.type),
    custom: customAfter(patch.custom, current?.custom, merge),
    updated: current?.updated ?? '',
    eTag: current?.eTag ?? '',
  };
}

function patchedChannel(id: string, current: ChannelRecord | undefined, patch: Partial<ChannelRecord>, merge: boolean): ChannelRecord {
  return {
    id,
    name: field(patch.name, current?.name),
    description: field(patch.description, current?.description),
    status: field(patch.status, current?.status),
    type: field(patch.type, current?.type),
    custom: customAfter(patch.custom, current?.custom, merge),
    updated: current?.updated ?? '',
    eTag: current?.eTag ?? '',
  };
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
  const fieldKeyChars = kind === 'uuid' ? UUID_KEY_CHARS : CHANNEL_KEY_CHARS;
  return (current) => {
    checkPrecondition(kind, 'update', current, rules.ifMatch);
    // `patch` and `current` are of this `kind`.
    const next = (
      kind === 'uuid'
        ? patchedUuid(id, current as UuidRecord | undefined, patch as Partial<UuidRecord>, rules.merge)
        : patchedChannel(id, current as ChannelRecord | undefined, patch as Partial<ChannelRecord>, rules.merge)
    ) as T;
    if (current && sameContent(next, current, fields)) return { kind: 'unchanged' };
    const body = contentText(next, fields);
    // `next` as JSON: `body`'s values with their keys, then the id, updated and eTag with theirs (a unit is at most 6 characters).
    checkSize(next, 'body', rules.limits, body.length + fieldKeyChars + 6 * (id.length + next.updated.length + next.eTag.length) + 40);
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
    if (current && sameContent(next, current, MEMBERSHIP_FIELDS)) return { kind: 'unchanged' };
    checkSize(next, rules.location, rules.limits);
    const body = contentText(next, MEMBERSHIP_FIELDS);
    next.updated = now();
    next.eTag = membershipEtag(body, next.updated);
    return { kind: 'write', record: next };
  };
}
