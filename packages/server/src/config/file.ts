import { closeSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Type, { type TSchema } from 'typebox';
import {
  DEFAULT_LIMITS,
  DEFAULT_PRESENCE,
  MAX_ID_LENGTH,
  MAX_KEY_BYTES,
  MAX_PRESENCE_ANNOUNCE,
  MAX_PRESENCE_TIMEOUT_SECONDS,
  MAX_TTL_HOURS,
  PRESENCE_INTERVAL_SECONDS,
  presenceTimeoutProblem,
  type Keyset,
  type KeysetInput,
  type KeysetLimits,
} from '../model/keyset.ts';
import { ConfigError } from './config-error.ts';
import { duplicateKeyProblems } from './duplicate-keys.ts';
import { SETTINGS, type Settings } from './options.ts';
import { expected, schemaProblems, schemaRefusals, type FieldProblem } from './schema-errors.ts';

type KeysetSwitch = { [K in keyof Keyset]-?: Keyset[K] extends boolean ? K : never }[keyof Keyset];

/** Every on/off keyset option: a new boolean in `Keyset` fails to compile until it is listed here. */
const SWITCHES: Record<KeysetSwitch, true> = {
  referentialIntegrity: true,
  accessManager: true,
  disallowGetAllUuids: true,
  disallowGetAllChannels: true,
  userEvents: true,
  channelEvents: true,
  membershipEvents: true,
  userEventsToMemberChannels: true,
  presenceDeltas: true,
};

const Key = Type.String({ minLength: 1 });
/** The longest keyset `name`, in characters: a label, not a document. */
const MAX_KEYSET_NAME_LENGTH = 200;
const optional = (schema: TSchema) => Type.Optional(schema);

/** The limits with a maximum; every limit is an integer of at least 1. */
const LIMIT_MAXIMUM: Partial<Record<keyof KeysetLimits, number>> = {
  maxIdLength: MAX_ID_LENGTH,
  minPresenceTimeoutSeconds: MAX_PRESENCE_TIMEOUT_SECONDS,
  maxPresenceTimeoutSeconds: MAX_PRESENCE_TIMEOUT_SECONDS,
};

/** Limits take the names of `DEFAULT_LIMITS`, so a renamed or added limit is accepted as it is. */
const LimitsSchema = Type.Object(
  Object.fromEntries(
    (Object.keys(DEFAULT_LIMITS) as (keyof KeysetLimits)[]).map((name) => [
      name,
      optional(Type.Integer({ minimum: 1, ...(LIMIT_MAXIMUM[name] === undefined ? {} : { maximum: LIMIT_MAXIMUM[name] }) })),
    ]),
  ),
  { additionalProperties: false },
);

/** One entry of `keysets`: also what a keyset made or changed in the console must be (keysets/settings.ts). */
export const KeysetSchema = Type.Object(
  {
    publishKey: Key,
    subscribeKey: Key,
    secretKey: optional(Key),
    name: optional(Type.String({ minLength: 1, maxLength: MAX_KEYSET_NAME_LENGTH })),
    ...Object.fromEntries(Object.keys(SWITCHES).map((name) => [name, optional(Type.Boolean())])),
    limits: optional(LimitsSchema),
    messageRetentionHours: optional(Type.Integer({ minimum: 0, maximum: MAX_TTL_HOURS })),
    // Within the keyset's presence timeout limits too: keysetProblems checks that.
    presenceTimeoutSeconds: optional(Type.Integer({ minimum: 1, maximum: MAX_PRESENCE_TIMEOUT_SECONDS })),
    presenceAnnounceMax: optional(Type.Integer({ minimum: 0, maximum: MAX_PRESENCE_ANNOUNCE })),
    presenceIntervalSeconds: optional(Type.Integer({ minimum: PRESENCE_INTERVAL_SECONDS.min, maximum: PRESENCE_INTERVAL_SECONDS.max })),
    rateLimit: optional(
      Type.Object({ perClient: optional(Type.Integer({ minimum: 0 })), perKeyset: optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

const KeysetsSchema = Type.Array(KeysetSchema, { minItems: 1 });

/** The whole config file: every setting of the options table, and the keysets. No other key. */
export const CONFIG_FILE_SCHEMA = Type.Object(
  {
    ...Object.fromEntries(Object.entries(SETTINGS).map(([key, spec]) => [key, optional(spec.schema)])),
    keysets: optional(KeysetsSchema),
  },
  { additionalProperties: false },
);

/** A config file's content once it has passed the schema. */
export interface ConfigFile {
  settings: Partial<Settings>;
  /** Undefined when the file declares none: the node then serves the built-in `demo` keyset. */
  keysets: KeysetInput[] | undefined;
}

/**
 * Reads and checks a config file against the schema and the keyset rules the schema cannot say,
 * refusing a key written twice in one object, and reporting every problem at once (a keyset rule is checked wherever the values it reads are
 * well-typed). A relative `db` is taken from the config file's directory.
 * @throws ConfigError naming the file and, for each problem, its JSON path and what was expected.
 */
export function readConfigFile(path: string): ConfigFile {
  const text = readText(path);
  const parsed = parseJson(path, text);
  const problems = [...duplicateKeyProblems(text), ...schemaProblems(CONFIG_FILE_SCHEMA, parsed).map(placedInKeyset).map(explained), ...keysetProblems(parsed)];
  if (problems.length > 0) throw new ConfigError(problems.map((problem) => `${path}: ${problem}`));
  const { keysets, ...settings } = parsed as Partial<Settings> & { keysets?: KeysetInput[] }; // checked above
  if (settings.db !== undefined) settings.db = databasePath(settings.db, dirname(resolve(path)));
  if (settings.tlsCert !== undefined) settings.tlsCert = resolve(dirname(resolve(path)), settings.tlsCert);
  if (settings.tlsKey !== undefined) settings.tlsKey = resolve(dirname(resolve(path)), settings.tlsKey);
  return { settings, keysets };
}

/**
 * `db` as an absolute path, a relative one taken from `base`; SQLite's `:memory:` (a database
 * that lives and dies with the process) stays as it is.
 */
export function databasePath(db: string, base: string): string {
  return db === ':memory:' ? db : resolve(base, db);
}

const EMPTY_KEYSETS = `keysets: expected ${expected(KeysetsSchema)}, got an array`;

/** An empty `keysets` list gets what to do rather than what the schema wanted. */
function explained(problem: string): string {
  if (problem !== EMPTY_KEYSETS) return problem;
  return 'keysets: the list is empty; declare at least one keyset (`npx roster keys new` prints one)';
}

/** A keyset option written at the top level gets a hint where it belongs. */
function placedInKeyset(problem: string): string {
  const key = /^(\w+): unknown key/.exec(problem)?.[1];
  if (key === undefined || !(key in KeysetSchema.properties)) return problem;
  return `${key}: unknown key at the top level; it is a keyset option and goes inside an entry of "keysets"`;
}

/** The largest config file read, in bytes: settings and keysets take a few hundred bytes each. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

function readText(path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const bytes = readAtMost(fd, MAX_CONFIG_BYTES + 1);
    if (bytes.length > MAX_CONFIG_BYTES) throw new ConfigError([`${path}: the config file is larger than 16 MiB`]);
    return bytes.toString('utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(error);
    throw new ConfigError([`${path}: cannot read the config file: ${reason}`]);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Up to `max` bytes of `fd`, read until its end: a device or pipe (`/dev/zero`) that never ends stops there. */
function readAtMost(fd: number, max: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < max) {
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, max - total));
    const read = readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) break;
    chunks.push(chunk.subarray(0, read));
    total += read;
  }
  return Buffer.concat(chunks, total);
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`${path}: not valid JSON at ${lineAndColumn(text, errorOffset(text))}: ${reasonOf(error)}`]);
  }
}

/**
 * V8's reason for refusing JSON, without any of the file's text: a config file holds secret
 * keys, and V8 quotes the character it stopped at (`Unexpected token 'S'`) and, cut short or
 * whole, the text around it (`..."cretKey": SUPERSECRE"... is not valid JSON`).
 */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const clause = message.split(/, ["…]|, \.\.\.| in JSON\b| at position \d/)[0]!;
  return clause.startsWith('Unexpected token') ? 'Unexpected character' : clause;
}

/**
 * Where JSON.parse gives up on `text` (V8 does not always say): the shortest prefix that fails at
 * a character inside it, rather than by ending early, ends with the offending character.
 */
function errorOffset(text: string): number {
  let low = 1;
  let high = text.length + 1; // the whole text failing only by ending early points past its end
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (failsInside(text.slice(0, middle))) high = middle;
    else low = middle + 1;
  }
  return low - 1;
}

function failsInside(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    const position = /at position (\d+)/.exec(message);
    if (position) return Number(position[1]) < prefix.length;
    return !message.startsWith('Unexpected end of JSON input');
  }
}

/** `line 3, column 5` (both from 1) of a character offset. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/**
 * What the schema cannot say: settings that depend on each other, and keys each keyset must have
 * to itself (subscribe, publish and secret keys). Reads
 * the parsed file before the schema has passed it, so each rule looks only at values of the right
 * type (a wrongly typed one is the schema's problem) and reports nothing it cannot judge.
 */
function keysetProblems(file: unknown): string[] {
  const keysets = isObject(file) ? file['keysets'] : undefined;
  if (!Array.isArray(keysets)) return [];
  const problems: string[] = [];
  const firstWith = new Map<string, number>();
  for (const [index, keyset] of keysets.entries()) {
    if (!isObject(keyset)) continue;
    const at = `keysets[${index}]`;
    for (const { path, message } of entryRuleProblems(keyset)) problems.push(`${at}.${path}: ${message}`);
    const { subscribeKey } = keyset;
    if (typeof subscribeKey !== 'string' || subscribeKey === '') continue;
    const first = firstWith.get(subscribeKey);
    if (first === undefined) firstWith.set(subscribeKey, index);
    else problems.push(`${at}.subscribeKey: ${JSON.stringify(subscribeKey)} is already the subscribe key of keysets[${first}]`);
  }
  return [...problems, ...sharedKeyProblems(keysets, 'secretKey'), ...sharedKeyProblems(keysets, 'publishKey')];
}

/**
 * Everything wrong with one keyset as the config file would judge it as an entry of `keysets`:
 * the schema, then the rules between its settings; each problem's path is inside the entry
 * (`limits.maxIdLength`, `(top level)` for the entry itself). The admin API checks keysets made
 * and changed in the console with it (keysets/settings.ts). Empty when the entry is valid.
 */
export function keysetEntryProblems(entry: unknown): FieldProblem[] {
  const schema = schemaRefusals(KeysetSchema, entry);
  return isObject(entry) ? [...schema, ...entryRuleProblems(entry)] : schema;
}

/** The rules the schema cannot say (between one keyset's settings, a key's bytes), each judged only when the values it reads are well-typed. */
function entryRuleProblems(keyset: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const { accessManager } = keyset;
  if (accessManager === true && !('secretKey' in keyset)) {
    problems.push({
      path: 'accessManager',
      message: 'accessManager needs a secretKey to sign and check tokens (`npx roster keys new` prints a keyset with one)',
    });
  }
  for (const option of ['disallowGetAllUuids', 'disallowGetAllChannels'] as const) {
    if (keyset[option] === true && (accessManager === undefined || accessManager === false)) {
      problems.push({ path: option, message: 'takes effect only with "accessManager": true; turn Access Manager on or remove it' });
    }
  }
  problems.push(...keyLengthProblems(keyset));
  const presence = presenceProblem(keyset);
  if (presence !== undefined) problems.push(presence);
  return problems;
}

/**
 * A publish or subscribe key longer than `MAX_KEY_BYTES` (model/keyset.ts): the NATS event bus and
 * PostgreSQL's indexes could not hold it. Never shows the key: a config problem may end up in a log.
 */
function keyLengthProblems(keyset: Record<string, unknown>): FieldProblem[] {
  return (['publishKey', 'subscribeKey'] as const).flatMap((option) => {
    const key = keyset[option];
    const bytes = typeof key === 'string' ? Buffer.byteLength(key, 'utf8') : 0;
    return bytes > MAX_KEY_BYTES
      ? [{ path: option, message: `is ${bytes} bytes long in UTF-8; at most ${MAX_KEY_BYTES} are allowed (PubNub's keys are 42)` }]
      : [];
  });
}

/**
 * The keyset's presence timeout against its limits (model/keyset.ts `presenceTimeoutProblem`),
 * judged only when each value read is absent or an integer.
 */
function presenceProblem(keyset: Record<string, unknown>): FieldProblem | undefined {
  const limits = keyset['limits'] === undefined ? {} : keyset['limits'];
  if (!isObject(limits)) return undefined;
  const read = (value: unknown, fallback: number) => (value === undefined ? fallback : Number.isInteger(value) ? (value as number) : undefined);
  const timeout = read(keyset['presenceTimeoutSeconds'], DEFAULT_PRESENCE.presenceTimeoutSeconds);
  const min = read(limits['minPresenceTimeoutSeconds'], DEFAULT_LIMITS.minPresenceTimeoutSeconds);
  const max = read(limits['maxPresenceTimeoutSeconds'], DEFAULT_LIMITS.maxPresenceTimeoutSeconds);
  if (timeout === undefined || min === undefined || max === undefined) return undefined;
  const limitsGiven = { minPresenceTimeoutSeconds: min, maxPresenceTimeoutSeconds: max };
  const problem = presenceTimeoutProblem(timeout, limitsGiven, keyset['presenceTimeoutSeconds'] === undefined);
  return problem && { path: problem.key, message: problem.message };
}

const SHARED_KEY_HARM = {
  secretKey: 'a token made for one would be valid on the other',
  publishKey: 'the publish key names one keyset',
};

/**
 * Two keysets with one secret (or publish) key. Names both keysets by index and subscribe key,
 * never the key itself: a config problem may end up in a log.
 */
function sharedKeyProblems(keysets: unknown[], option: 'secretKey' | 'publishKey'): string[] {
  const problems: string[] = [];
  const firstWith = new Map<string, number>();
  for (const [index, keyset] of keysets.entries()) {
    const key = isObject(keyset) ? keyset[option] : undefined;
    if (typeof key !== 'string' || key === '') continue;
    const first = firstWith.get(key);
    if (first === undefined) {
      firstWith.set(key, index);
      continue;
    }
    problems.push(
      `keysets[${index}].${option}: keysets[${index}] (${subscribeKeyOf(keyset)}) has the same ${option} as keysets[${first}] (${subscribeKeyOf(keysets[first])}); ${SHARED_KEY_HARM[option]}: give each keyset its own (\`npx roster keys new\` prints one)`,
    );
  }
  return problems;
}

function subscribeKeyOf(keyset: unknown): string {
  const key = isObject(keyset) ? keyset['subscribeKey'] : undefined;
  return typeof key === 'string' ? `subscribe key ${JSON.stringify(key)}` : 'no subscribe key';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
