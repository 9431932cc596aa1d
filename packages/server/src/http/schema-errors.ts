import type { TSchema } from 'typebox';
import type { TLocalizedValidationError } from 'typebox/error';
import { badRequest, invalid, type LocationType, type RosterError } from '../errors.ts';
import { serviceOfPath } from './error-envelope.ts';

/**
 * A route schema's refusal as a RosterError naming the offending field the way PubNub names it:
 * `user.email` and "User email must be …" for a user's body (the body schema's
 * {@link FIELD_PREFIX}), `set[0].channel.id` for a membership item, the parameter's name for
 * the query and the path.
 */

/** Body schemas' keyword: what PubNub puts before a body field's name (`user.` for a user's fields). */
export const FIELD_PREFIX = 'x-field-prefix';

/** The JSON Schema keywords route schemas use, as read here. */
interface SchemaFacts {
  type?: string;
  anyOf?: SchemaFacts[];
  properties?: Record<string, SchemaFacts>;
  patternProperties?: Record<string, SchemaFacts>;
  required?: string[];
  [FIELD_PREFIX]?: string;
}

const LOCATION_TYPES: Record<string, LocationType> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };
/** How a message names each part of the request. */
const PART_NAMES: Record<LocationType, string> = { body: 'body', query: 'query string', path: 'path', header: 'headers' };

const SIMPLE_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'array', 'object']);

/** The bare type names a schema allows (`string`, `null`), or undefined when it is more than a choice of types. */
function typeNames(node: SchemaFacts): string[] | undefined {
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
function expected(node: SchemaFacts): string {
  const names = typeNames(node);
  if (names) return `${article(names[0] ?? '')}${joinOr(names)}`;
  const values = node.patternProperties ? Object.values(node.patternProperties)[0] : undefined;
  if (values) return `an object of ${joinOr(typeNames(values) ?? ['valid'])} values`;
  if (node.anyOf) return node.anyOf.map(expected).join(', or ');
  return 'a valid value';
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '#') return [];
  return pointer
    .replace(/^#/, '')
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function schemaAt(root: SchemaFacts, pointer: string): SchemaFacts {
  let node: unknown = root;
  for (const segment of pointerSegments(pointer)) node = (node as Record<string, unknown> | undefined)?.[segment];
  return (node ?? {}) as SchemaFacts; // a schemaPath TypeBox reported points into this schema
}

/** `['set', '0', 'channel']` → `set[0].channel`. */
const fieldPath = (segments: readonly string[]): string =>
  segments.map((segment, index) => (/^\d+$/.test(segment) ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join('');

/** The refusal TypeBox reports first, taken at the outermost schema that refused that value (an `anyOf`, not one of its branches). */
function firstRefusal(errors: readonly TLocalizedValidationError[]): TLocalizedValidationError | undefined {
  const first = errors[0];
  if (first === undefined) return undefined;
  return errors.filter((error) => error.instancePath === first.instancePath).reduce((a, b) => (b.schemaPath.length < a.schemaPath.length ? b : a));
}

/**
 * Where the refused value sits and what it must be. A missing key, or a value that should be an
 * object with a required key (a reference `{id}`), is named by that key: PubNub names
 * `set[0].channel.id`, not `set[0].channel`.
 */
function refusedField(root: SchemaFacts, error: TLocalizedValidationError): { segments: string[]; node: SchemaFacts } {
  const segments = pointerSegments(error.instancePath);
  const node = schemaAt(root, error.schemaPath);
  const missing =
    error.keyword === 'required'
      ? (error.params as { requiredProperties: string[] }).requiredProperties[0] // TypeBox's shape of a `required` error
      : node.type === 'object'
        ? node.required?.[0]
        : undefined;
  if (missing === undefined) return { segments, node };
  return { segments: [...segments, missing], node: node.properties?.[missing] ?? {} };
}

/** `user.` → `User `: how a message names the fields under a prefix. */
const labelOf = (prefix: string): string => (prefix === '' ? '' : `${prefix.charAt(0).toUpperCase()}${prefix.slice(1, -1)} `);

/** The 400 for a request part that `schema` refused, in the envelope of the service at `url`. */
export function schemaRefusal(schema: TSchema, errors: readonly TLocalizedValidationError[], httpPart: string | undefined, url: string): RosterError {
  const root = schema as SchemaFacts; // TypeBox types are JSON Schema objects
  const locationType = LOCATION_TYPES[httpPart ?? ''] ?? 'body';
  const error = firstRefusal(errors);
  const { segments, node } = error ? refusedField(root, error) : { segments: [], node: root };
  let location: string;
  let message: string;
  if (segments.length === 0) {
    location = locationType;
    message = `The request ${PART_NAMES[locationType]} must be ${node.type === 'object' ? 'a JSON object' : expected(node)}.`;
  } else {
    const prefix = root[FIELD_PREFIX] ?? '';
    location = `${prefix}${fieldPath(segments)}`;
    message = `${labelOf(prefix)}${fieldPath(segments)} must be ${expected(node)}.`;
  }
  const service = serviceOfPath(url);
  // The objects and grant envelopes show the details; the others show only the message.
  return service === 'objects' || service === 'access-manager' ? invalid(location, locationType, message) : badRequest(location, locationType, message);
}
