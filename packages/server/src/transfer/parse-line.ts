import { isRosterError } from '../errors.ts';
import { toStored } from '../model/instant.ts';
import type { KeysetLimits } from '../model/keyset.ts';
import type { ChannelRecord, Custom, MembershipRecord, UuidRecord } from '../model/records.ts';
import { idProblem, isWellFormed, parseRecordFields } from '../objects/validate.ts';
import { LINE_KEYS, LINE_KINDS, type LineItem, type LineKind } from './format.ts';

/** Why a line was not imported: the field at fault (`line` for the line as a whole) and what is wrong with it. */
export interface LineProblem {
  field: string;
  reason: string;
}

export type LineResult = { item: LineItem } | { problem: LineProblem } | { blank: true };

/**
 * The limits a keyset's records are checked against, or a reason the keyset may not be imported
 * (it is not declared by the config file).
 */
export type LimitsOf = (keyset: string) => KeysetLimits | { refused: string };

const CONTROL = /[\p{Cc}\u2028\u2029]/u;
/** Longer than any eTag Roster or PubNub makes (32 hex digits; 14 base64 characters). */
const MAX_ETAG_LENGTH = 100;
const MAX_KEYSET_LENGTH = 100;

class Refusal extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/**
 * One line of a transfer file (format.ts) as the item to import, or the first problem with it.
 * Every field is checked by the rules the HTTP API applies to a write (objects/validate.ts,
 * the keyset's limits, the record size of objects/apply.ts); a field the kind does not have is
 * refused, so a misspelt field cannot be dropped unseen. `updated` and `eTag` are required, so
 * a record comes back exactly as it was exported; missing fields are null.
 */
export function parseLine(text: string, limitsOf: LimitsOf): LineResult {
  if (text.trim() === '') return { blank: true };
  try {
    return { item: itemOf(text, limitsOf) };
  } catch (error) {
    if (error instanceof Refusal) return { problem: { field: error.field, reason: error.reason } };
    if (isRosterError(error)) {
      const { location = 'line', message = error.message } = error.details[0] ?? {};
      const reason = message.startsWith(`${location} `) ? message.slice(location.length + 1) : message;
      return { problem: { field: location, reason: reason.replace(/\.$/, '') } };
    }
    throw error;
  }
}

function itemOf(text: string, limitsOf: LimitsOf): LineItem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Refusal('line', `is not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Refusal('line', 'must be a JSON object');
  const line = value as Record<string, unknown>;
  const kind = line['kind'];
  if (!LINE_KINDS.includes(kind as LineKind)) throw new Refusal('kind', `must be one of ${LINE_KINDS.join(', ')}`);
  const keys = LINE_KEYS[kind as LineKind];
  const unknown = Object.keys(line).find((key) => !keys.includes(key));
  if (unknown !== undefined) throw new Refusal(unknown, `is not a field of a ${String(kind)} record (${keys.join(', ')})`);
  const subKey = keyset(line['keyset']);
  const limits = limitsOf(subKey);
  if ('refused' in limits) throw new Refusal('keyset', limits.refused);
  const stamp = { updated: updated(line['updated']), eTag: eTag(line['eTag']) };
  switch (kind as LineKind) {
    case 'user': {
      const fields = parseRecordFields('uuid', line, limits) as Partial<UuidRecord>;
      const record: UuidRecord = {
        id: id(line, 'id', limits),
        name: fields.name ?? null,
        externalId: fields.externalId ?? null,
        profileUrl: fields.profileUrl ?? null,
        email: fields.email ?? null,
        status: fields.status ?? null,
        type: fields.type ?? null,
        custom: fields.custom ?? null,
        ...stamp,
      };
      return { kind: 'user', subKey, record: sized(record, limits) };
    }
    case 'channel': {
      const fields = parseRecordFields('channel', line, limits) as Partial<ChannelRecord>;
      const record: ChannelRecord = {
        id: id(line, 'id', limits),
        name: fields.name ?? null,
        description: fields.description ?? null,
        status: fields.status ?? null,
        type: fields.type ?? null,
        custom: fields.custom ?? null,
        ...stamp,
      };
      return { kind: 'channel', subKey, record: sized(record, limits) };
    }
    case 'membership': {
      const uuidId = id(line, 'uuid', limits);
      const channelId = id(line, 'channel', limits);
      const fields = parseRecordFields('membership', line, limits) as Partial<MembershipRecord>;
      const record: MembershipRecord = {
        uuidId,
        channelId,
        status: fields.status ?? null,
        type: fields.type ?? null,
        custom: (fields.custom as Custom | undefined) ?? null,
        ...stamp,
      };
      return { kind: 'membership', subKey, record: sized(record, limits) };
    }
  }
}

function keyset(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new Refusal('keyset', 'must be the subscribe key of the record (a non-empty string)');
  if (value.length > MAX_KEYSET_LENGTH || CONTROL.test(value) || !isWellFormed(value)) {
    throw new Refusal('keyset', `must be a subscribe key: at most ${MAX_KEYSET_LENGTH} characters, no control characters`);
  }
  return value;
}

function id(line: Record<string, unknown>, field: 'id' | 'uuid' | 'channel', limits: KeysetLimits): string {
  const value = line[field];
  if (typeof value !== 'string') throw new Refusal(field, 'must be a string');
  const problem = idProblem(value, limits.maxIdLength);
  if (problem !== undefined) throw new Refusal(field, problem);
  return value;
}

function updated(value: unknown): string {
  const stored = typeof value === 'string' ? toStored(value) : undefined;
  if (stored === undefined) throw new Refusal('updated', 'must be an ISO 8601 instant, as exported (2024-03-07T08:49:07.011608Z)');
  return stored;
}

function eTag(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_ETAG_LENGTH || CONTROL.test(value) || !isWellFormed(value)) {
    throw new Refusal('eTag', `must be the record's eTag, as exported (a string of 1 to ${MAX_ETAG_LENGTH} characters)`);
  }
  return value;
}

/** The size rule of a write (objects/apply.ts `checkSize`): the record as JSON, measured before its eTag and `updated` are set. */
function sized<R extends { updated: string; eTag: string }>(record: R, limits: KeysetLimits): R {
  const bytes = Buffer.byteLength(JSON.stringify({ ...record, updated: '', eTag: '' }));
  if (bytes > limits.maxRecordBytes) throw new Refusal('record', `would be ${bytes} bytes; at most ${limits.maxRecordBytes} are allowed`);
  return record;
}
