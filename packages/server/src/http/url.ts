import type { FastifyRequest } from 'fastify';
import { RosterError } from '../errors.ts';

/**
 * Request URLs, parsed once. The router parses the query with {@link parseQueryString} (it is
 * Fastify's `querystringParser`); the path is split here as sent, still percent-encoded, because
 * names may hold an encoded `,` or `/` (wire-protocol.md §1.1: split first, then decode each piece).
 *
 * Query strings are decoded the RFC 3986 way: `%XX` only, and `+` stays a plus (PubNub SDKs send
 * `%20` for spaces, and Python sends raw `+` in tokens). Repeated keys keep every value. A
 * malformed escape is a 400 naming its parameter (`malformedParameter`).
 */
export type QueryValues = Record<string, string | string[] | undefined>;

/** `text` percent-decoded, or undefined when an escape is malformed (`%FF`, `%G1`, a lone `%`). */
function decode(text: string): string | undefined {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The first parameter of a parsed query that held a malformed escape, by the query it was parsed into. */
const malformed = new WeakMap<QueryValues, string>();

/**
 * The name of the first parameter whose name or value held a malformed escape, if any: the
 * route schema refuses the request naming it (schema.ts). The parser cannot refuse it itself
 * (it runs inside the router), so it keeps such text as sent and marks the query.
 */
export const malformedParameter = (query: QueryValues): string | undefined => malformed.get(query);

/**
 * Objects with no prototype, as `Object.create(null)` makes, but made by a constructor, so V8
 * gives them fast properties: `Object.create(null)` starts a hash table, about 0.7 µs a request.
 */
const EmptyQuery = function () {} as unknown as new () => QueryValues;
EmptyQuery.prototype = Object.create(null) as object;

export function parseQueryString(text: string): QueryValues {
  const values = new EmptyQuery();
  for (let start = 0; start <= text.length;) {
    let end = text.indexOf('&', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const equals = text.indexOf('=', start);
      const named = equals >= 0 && equals < end;
      const keyText = text.slice(start, named ? equals : end);
      const valueText = named ? text.slice(equals + 1, end) : '';
      let key = decode(keyText);
      let value = decode(valueText);
      if (key === undefined || value === undefined) {
        if (!malformed.has(values)) malformed.set(values, key ?? keyText);
        key ??= keyText;
        value ??= valueText;
      }
      const existing = values[key];
      if (existing === undefined) values[key] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else values[key] = [existing, value];
    }
    start = end + 1;
  }
  return values;
}

/** The last value of a parameter (a repeated scalar parameter: last one wins). */
export function single(query: QueryValues, key: string): string | undefined {
  const value = query[key];
  return Array.isArray(value) ? value.at(-1) : value;
}

export function all(query: QueryValues, key: string): string[] {
  const value = query[key];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Every parameter as a `[key, value]` pair, a repeated key once per value. */
export function queryPairs(query: QueryValues): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) for (const item of value) pairs.push([key, item]);
    else if (value !== undefined) pairs.push([key, value]);
  }
  return pairs;
}

/** The request target exactly as received: path and query, nothing decoded. */
export const targetOf = (request: FastifyRequest): string => request.raw.url ?? request.url;

/** A target's path as sent, still percent-encoded: everything before its first `?`. */
export function rawPathOf(target: string): string {
  const end = target.indexOf('?');
  return end < 0 ? target : target.slice(0, end);
}

/** A target's query text as sent: everything after its first `?` ('' when there is none). */
export function rawQueryOf(target: string): string {
  const start = target.indexOf('?');
  return start < 0 ? '' : target.slice(start + 1);
}

/** The `:name` parameters (and a trailing `*`) of a route path such as `/v2/subscribe/:subKey/:channels/:callback`. */
type ParamNames<TPath extends string> = TPath extends `${infer Head}/${infer Rest}`
  ? ParamNames<Head> | ParamNames<Rest>
  : TPath extends `:${infer Name}`
    ? Name
    : TPath extends '*'
      ? '*'
      : never;

export type RawParams<TPath extends string> = { readonly [Name in ParamNames<TPath>]: string };

/**
 * Reads the parameters of the route at `path` from the request path as sent, still
 * percent-encoded (the router's `request.params` are decoded): a channel list is split on `,`
 * before its names are decoded. A trailing `*` takes the rest of the path, slashes included. A
 * path of another length (the router ends a path at a raw `#`) is a 404.
 */
export function rawParamsOf<const TPath extends string>(path: TPath): (request: FastifyRequest) => RawParams<TPath> {
  const names = path.split('/').slice(1);
  // Each segment's key in the answer, found once: `:name` → `name`, `*` → `*`, a literal → none.
  const keys = names.map((name) => (name === '*' ? name : name.startsWith(':') ? name.slice(1) : undefined));
  // Walked rather than split: only the named segments become strings (every route reads them).
  return (request) => {
    const target = targetOf(request);
    const question = target.indexOf('?');
    const end = question < 0 ? target.length : question;
    const params: Record<string, string> = {};
    let start = 1; // after the path's leading `/`
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      if (key === '*') {
        params[key] = target.slice(start, end);
        break;
      }
      const slash = target.indexOf('/', start);
      const segmentEnd = slash < 0 || slash > end ? end : slash;
      // Every segment but the last ends at a `/`; the last ends the path.
      if ((segmentEnd === end) !== (index === keys.length - 1)) throw new RosterError('NOT_FOUND', 'Not found.');
      if (key !== undefined) params[key] = target.slice(start, segmentEnd);
      start = segmentEnd + 1;
    }
    return params as RawParams<TPath>; // one entry per name the type lists
  };
}

/**
 * The query after the target's first `?`, parsed: the router's own parse, except when a raw `#`
 * comes first. The router (find-my-way) ends the path at a `#` too and parses what follows it as
 * the query; no SDK sends one, but the text after the `?` is what a client signs, so it is parsed
 * here then.
 */
export function queryAsSent(request: FastifyRequest, target: string = targetOf(request)): QueryValues {
  const hash = target.indexOf('#');
  const question = target.indexOf('?');
  if (hash < 0 || (question >= 0 && question < hash)) return request.query as QueryValues; // parsed by parseQueryString
  return parseQueryString(rawQueryOf(target));
}
