import type { Keyset } from '../auth/keysets.ts';
import { BoundedMap } from '../bounded-map.ts';
import { invalid } from '../errors.ts';
import type { ListCommand } from '../objects/service.ts';
import type { Include, ObjectFields } from '../objects/shape.ts';
import { decodeCursor, fingerprint } from '../query/cursor.ts';
import type { Resource } from '../query/fields.ts';
import { parseFilter } from '../query/filter/parser.ts';
import { parseSort } from '../query/sort.ts';
import type { Cursor } from '../store/store.ts';
import { all, single, type QueryValues } from './query-string.ts';

export const MAX_LIMIT = 100;

const RELATION_PREFIXES: Record<Resource, readonly string[]> = {
  uuids: [],
  channels: [],
  memberships: ['channel', 'space'],
  members: ['uuid', 'user'],
};

/**
 * `include` tokens, comma-separated and possibly repeated. Unknown and duplicate tokens are
 * ignored (SDKs send `totalCount` and duplicates); any `channel.*` / `uuid.*` token turns on the
 * related object in full.
 */
export function parseInclude(query: QueryValues, resource: Resource): Include {
  const values = all(query, 'include');
  return includes.remember(`${resource}\n${values.join('\n')}`, () => Object.freeze(includeOf(values, resource)));
}

/** Clients send the same few `include` lists on every call: each is parsed once. */
const includes = new BoundedMap<string, Include>(256);

function includeOf(values: string[], resource: Resource): Include {
  const tokens = new Set(values.flatMap((value) => value.split(',').map((t) => t.trim())));
  const include: Include = {
    custom: tokens.has('custom'),
    status: tokens.has('status'),
    type: tokens.has('type'),
    related: false,
    relatedCustom: false,
    relatedStatus: false,
    relatedType: false,
  };
  for (const prefix of RELATION_PREFIXES[resource]) {
    for (const token of tokens) {
      if (token !== prefix && !token.startsWith(`${prefix}.`)) continue;
      include.related = true;
      const field = token.slice(prefix.length + 1);
      if (field === 'custom') include.relatedCustom = true;
      if (field === 'status') include.relatedStatus = true;
      if (field === 'type') include.relatedType = true;
    }
  }
  return include;
}

export function objectFields(query: QueryValues): ObjectFields {
  return parseInclude(query, 'uuids');
}

function parseLimit(query: QueryValues): number {
  const text = single(query, 'limit');
  if (text === undefined || text === '') return MAX_LIMIT;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > MAX_LIMIT) {
    throw invalid('limit', 'query', `limit must be an integer from 1 to ${MAX_LIMIT}; got '${text}'.`);
  }
  return limit;
}

function parseCount(query: QueryValues): boolean {
  const text = single(query, 'count')?.toLowerCase();
  if (text === undefined || text === '' || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  throw invalid('count', 'query', `count must be true or false; got '${text}'.`);
}

function parseCursor(query: QueryValues, print: string): Cursor | undefined {
  // `end` is ignored when `start` is present, as PubNub documents.
  const start = single(query, 'start');
  if (start) return decodeCursor(start, 'start', print);
  const end = single(query, 'end');
  return end ? decodeCursor(end, 'end', print) : undefined;
}

/** Validates every list option into the store query and the shaping of its answer. */
export function parseListCommand(query: QueryValues, keyset: Keyset, resource: Resource, ownerId?: string): ListCommand {
  const filterText = single(query, 'filter');
  const filter = filterText === undefined || filterText === '' ? undefined : parseFilter(filterText);
  const sort = parseSort(resource, all(query, 'sort'));
  const include = parseInclude(query, resource);
  const print = fingerprint([resource, ownerId, sort.map((k) => `${k.name}:${k.direction}`).join(','), filterText ?? '']);
  const cursor = parseCursor(query, print);
  return {
    query: {
      subKey: keyset.subscribeKey,
      resource,
      ownerId,
      filter,
      sort,
      cursor,
      limit: parseLimit(query),
      count: parseCount(query),
      withRelated: include.related,
    },
    include,
    print,
  };
}
