import { createHash } from 'node:crypto';
import { keysetEntryProblems, KeysetSchema } from '../config/file.ts';
import { RosterError } from '../errors.ts';
import { keysetFrom, type Keyset, type KeysetInput } from '../model/keyset.ts';

/**
 * A keyset's settings as the registry stores them: the entry as the config file would hold it
 * (keys, secret, flags, limits; nothing filled in by default), checked by the config file's own
 * rules (config/file.ts `keysetEntryProblems`), so a keyset made in the console is one the
 * config file could have declared.
 */

/** The config file's schema of one keyset, which the admin API documents its bodies from. */
export const KEYSET_SCHEMA = KeysetSchema;

/** The keys of a keyset: made by the server, never set by a request. */
export const KEY_FIELDS = ['publishKey', 'subscribeKey', 'secretKey'] as const;

/** What a request asks of a keyset's settings: each value set, or `null` to go back to its default. */
export type SettingsChanges = Record<string, unknown>;

/** Settings that are objects of their own; a change merges into them key by key. */
const NESTED = new Set(['limits', 'rateLimit']);

/** JSON with every object's keys in code point order: one text for one entry, however it was written. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'object' && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** The seed hash of a config file's entry: SHA-256 of its canonical JSON, hex. */
export const seedHashOf = (entry: KeysetInput): string => createHash('sha256').update(canonicalJson(entry)).digest('hex');

/**
 * `entry` with `changes` applied: a value replaces the setting, `null` removes it (its default
 * applies again); `limits` and `rateLimit` merge key by key the same way. Keys are refused.
 * @throws RosterError 400 naming a key field the changes hold.
 */
export function withChanges(entry: Record<string, unknown>, changes: SettingsChanges): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...entry };
  for (const [name, value] of Object.entries(changes)) {
    if ((KEY_FIELDS as readonly string[]).includes(name)) throw keyRefusal(name);
    if (value === null) delete merged[name];
    else if (NESTED.has(name) && isObject(value) && isObject(merged[name])) merged[name] = withoutNulls({ ...merged[name], ...value });
    else merged[name] = isObject(value) ? withoutNulls(value) : value;
  }
  return merged;
}

/**
 * The keyset of a stored or requested entry, checked as the config file checks its entries.
 * @throws RosterError 400 naming the first field at fault (its path in the request body) and
 * listing every problem in `details`.
 */
export function checkedKeyset(entry: Record<string, unknown>): Keyset {
  const problems = keysetEntryProblems(entry).map(({ path, message }) => ({
    message: `${path === '(top level)' ? 'The keyset' : path}: ${path === 'accessManager' && !('secretKey' in entry) ? NO_SECRET : message}`,
    location: path === '(top level)' ? 'body' : path,
    locationType: 'body' as const,
  }));
  if (problems.length > 0) throw new RosterError('INVALID_INPUT', problems[0]!.message, problems);
  return keysetFrom(entry as KeysetInput);
}

const NO_SECRET = 'Access Manager needs a secret key to sign and check tokens: give the keyset one with POST /admin/v1/keysets/{subKey}/rotate-secret first';

function keyRefusal(name: string): RosterError {
  const how = name === 'secretKey' ? 'POST /admin/v1/keysets/{subKey}/rotate-secret makes a new one' : 'a keyset keeps the keys it was made with';
  const message = `${name}: keys are made by the server and cannot be set; ${how}`;
  return new RosterError('INVALID_INPUT', message, [{ message, location: name, locationType: 'body' }]);
}

function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== null));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
