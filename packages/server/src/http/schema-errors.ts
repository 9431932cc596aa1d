import type { TSchema } from 'typebox';
import { badRequest, invalid, type LocationType, type RosterError } from '../errors.ts';
import { NUMBER_OUT_OF_RANGE } from '../objects/validate.ts';
import { serviceOfPath } from './error-envelope.ts';
import { firstRefusal, type Refusal, type SchemaNode } from './schema-walk.ts';

/**
 * A route schema's refusal as a RosterError naming the offending field the way PubNub names it:
 * `user.email` and "User email must be …" for a user's body (the body schema's
 * {@link FIELD_PREFIX}), `set[0].channel.id` for a membership item, the parameter's name for
 * the query and the path.
 */

/** Body schemas' keyword: what PubNub puts before a body field's name (`user.` for a user's fields). */
export const FIELD_PREFIX = 'x-field-prefix';

/** A route schema as read here: its keywords (schema-walk.ts), and ours. */
interface SchemaFacts extends SchemaNode {
  [FIELD_PREFIX]?: string;
}

const LOCATION_TYPES: Record<string, LocationType> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };
/** How a message names each part of the request. */
const PART_NAMES: Record<LocationType, string> = { body: 'body', query: 'query string', path: 'path', header: 'headers' };

const SIMPLE_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'array', 'object']);

/** The bare type names a schema allows (`string`, `null`), or undefined when it is more than a choice of types. */
function typeNames(node: SchemaNode): string[] | undefined {
  if (node.anyOf) {
    const names: string[] = [];
    for (const branch of node.anyOf) {
      const branchNames = typeNames(branch);
      if (branchNames?.length !== 1) return undefined;
      names.push(...branchNames);
    }
    return names;
  }
  if (node.type === undefined || !SIMPLE_TYPES.has(node.type) || node.patternProperties) return undefined;
  return [node.type];
}

const joinOr = (names: readonly string[]): string => (names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`);
const article = (name: string): string => (name === 'null' ? '' : /^[aeiou]/.test(name) ? 'an ' : 'a ');

/** What a value of `node` must be, in words: `a string or null`, `an object of string or number values`. */
function expected(node: SchemaNode): string {
  const names = typeNames(node);
  if (names) return `${article(names[0] ?? '')}${joinOr(names)}`;
  const values = node.patternProperties ? Object.values(node.patternProperties)[0] : undefined;
  if (values) return `an object of ${joinOr(typeNames(values) ?? ['valid'])} values`;
  if (node.anyOf) return node.anyOf.map(expected).join(', or ');
  return 'a valid value';
}

/** `['set', '0', 'channel']` → `set[0].channel`. */
const fieldPath = (segments: readonly string[]): string =>
  segments.map((segment, index) => (/^\d+$/.test(segment) ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join('');

/**
 * Where the refused value sits and what it must be. A value that should be an object with a
 * required key (a reference `{id}`) is named by that key: PubNub names `set[0].channel.id`, not
 * `set[0].channel`.
 */
function refusedField({ segments, node, missing }: Refusal): { segments: string[]; node: SchemaNode } {
  const required = missing === undefined && node.type === 'object' ? node.required?.[0] : undefined;
  if (required === undefined) return { segments, node };
  return { segments: [...segments, required], node: node.properties?.[required] ?? {} };
}

/** What the refused value must be; a number past JSON's range where numbers are allowed is named as such. */
function mustBe(refusal: Refusal, node: SchemaNode): string {
  const number = typeof refusal.value === 'number' && !Number.isFinite(refusal.value);
  return number && typeNames(node)?.includes('number') ? NUMBER_OUT_OF_RANGE : `must be ${expected(node)}`;
}

/** `user.` → `User `: how a message names the fields under a prefix. */
const labelOf = (prefix: string): string => (prefix === '' ? '' : `${prefix.charAt(0).toUpperCase()}${prefix.slice(1, -1)} `);

/** The 400 for `value`, a request part that `schema` refused, in the envelope of the service at `url`. */
export function schemaRefusal(schema: TSchema, value: unknown, httpPart: string | undefined, url: string): RosterError {
  const root = schema as SchemaFacts; // TypeBox types are JSON Schema objects
  const locationType = LOCATION_TYPES[httpPart ?? ''] ?? 'body';
  // Check refused it, so the walk finds where; the fallback only keeps a disagreement from throwing.
  const refusal = firstRefusal(root, value) ?? { segments: [], node: root, value };
  const { segments, node } = refusedField(refusal);
  let location: string;
  let message: string;
  if (segments.length === 0) {
    location = locationType;
    message = `The request ${PART_NAMES[locationType]} ${node.type === 'object' ? 'must be a JSON object' : mustBe(refusal, node)}.`;
  } else {
    const prefix = root[FIELD_PREFIX] ?? '';
    location = `${prefix}${fieldPath(segments)}`;
    message = `${labelOf(prefix)}${fieldPath(segments)} ${mustBe(refusal, node)}.`;
  }
  return refusal400(url, location, locationType, message);
}

/** A query parameter whose name or value does not percent-decode (url.ts `malformedParameter`). */
export const notPercentEncoded = (name: string, url: string): RosterError =>
  refusal400(url, name, 'query', `The query parameter '${name}' is not validly percent-encoded.`);

function refusal400(url: string, location: string, locationType: LocationType, message: string): RosterError {
  const service = serviceOfPath(url);
  // The objects and grant envelopes show the details; the others show only the message.
  return service === 'objects' || service === 'access-manager' ? invalid(location, locationType, message) : badRequest(location, locationType, message);
}
