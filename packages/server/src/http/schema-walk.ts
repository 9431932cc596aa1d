/**
 * Where a value a route schema refused first breaks it: read from the schema and the value
 * together, stopping at the first refusal, so that reporting a refusal costs no more than the
 * check that found it. (TypeBox's `Errors` walks the whole value: a 4 MiB body of wrong items
 * took over a second of blocking work, before any credential was looked at.)
 *
 * It reads the JSON Schema keywords route schemas are built from (TypeBox's Object, Record,
 * Array, Union and scalar types); {@link checkWalkable} refuses a route schema with any other
 * constraint when the route is built, so the two cannot drift apart.
 */

/** The JSON Schema keywords route schemas use, as read here. */
export interface SchemaNode {
  type?: string;
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
}

/** The value `node` refused, at `segments` from where the walk started (`['set', '3', 'status']`). */
export interface Refusal {
  segments: string[];
  node: SchemaNode;
  value: unknown;
  /** Set when the refusal is a required property that is absent: its name is the last segment. */
  missing?: true;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What each `type` accepts, as TypeBox checks it (numbers are finite). */
const TYPE_TESTS: Record<string, (value: unknown) => boolean> = {
  string: (value) => typeof value === 'string',
  number: (value) => Number.isFinite(value),
  integer: (value) => Number.isInteger(value),
  boolean: (value) => typeof value === 'boolean',
  null: (value) => value === null,
  array: (value) => Array.isArray(value),
  object: isObject,
};

const STRUCTURE = new Set(['type', 'anyOf', 'properties', 'patternProperties', 'required', 'items']);
/** Keywords that document and never refuse. */
const ANNOTATIONS = new Set(['description', 'title', 'examples', 'default', 'deprecated', 'readOnly', 'writeOnly', '$comment', '$id', '$schema']);

/** The place of a refusal found inside `key` of the value: the key goes first. */
const under = (key: string, refusal: Refusal): Refusal => ({ ...refusal, segments: [key, ...refusal.segments] });

const patterns = new Map<string, RegExp>();
function patternOf(source: string): RegExp {
  let pattern = patterns.get(source);
  if (pattern === undefined) patterns.set(source, (pattern = new RegExp(source, 'u')));
  return pattern;
}

/** The first place `value` breaks `node`, or undefined when it does not. */
export function firstRefusal(node: SchemaNode, value: unknown): Refusal | undefined {
  if (node.anyOf) return unionRefusal(node, node.anyOf, value);
  if (node.type !== undefined && !(TYPE_TESTS[node.type]?.(value) ?? false)) return { segments: [], node, value };
  if (node.type === 'object') return objectRefusal(node, value as Record<string, unknown>);
  if (node.type === 'array' && node.items) return itemsRefusal(node.items, value as unknown[]);
  return undefined;
}

/**
 * A value no branch takes is refused at the union (`must be a string or null`), unless exactly
 * one branch took its outer shape and broke deeper: then that deeper place (`custom.deep`).
 */
function unionRefusal(node: SchemaNode, branches: readonly SchemaNode[], value: unknown): Refusal | undefined {
  let deeper: Refusal | undefined;
  let deeperCount = 0;
  for (const branch of branches) {
    const refusal = firstRefusal(branch, value);
    if (refusal === undefined) return undefined;
    if (refusal.segments.length > 0) {
      deeper = refusal;
      deeperCount++;
    }
  }
  return deeperCount === 1 ? deeper : { segments: [], node, value };
}

function objectRefusal(node: SchemaNode, value: Record<string, unknown>): Refusal | undefined {
  for (const key of node.required ?? []) {
    if (!Object.hasOwn(value, key)) return { segments: [key], node: node.properties?.[key] ?? {}, value: undefined, missing: true };
  }
  // `for…in` over the schema's own keyword objects: nothing is allocated per value visited.
  for (const key in node.properties) {
    if (!Object.hasOwn(value, key) || value[key] === undefined) continue; // as TypeBox takes an optional property
    const refusal = firstRefusal(node.properties[key]!, value[key]);
    if (refusal) return under(key, refusal);
  }
  if (node.patternProperties === undefined) return undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    for (const source in node.patternProperties) {
      if (!patternOf(source).test(key)) continue;
      const refusal = firstRefusal(node.patternProperties[source]!, value[key]);
      if (refusal) return under(key, refusal);
    }
  }
  return undefined;
}

function itemsRefusal(items: SchemaNode, value: readonly unknown[]): Refusal | undefined {
  for (let index = 0; index < value.length; index++) {
    const refusal = firstRefusal(items, value[index]);
    if (refusal) return under(String(index), refusal);
  }
  return undefined;
}

/**
 * Throws when `schema` holds a constraint {@link firstRefusal} does not read (`minLength`,
 * `enum`, `$ref`…): a route built with one would be refused without being told where.
 * `x-` keywords are annotations of ours.
 */
export function checkWalkable(schema: unknown, at = '#'): void {
  if (!isObject(schema)) throw new Error(`Route schema ${at} is not a schema object.`);
  for (const keyword of Object.keys(schema)) {
    if (STRUCTURE.has(keyword) || ANNOTATIONS.has(keyword) || keyword.startsWith('x-')) continue;
    throw new Error(`Route schema ${at} uses '${keyword}', which schema-walk.ts does not check: refusals would not say where.`);
  }
  const node = schema as SchemaNode;
  if (node.type !== undefined && !Object.hasOwn(TYPE_TESTS, node.type))
    throw new Error(`Route schema ${at} has type '${node.type}', which schema-walk.ts does not check.`);
  node.anyOf?.forEach((branch, index) => checkWalkable(branch, `${at}/anyOf/${index}`));
  for (const [key, property] of Object.entries(node.properties ?? {})) checkWalkable(property, `${at}/properties/${key}`);
  for (const [source, property] of Object.entries(node.patternProperties ?? {})) checkWalkable(property, `${at}/patternProperties/${source}`);
  if (node.items !== undefined) checkWalkable(node.items, `${at}/items`);
}
