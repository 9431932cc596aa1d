import type { RecordKind } from './records.ts';

/**
 * The server's field rules, checked in the browser before anything is sent so the operator sees
 * a problem as they type. The numbers are the server's defaults (packages/server/src/model/keyset.ts
 * `DEFAULT_LIMITS`) and the messages word the problem as the server's 400 does; a keyset may be
 * configured tighter, so the server stays the final judge and its 400 is shown as well.
 */
export const LIMITS = {
  /** Characters (Unicode code points). */
  maxIdLength: 92,
  maxNameLength: 2048,
  maxDescriptionLength: 2048,
  maxStatusLength: 50,
  maxTypeLength: 50,
  /** The longest address SMTP can carry. */
  maxEmailLength: 254,
  /** UTF-8 bytes of the whole stored record as JSON: id, fields, custom, updated, eTag. */
  maxRecordBytes: 32 * 1024,
} as const;

/** The text fields the console edits; `custom` is separate. */
export type TextField = 'name' | 'externalId' | 'profileUrl' | 'email' | 'description' | 'status' | 'type';

/** A value allowed in `custom`: the server keeps it flat, with scalar values only. */
export type CustomValue = string | number | boolean | null;
export type CustomValues = Record<string, CustomValue>;

const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]/u;
const BLANK = /^[\p{White_Space}\p{Cf}]*$/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NOT_UNICODE = 'is not valid Unicode text: it holds a lone surrogate (an unpaired \\uD800–\\uDFFF)';
/** Loose on purpose: one `@` with text either side. The server's stricter check has the last word. */
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const WEB_SCHEME = /^https?:\/\/[^/?#]/i;

/** How many characters (Unicode code points) `text` holds: a surrogate pair counts once. */
export const codePointLength = (text: string): number => [...text].length;

export const isWellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

const longerThan = (text: string, max: number): string | undefined => {
  const length = codePointLength(text);
  return length > max ? `is ${length} characters long; at most ${max} are allowed` : undefined;
};

function isWebUrl(text: string): boolean {
  if (!WEB_SCHEME.test(text) || /\s/.test(text)) return false;
  try {
    return new URL(text).hostname !== '';
  } catch {
    return false;
  }
}

const RULES: Record<TextField, (text: string) => string | undefined> = {
  name: (text) => (BLANK.test(text) ? 'must not be empty or whitespace only' : longerThan(text, LIMITS.maxNameLength)),
  description: (text) => longerThan(text, LIMITS.maxDescriptionLength),
  externalId: () => undefined,
  email: (text) =>
    codePointLength(text) <= LIMITS.maxEmailLength && !CONTROL_CHARACTERS.test(text) && EMAIL.test(text) ? undefined : 'must be a valid email address',
  profileUrl: (text) => (isWebUrl(text) ? undefined : 'must be a valid http:// or https:// URL'),
  status: (text) => longerThan(text, LIMITS.maxStatusLength),
  type: (text) => longerThan(text, LIMITS.maxTypeLength),
};

/** `User email`, `Channel description`: how the server's messages name a field. */
export const fieldName = (kind: RecordKind, field: string): string => `${kind === 'user' ? 'User' : 'Channel'} ${field}`;

/**
 * What is wrong with a text field's value, as the server would word it ("User email must be a
 * valid email address."), or `undefined`. `null` (the field cleared) is always allowed.
 */
export function fieldProblem(kind: RecordKind, field: TextField, value: string | null): string | undefined {
  if (value === null) return undefined;
  const problem = isWellFormed(value) ? RULES[field](value) : NOT_UNICODE;
  return problem === undefined ? undefined : `${fieldName(kind, field)} ${problem}.`;
}

/** What is wrong with a user or channel id, or `undefined`. */
export function idProblem(kind: RecordKind, id: string): string | undefined {
  const noun = kind === 'user' ? 'user' : 'channel';
  if (id === '') return `The ${noun} id must not be empty.`;
  if (!isWellFormed(id)) return `The ${noun} id ${NOT_UNICODE}.`;
  const long = longerThan(id, LIMITS.maxIdLength);
  if (long !== undefined) return `The ${noun} id ${long}.`;
  return CONTROL_CHARACTERS.test(id) ? `The ${noun} id must not contain control characters.` : undefined;
}

/** What is wrong with one `custom` value (`label` names it, e.g. `Custom "team"`), or `undefined`. */
export function customValueProblem(label: string, value: unknown): string | undefined {
  if (value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'string') return isWellFormed(value) ? undefined : `${label} ${NOT_UNICODE}.`;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${label} is a number out of range: numbers must be finite.`;
  return `${label} must be a string, number, boolean or null; nested objects and arrays are not allowed.`;
}

/**
 * What is wrong with a whole `custom` object (flat, scalar values, well-formed keys, and small
 * enough to fit a record on its own), or `undefined`.
 */
export function customProblem(custom: unknown): string | undefined {
  if (typeof custom !== 'object' || custom === null || Array.isArray(custom)) {
    return 'Custom must be a JSON object of string, number, boolean or null values.';
  }
  for (const [key, value] of Object.entries(custom)) {
    if (key === '') return 'Custom keys must not be empty.';
    if (!isWellFormed(key)) return `Custom has a key that ${NOT_UNICODE}.`;
    const problem = customValueProblem(`Custom "${key}"`, value);
    if (problem !== undefined) return problem;
  }
  const bytes = utf8Bytes(JSON.stringify(custom));
  return bytes > LIMITS.maxRecordBytes ? `Custom is ${bytes} bytes; a whole record may take at most ${LIMITS.maxRecordBytes}.` : undefined;
}

/**
 * What is wrong with the size of the record the server would store (`record`: every stored
 * field, as the server keeps it, with the `updated` and `eTag` it has now), or `undefined`.
 */
export function recordBytesProblem(record: Record<string, unknown>): string | undefined {
  const bytes = utf8Bytes(JSON.stringify(record));
  return bytes > LIMITS.maxRecordBytes ? `The record would be ${bytes} bytes; at most ${LIMITS.maxRecordBytes} are allowed.` : undefined;
}
