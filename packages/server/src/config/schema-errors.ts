import type { TSchema } from 'typebox';
import type { TLocalizedValidationError } from 'typebox/error';
import Value from 'typebox/value';
import { didYouMean } from './did-you-mean.ts';
import { withoutPasswords } from './without-passwords.ts';

/** The JSON Schema keywords the config schemas use. */
interface SchemaFacts {
  type?: string;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  pattern?: string;
  /** What a value matching `pattern` looks like, in words. */
  description?: string;
  properties?: Record<string, unknown>;
}

/** What a value of `schema` must be, in words: `an integer from 0 to 65535`, `one of normal, full`. */
export function expected(schema: TSchema): string {
  const facts = schema as SchemaFacts;
  if (facts.enum) return `one of ${facts.enum.map(String).join(', ')}`;
  if (facts.pattern !== undefined && facts.description !== undefined) return facts.description;
  switch (facts.type) {
    case 'boolean':
      return 'true or false';
    case 'string':
      return facts.minLength ? 'a non-empty string' : 'a string';
    case 'integer':
      return `an integer${range(facts)}`;
    case 'number':
      return `a number${range(facts)}`;
    case 'array':
      return facts.minItems ? 'a non-empty array' : 'an array';
    case 'object':
      return 'an object';
    default:
      return 'a valid value';
  }
}

/**
 * What the value `error` refused must be: a refinement's own words (`Type.Refine`, a check no
 * JSON Schema keyword says), else `expected` of the (sub)schema at the error's schema path.
 */
export function refusal(root: TSchema, error: TLocalizedValidationError): string {
  return error.keyword === '~refine' ? error.message : expected(at(root, error.schemaPath) as TSchema);
}

function range({ minimum, maximum, exclusiveMinimum }: SchemaFacts): string {
  if (minimum !== undefined && maximum !== undefined) return ` from ${minimum} to ${maximum}`;
  const low = minimum !== undefined ? `of at least ${minimum}` : exclusiveMinimum !== undefined ? `above ${exclusiveMinimum}` : undefined;
  const high = maximum === undefined ? undefined : `at most ${maximum}`;
  const bounds = [low, high].filter((bound) => bound !== undefined);
  return bounds.length === 0 ? '' : ` ${bounds.join(' and ')}`;
}

/** A JSON pointer (`/keysets/0/limits/x`) as the path a person reads: `keysets[0].limits.x`. */
export function jsonPath(pointer: string, ...more: string[]): string {
  const segments = [...pointerSegments(pointer), ...more];
  let path = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path === '' ? '(top level)' : path;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '#') return [];
  return pointer
    .replace(/^#/, '')
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function at(root: unknown, pointer: string): unknown {
  let node = root;
  for (const segment of pointerSegments(pointer)) {
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return node;
}

/** Keys whose values are never echoed in a message: they may be secret (`secretKey`, `adminSecret`). */
const SECRET_KEY = /(key|secret)$/i;

/** A short rendering of an offending value for an error message; a URL's password is `***`. */
function shown(value: unknown, path: string): string {
  if (Array.isArray(value)) return 'an array';
  if (SECRET_KEY.test(path)) return value === '' ? 'an empty string' : value === null ? 'null' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = withoutPasswords(JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** One thing wrong with a value: the JSON path of the offending value (`keysets[0].port`, `(top level)`) and what is wrong. */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * Everything wrong with `value` against `schema`, one message per problem, each starting with the
 * JSON path of the offending value: `keysets[0].acessManager: unknown key (did you mean
 * accessManager?)`, `port: expected an integer from 0 to 65535, got "x"`. Empty when valid.
 */
export function schemaProblems(schema: TSchema, value: unknown): string[] {
  return schemaRefusals(schema, value).map(({ path, message }) => `${path}: ${message}`);
}

/** `schemaProblems`, each as its path and its message apart. */
export function schemaRefusals(schema: TSchema, value: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  // One message per offending value: the outermost schema that refused it says what was expected
  // (an `anyOf` rather than each of its branches).
  const refusals = new Map<string, TLocalizedValidationError>();
  for (const error of Value.Errors(schema, value)) {
    if (error.keyword === 'additionalProperties') {
      const known = Object.keys((at(schema, error.schemaPath) as SchemaFacts).properties ?? {});
      for (const key of error.params.additionalProperties) {
        const hint = didYouMean(key, known) || `; known keys: ${known.join(', ')}`;
        problems.push({ path: jsonPath(error.instancePath, key), message: `unknown key${hint}` });
      }
    } else if (error.keyword === 'required') {
      const properties = (at(schema, error.schemaPath) as SchemaFacts).properties ?? {};
      for (const key of error.params.requiredProperties) {
        const wanted = properties[key] as TSchema | undefined;
        problems.push({ path: jsonPath(error.instancePath, key), message: `missing (expected ${wanted ? expected(wanted) : 'a value'})` });
      }
    } else if (error.keyword !== 'boolean') {
      // `boolean` errors repeat an unknown key already reported by `additionalProperties`.
      const earlier = refusals.get(error.instancePath);
      if (!earlier || error.schemaPath.length < earlier.schemaPath.length) refusals.set(error.instancePath, error);
    }
  }
  for (const [pointer, error] of refusals) {
    const path = jsonPath(pointer);
    problems.push({ path, message: `expected ${refusal(schema, error)}, got ${shown(at(value, pointer), path)}` });
  }
  return problems;
}
