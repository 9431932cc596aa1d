import { parseIncludeTokens, type RelatedKey } from '@roster/protocol';
import type { Keyset } from '../model/keyset.ts';
import { BoundedMap } from '../bounded-map.ts';
import { deepFreeze } from '../deep-freeze.ts';
import { invalid } from '../errors.ts';
import type { ListCommand } from '../objects/service.ts';
import type { Include, ObjectFields } from '../objects/shape.ts';
import { cursorWidth, decodeCursor, listFingerprint, type Cursor, type CursorExpectation } from '../query/cursor.ts';
import type { Resource } from '../query/fields.ts';
import { parseFilter } from '../query/filter/parser.ts';
import { parseSort } from '../query/sort.ts';
import { queryParam } from './schema.ts';
import { all, single, type QueryValues } from './url.ts';

export const MAX_LIMIT = 100;

/** The related object of each list's items, for `channel.*` / `uuid.*` include tokens. */
const RELATED: Record<Resource, RelatedKey | undefined> = {
  uuids: undefined,
  channels: undefined,
  memberships: 'channel',
  members: 'uuid',
};

/**
 * `include` tokens, comma-separated and possibly repeated. Unknown and duplicate tokens are
 * ignored (SDKs send `totalCount` and duplicates); any `channel.*` / `uuid.*` token turns on the
 * related object in full (the token grammar is the protocol's `parseIncludeTokens`).
 */
export function parseInclude(query: QueryValues, resource: Resource): Include {
  const values = all(query, 'include');
  // JSON, not a join: a value may hold any character, the separator included.
  return includes.remember(`${resource}${JSON.stringify(values)}`, () => canonicalInclude(parseIncludeTokens(values, RELATED[resource])));
}

/** Clients send the same few `include` lists on every call: each is parsed once. */
const includes = new BoundedMap<string, Include>(256);

/**
 * The one frozen object of each distinct include set (at most 2⁷), whatever the tokens' order,
 * repeats or unknown tokens: answers are kept per record and include set by identity
 * (objects/wire-text.ts), so `status,custom` and `custom,status` share theirs.
 */
function canonicalInclude(include: Include): Include {
  let bits = 0;
  for (const on of Object.values(include)) bits = (bits << 1) | (on ? 1 : 0);
  let kept = canonicalIncludes.get(bits);
  if (kept === undefined) canonicalIncludes.set(bits, (kept = Object.freeze(include)));
  return kept;
}
const canonicalIncludes = new Map<number, Include>();

export function objectFields(query: QueryValues): ObjectFields {
  return parseInclude(query, 'uuids');
}

/** `include` of a get or set: the optional fields to answer with. */
export const OBJECT_FIELDS_QUERY = {
  include: queryParam('Optional fields to answer with, comma-separated: `custom`, `status`, `type`. Unknown fields are ignored.'),
};

/** The list options of each list: their documentation here, their rules in the parsers below. */
export function listQuery(resource: Resource) {
  const related = RELATED[resource];
  const relatedFields =
    related === undefined
      ? ''
      : `, \`${related}\` (the ${related === 'channel' ? 'channel' : 'user'} in full), \`${related}.custom\`, \`${related}.status\`, \`${related}.type\``;
  return {
    include: queryParam(`Optional fields to answer with, comma-separated: \`custom\`, \`status\`, \`type\`${relatedFields}. Unknown fields are ignored.`),
    limit: queryParam(`Items per page: an integer from 1 to ${MAX_LIMIT}; default ${MAX_LIMIT}.`),
    start: queryParam('The `next` cursor of the previous page; it must come from a list with the same sort and filter.'),
    end: queryParam('The `prev` cursor of the previous page (ignored when `start` is given).'),
    count: queryParam('`true` (or `1`) adds `totalCount`, the number of items the filter matches; default `false`.'),
    filter: queryParam('A filter expression (`name LIKE "a*" && custom.rank > 2`); see the README.'),
    sort: queryParam('Sort keys, comma-separated or repeated: `field`, `field:asc` or `field:desc`; ties end on the id.'),
  };
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

function parseCursor(query: QueryValues, expected: CursorExpectation): Cursor | undefined {
  // `end` is ignored when `start` is present, as PubNub documents.
  const start = single(query, 'start');
  if (start) return decodeCursor(start, 'start', expected);
  const end = single(query, 'end');
  return end ? decodeCursor(end, 'end', expected) : undefined;
}

/** The query parameters a list command follows from. */
const LIST_OPTIONS = ['filter', 'sort', 'include', 'limit', 'start', 'end', 'count'] as const;

/**
 * Lists asked again with the same options (an app showing the same list, a client polling it)
 * are validated once: the command is kept, frozen, so the store also builds its statements once
 * (store/sql/page.ts, which keeps only short ones). Lists whose options are longer than
 * `MAX_KEPT_KEY` characters are not kept, so the commands and their statements stay within about
 * 15 MB however the lists are written.
 */
const listCommands = new BoundedMap<string, ListCommand>(256);
const MAX_KEPT_KEY = 6 * 1024;

/** Validates every list option into the store query and the shaping of its answer. */
export function parseListCommand(query: QueryValues, keyset: Keyset, resource: Resource, ownerId?: string): ListCommand {
  const key = JSON.stringify([resource, keyset.subscribeKey, ownerId ?? null, ...LIST_OPTIONS.map((name) => query[name] ?? null)]);
  if (key.length > MAX_KEPT_KEY) return newListCommand(query, keyset, resource, ownerId);
  return listCommands.remember(key, () => deepFreeze(newListCommand(query, keyset, resource, ownerId)));
}

function newListCommand(query: QueryValues, keyset: Keyset, resource: Resource, ownerId?: string): ListCommand {
  const filterText = single(query, 'filter');
  const filter = filterText === undefined || filterText === '' ? undefined : parseFilter(filterText);
  const sort = parseSort(resource, all(query, 'sort'));
  const include = parseInclude(query, resource);
  const print = listFingerprint({
    resource,
    subKey: keyset.subscribeKey,
    ownerId,
    sort: sort.map((k) => `${k.name}:${k.direction}`).join(','),
    filter: filterText ?? '',
  });
  const cursor = parseCursor(query, { print, width: cursorWidth(sort) });
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
