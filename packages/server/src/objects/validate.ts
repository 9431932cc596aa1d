import type { KeysetLimits } from '../auth/keysets.ts';
import { invalid, RosterError } from '../errors.ts';
import {
  CHANNEL_FIELDS,
  MEMBERSHIP_FIELDS,
  UUID_FIELDS,
  type ChannelPatch,
  type Custom,
  type MembershipPatch,
  type ObjectKind,
  type UuidPatch,
} from './records.ts';

/**
 * Field rules: request bodies and ids become typed patches, or a 400 naming the field.
 * Unknown body fields are ignored, as PubNub does.
 */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export function checkId(id: string, location: string, limits: KeysetLimits): string {
  const bytes = Buffer.byteLength(id, 'utf8');
  if (bytes === 0) throw invalid(location, 'path', `The ${location} id must not be empty.`);
  if (bytes > limits.maxIdBytes) {
    throw invalid(location, 'path', `The ${location} id is ${bytes} bytes long; at most ${limits.maxIdBytes} are allowed.`);
  }
  if (CONTROL_CHARACTERS.test(id)) throw invalid(location, 'path', `The ${location} id must not contain control characters.`);
  return id;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkCustom(value: unknown, location: string): Custom | null {
  if (value === null) return null;
  if (!isPlainObject(value)) throw invalid(location, 'body', `${location} must be an object of string, number or boolean values.`);
  for (const [key, item] of Object.entries(value)) {
    const scalar = item === null || ['string', 'number', 'boolean'].includes(typeof item);
    if (!scalar) {
      throw invalid(`${location}.${key}`, 'body', `${location}.${key} must be a string, number, boolean or null; arrays and objects are not allowed.`);
    }
  }
  return value as Custom; // every value checked to be a scalar above
}

function checkText(value: unknown, location: string, maxLength?: number): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw invalid(location, 'body', `${location} must be a string or null.`);
  if (maxLength !== undefined && [...value].length > maxLength) {
    throw invalid(location, 'body', `${location} is longer than ${maxLength} characters.`);
  }
  return value;
}

function checkFields<F extends string>(
  body: Record<string, unknown>,
  fields: readonly F[],
  prefix: string,
  limits: KeysetLimits,
): Partial<Record<F, string | Custom | null>> {
  const patch: Partial<Record<F, string | Custom | null>> = {};
  for (const field of fields) {
    if (!Object.hasOwn(body, field) || body[field] === undefined) continue;
    const location = `${prefix}${field}`;
    const value = body[field];
    patch[field] =
      field === 'custom'
        ? checkCustom(value, location)
        : checkText(value, location, field === 'status' ? limits.maxStatusLength : field === 'type' ? limits.maxTypeLength : undefined);
  }
  return patch;
}

export function requireObjectBody(body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) throw invalid('body', 'body', 'The request body must be a JSON object.');
  return body;
}

export function parseObjectPatch(kind: 'uuid', body: unknown, limits: KeysetLimits): UuidPatch;
export function parseObjectPatch(kind: 'channel', body: unknown, limits: KeysetLimits): ChannelPatch;
export function parseObjectPatch(kind: ObjectKind, body: unknown, limits: KeysetLimits): UuidPatch | ChannelPatch {
  // checkFields gives `custom` an object and every other field a string or null
  return checkFields(requireObjectBody(body), kind === 'uuid' ? UUID_FIELDS : CHANNEL_FIELDS, '', limits) as UuidPatch | ChannelPatch;
}

export interface MembershipItem {
  otherId: string;
  patch: MembershipPatch;
}

export interface MembershipBody {
  set: MembershipItem[];
  delete: string[];
}

/**
 * A membership PATCH body: `set` and `delete` lists of `{channel:{id}}` items (a user's
 * memberships) or `{uuid:{id}}` items (a channel's members). A missing list is empty.
 */
export function parseMembershipBody(itemKey: 'channel' | 'uuid', body: unknown, limits: KeysetLimits): MembershipBody {
  const object = requireObjectBody(body);
  const set = listOf(object, 'set').map((item, index) => {
    const location = `set[${index}]`;
    return { otherId: itemId(item, itemKey, location, limits), patch: checkFields(item, MEMBERSHIP_FIELDS, `${location}.`, limits) as MembershipPatch };
  });
  const removed = listOf(object, 'delete').map((item, index) => itemId(item, itemKey, `delete[${index}]`, limits));
  if (set.length + removed.length > limits.maxPatchItems) {
    throw invalid('set', 'body', `At most ${limits.maxPatchItems} items may be set and deleted in one request; got ${set.length + removed.length}.`);
  }
  const setIds = new Set<string>();
  for (const [index, item] of set.entries()) {
    if (setIds.has(item.otherId)) throw invalid(`set[${index}].${itemKey}.id`, 'body', `'${item.otherId}' appears twice in set.`);
    setIds.add(item.otherId);
  }
  const conflict = removed.findIndex((id) => setIds.has(id));
  if (conflict >= 0) throw invalid(`delete[${conflict}].${itemKey}.id`, 'body', `'${removed[conflict]}' is both set and deleted.`);
  return { set, delete: [...new Set(removed)] };
}

function listOf(body: Record<string, unknown>, key: 'set' | 'delete'): Record<string, unknown>[] {
  const value = body[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(key, 'body', `${key} must be an array.`);
  return value.map((item: unknown, index) => {
    if (!isPlainObject(item)) throw invalid(`${key}[${index}]`, 'body', `${key}[${index}] must be an object.`);
    return item;
  });
}

const LEGACY_ITEM_KEY = { channel: 'space', uuid: 'user' } as const;

function itemId(item: Record<string, unknown>, itemKey: 'channel' | 'uuid', location: string, limits: KeysetLimits): string {
  const ref = item[itemKey] ?? item[LEGACY_ITEM_KEY[itemKey]];
  const id = isPlainObject(ref) ? ref['id'] : undefined;
  if (typeof id !== 'string') throw invalid(`${location}.${itemKey}.id`, 'body', `${location}.${itemKey}.id must be a string.`);
  try {
    return checkId(id, itemKey, limits);
  } catch (error) {
    if (!(error instanceof RosterError)) throw error;
    throw invalid(`${location}.${itemKey}.id`, 'body', error.details[0]?.message ?? error.message);
  }
}
