import { Format } from 'typebox/format';
import type { KeysetLimits } from '../model/keyset.ts';
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
} from '../model/records.ts';

/**
 * Field rules: request bodies and ids become typed patches, or a 400 naming the field.
 * Unknown body fields are ignored, as PubNub does. Nothing is accepted that the store would keep
 * differently from how it was sent: text must be well-formed Unicode (SQLite would turn a lone
 * surrogate into U+FFFD) and numbers finite (JSON has no Infinity; it would come back as null).
 */
/** Unicode's control characters (Cc: C0, DEL and C1) and the line and paragraph separators, which end lines in JavaScript and JSON-in-HTML. */
const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]/u;
/** What counts as blank: Unicode White_Space and the invisible format characters (Cf: U+200B–U+200F, U+2060, U+FEFF…). */
const BLANK = /^[\p{White_Space}\p{Cf}]*$/u;
const NOT_UNICODE = 'is not valid Unicode text: it holds a lone surrogate (an unpaired \\uD800–\\uDFFF)';
/** What a number JSON.parse made Infinity (`1e400`) is told, here and by route schemas (http/schema-errors.ts). */
export const NUMBER_OUT_OF_RANGE = 'is a number out of range: numbers must be finite (at most about 1.8e308)';
/** The longest address SMTP can carry (RFC 5321 §4.5.3.1, with its erratum). */
const MAX_EMAIL_LENGTH = 254;

/** Whether `text` holds no lone surrogate: Node 20's String.prototype.isWellFormed (ES2024, not in our lib). */
export const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

/** How many characters (Unicode code points) `text` holds: a surrogate pair counts once. */
export function codePointLength(text: string): number {
  let pairs = 0;
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdbff) continue;
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) {
      pairs++;
      i++;
    }
  }
  return text.length - pairs;
}

/**
 * Why `id` is no valid user id, channel id or channel name (decisions.md "Limits"): empty, not
 * valid Unicode, over `maxLength` characters, or holding a control character. Undefined when valid.
 */
export function idProblem(id: string, maxLength: number): string | undefined {
  if (id === '') return 'must not be empty';
  if (!isWellFormed(id)) return NOT_UNICODE;
  const length = codePointLength(id);
  if (length > maxLength) return `is ${length} characters long; at most ${maxLength} are allowed`;
  if (CONTROL_CHARACTERS.test(id)) return 'must not contain control characters';
  return undefined;
}

/** An id from the path (`uuid` or `channel` is the location), or a 400 saying what is wrong with it. */
export function checkId(id: string, location: string, limits: KeysetLimits): string {
  const problem = idProblem(id, limits.maxIdLength);
  if (problem !== undefined) throw invalid(location, 'path', `The ${location} id ${problem}.`);
  return id;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Where a field sits (`user.email`, `set[0].status`) and how a message names it (`User email`);
 * for a part of a body, the prefixes its fields' names start with (`user.` and `User `).
 */
interface FieldName {
  location: string;
  label: string;
}

const longerThan = (text: string, max: number): string | undefined => {
  const length = codePointLength(text);
  return length > max ? `is ${length} characters long; at most ${max} are allowed` : undefined;
};

/** Quoted local parts may hold almost anything, but never a raw control character (`"x\r\nBcc: …"@b.com`). */
const isEmail = (text: string): boolean =>
  codePointLength(text) <= MAX_EMAIL_LENGTH && !CONTROL_CHARACTERS.test(text) && (Format.IsEmail(text) || Format.IsIdnEmail(text));
/** RFC 3986, or RFC 3987 for URLs with non-ASCII characters (`https://例え.jp/ü`). */
const isUrl = (text: string): boolean => Format.IsUri(text) || Format.IsIri(text);

/** `http://` or `https://` and an authority (browsers read `http:///x` as `http://x/`). */
const WEB_SCHEME = /^https?:\/\/[^/?#]/i;

/**
 * A URL a browser can show as a picture or open as a page, and that is safe to render as a link:
 * `http://` or `https://` and a host, never `javascript:`, `data:` or `file:` (decisions.md "Limits").
 */
function isWebUrl(text: string): boolean {
  if (!WEB_SCHEME.test(text) || !isUrl(text)) return false;
  try {
    return new URL(text).hostname !== '';
  } catch {
    return false; // e.g. `http://:80/`: an empty host RFC 3986 allows and browsers refuse
  }
}

/** The rules of text fields beyond being a well-formed string, as PubNub documents them. */
const TEXT_RULES: Record<string, (text: string, limits: KeysetLimits) => string | undefined> = {
  name: (text, limits) => (BLANK.test(text) ? 'must not be empty or whitespace only' : longerThan(text, limits.maxNameLength)),
  description: (text, limits) => longerThan(text, limits.maxDescriptionLength),
  email: (text) => (isEmail(text) ? undefined : 'must be a valid email address'),
  profileUrl: (text) => (isWebUrl(text) ? undefined : 'must be a valid http:// or https:// URL'),
  status: (text, limits) => longerThan(text, limits.maxStatusLength),
  type: (text, limits) => longerThan(text, limits.maxTypeLength),
};

/** The name of `field` within `scope`; made only for an error, as a valid body names no field. */
const fieldName = (scope: FieldName, field: string): FieldName => ({ location: `${scope.location}${field}`, label: `${scope.label}${field}` });

function checkText(value: unknown, field: string, scope: FieldName, limits: KeysetLimits): string | null {
  if (value === null) return null;
  const problem = typeof value !== 'string' ? 'must be a string or null' : !isWellFormed(value) ? NOT_UNICODE : TEXT_RULES[field]?.(value, limits);
  if (problem === undefined) return value as string; // a string: `problem` is set for anything else
  const name = fieldName(scope, field);
  throw invalid(name.location, 'body', `${name.label} ${problem}.`);
}

function customValueProblem(value: unknown): string | undefined {
  if (value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'string') return isWellFormed(value) ? undefined : NOT_UNICODE;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : NUMBER_OUT_OF_RANGE;
  return 'must be a string, number, boolean or null; arrays and objects are not allowed';
}

/** A 400 for `custom` within `scope`, or for its `key`: `message` follows the field's label (with the key when `keyed`). */
function customInvalid(scope: FieldName, key: string | undefined, message: string, keyed = false): RosterError {
  const { location, label } = fieldName(scope, 'custom');
  return invalid(key === undefined ? location : `${location}.${key}`, 'body', `${label}${keyed ? `.${key}` : ''} ${message}.`);
}

function checkCustom(value: unknown, scope: FieldName): Custom | null {
  if (value === null) return null;
  if (!isPlainObject(value)) throw customInvalid(scope, undefined, 'must be an object of string, number, boolean or null values');
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (!isWellFormed(key)) throw customInvalid(scope, key, `has a key that ${NOT_UNICODE}`);
    const problem = customValueProblem(value[key]);
    if (problem !== undefined) throw customInvalid(scope, key, problem, true);
  }
  return value as Custom; // every value checked to be a storable scalar above
}

function checkFields<F extends string>(
  body: Record<string, unknown>,
  fields: readonly F[],
  scope: FieldName,
  limits: KeysetLimits,
): Partial<Record<F, string | Custom | null>> {
  const patch: Partial<Record<F, string | Custom | null>> = {};
  for (const field of fields) {
    if (!Object.hasOwn(body, field) || body[field] === undefined) continue;
    patch[field] = field === 'custom' ? checkCustom(body[field], scope) : checkText(body[field], field, scope, limits);
  }
  return patch;
}

/** PubNub names a user's fields `user.email` ("User email must be a valid email address."). */
const OBJECT_SCOPE: Record<ObjectKind, FieldName> = {
  uuid: { location: 'user.', label: 'User ' },
  channel: { location: 'channel.', label: 'Channel ' },
};

export function requireObjectBody(body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) throw invalid('body', 'body', 'The request body must be a JSON object.');
  return body;
}

export function parseObjectPatch(kind: 'uuid', body: unknown, limits: KeysetLimits): UuidPatch;
export function parseObjectPatch(kind: 'channel', body: unknown, limits: KeysetLimits): ChannelPatch;
export function parseObjectPatch(kind: ObjectKind, body: unknown, limits: KeysetLimits): UuidPatch | ChannelPatch {
  // checkFields gives `custom` an object and every other field a string or null
  return checkFields(requireObjectBody(body), kind === 'uuid' ? UUID_FIELDS : CHANNEL_FIELDS, OBJECT_SCOPE[kind], limits) as UuidPatch | ChannelPatch;
}

/**
 * The writable fields of a whole record given outside a request (a line of `roster import`), by
 * the rules of a PATCH body; a problem is a 400 whose location is the bare field (`email`,
 * `custom.score`) and whose message starts with it. Absent fields stay absent.
 */
export function parseRecordFields(
  kind: ObjectKind | 'membership',
  body: Record<string, unknown>,
  limits: KeysetLimits,
): UuidPatch | ChannelPatch | MembershipPatch {
  const fields = kind === 'uuid' ? UUID_FIELDS : kind === 'channel' ? CHANNEL_FIELDS : MEMBERSHIP_FIELDS;
  // checkFields gives `custom` an object and every other field a string or null
  return checkFields(body, fields, { location: '', label: '' }, limits) as UuidPatch | ChannelPatch | MembershipPatch;
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
  // Counted before any item is read: past the limit, no item is looked at.
  const count = lengthOf(object['set']) + lengthOf(object['delete']);
  if (count > limits.maxPatchItems) {
    throw invalid('set', 'body', `At most ${limits.maxPatchItems} items may be set and deleted in one request; got ${count}.`);
  }
  const set = listOf(object, 'set').map((item, index) => {
    const location = `set[${index}]`;
    return {
      otherId: itemId(item, itemKey, location, limits),
      patch: checkFields(item, MEMBERSHIP_FIELDS, { location: `${location}.`, label: `${location}.` }, limits) as MembershipPatch,
    };
  });
  const removed = listOf(object, 'delete').map((item, index) => itemId(item, itemKey, `delete[${index}]`, limits));
  const setIds = new Set<string>();
  for (const [index, item] of set.entries()) {
    if (setIds.has(item.otherId)) throw invalid(`set[${index}].${itemKey}.id`, 'body', `'${item.otherId}' appears twice in set.`);
    setIds.add(item.otherId);
  }
  const conflict = removed.findIndex((id) => setIds.has(id));
  if (conflict >= 0) throw invalid(`delete[${conflict}].${itemKey}.id`, 'body', `'${removed[conflict]}' is both set and deleted.`);
  return { set, delete: [...new Set(removed)] };
}

/** How many items a `set` or `delete` list holds; anything else is listOf's to refuse. */
const lengthOf = (value: unknown): number => (Array.isArray(value) ? value.length : 0);

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
