/**
 * The endpoint fuzzer's requests: for each group of endpoints, a fast-check arbitrary of requests
 * as a client could send them (paths, query strings, headers and bodies, well-formed or not),
 * every piece already in its wire form, and every URL within `MAX_FUZZ_URL`.
 */
import fc from 'fast-check';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { listFingerprint } from '../src/query/cursor.ts';
import type { Resource } from '../src/query/fields.ts';
import { parseSort } from '../src/query/sort.ts';
import { anyFilterText, longString, percentEncode, weirdString, wellFormedFilter } from './fuzz-arbitraries.ts';
import { TOKEN, type FuzzRequest, type Signing, type Target } from './fuzz-http.ts';

export const OPEN_KEYS = { publishKey: 'demo', subscribeKey: 'demo' };
export const LOCKED_KEYS = { publishKey: 'pub-c-fuzz', subscribeKey: 'sub-c-fuzz', secretKey: 'sec-c-fuzz-secret' };

// ---------------------------------------------------------------------------------------------
// Raw pieces of a URL

/** Percent escapes that do not decode, or decode to something odd, and characters with a meaning in URLs. */
const GARBAGE = [
  '%',
  '%%',
  '%zz',
  '%4',
  '%C3%28',
  '%C3',
  '%E0%80%80',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%FF',
  '%C0%AF',
  '%00',
  '%0A',
  '%0D%0A',
  '%2F',
  '%2C',
  '%25',
  '%u0041',
  '%3F',
  '%23',
  '%2E%2E',
  '+',
  '.',
  '..',
  ',',
  ';',
  '=',
  '&',
  '#',
  '@',
  ':',
  '*',
  '~',
  '$',
  '!',
  "'",
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '|',
  '\\',
  '^',
  '`',
  '"',
  '<',
  '>',
  '-pnpres',
  '.*',
];

const garbage = fc.array(fc.constantFrom(...GARBAGE), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
/** Raw bytes 0x21–0xFF, which Node sends as they are (0x80 and up are invalid UTF-8 on their own). */
const rawBytes = fc.string({
  unit: fc
    .integer({ min: 0x21, max: 0xff })
    .filter((c) => c !== 0x3f)
    .map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 12,
});

/** One path segment as sent. */
const segment = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/) },
  { weight: 2, arbitrary: weirdString.map(percentEncode) },
  { weight: 2, arbitrary: garbage },
  {
    weight: 1,
    arbitrary: fc.oneof(
      { weight: 1, arbitrary: rawBytes },
      { weight: 3, arbitrary: fc.constantFrom('', '.', '..', '/', '//', 'a/b', '%2F..%2F', 'x'.repeat(92), 'x'.repeat(93), '%C3%A9'.repeat(47)) },
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 40_000 }).map((n) => 'x'.repeat(n)) },
);

/** A path segment that is usually the right value and sometimes anything. */
const usually = (value: string) => fc.oneof({ weight: 6, arbitrary: fc.constant(value) }, { weight: 1, arbitrary: segment });

const subKey = (target: Target['name']) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constant(target === 'open' ? OPEN_KEYS.subscribeKey : LOCKED_KEYS.subscribeKey) },
    { weight: 1, arbitrary: fc.constantFrom(OPEN_KEYS.subscribeKey, LOCKED_KEYS.subscribeKey, 'sub-c-unknown') },
    { weight: 1, arbitrary: segment },
  );
const pubKey = (target: Target['name']) => usually(target === 'open' ? OPEN_KEYS.publishKey : LOCKED_KEYS.publishKey);

const knownId = fc.constantFrom('alice', 'bob', 'general', 'lobby', 'ghost');
const objectId = fc.oneof(
  { weight: 3, arbitrary: knownId },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9-]{1,12}$/) },
  { weight: 2, arbitrary: segment },
);

/** A `{channels}` segment: names joined by commas, each as sent. */
const channelList = fc.oneof(
  { weight: 3, arbitrary: fc.array(knownId, { minLength: 1, maxLength: 3 }).map((names) => names.join(',')) },
  // Nothing is ever published on these, so a poll with a timetoken is held (for the 1 s hold).
  { weight: 1, arbitrary: fc.constantFrom('quiet-1', 'quiet-2,quiet-3') },
  { weight: 2, arbitrary: fc.array(fc.oneof(knownId, segment), { minLength: 1, maxLength: 5 }).map((names) => names.join(',')) },
  { weight: 1, arbitrary: fc.constantFrom(',', ',,', 'a,', ',a', 'general.*', 'general-pnpres', 'a%2Cb') },
);

// ---------------------------------------------------------------------------------------------
// Query strings

/** Values that are almost what a parameter wants, or plainly not. */
const TYPE_CONFUSED = [
  '',
  '0',
  '1',
  '-1',
  '100',
  '101',
  '1.5',
  '1e3',
  'NaN',
  'Infinity',
  '0x10',
  '１２',
  ' 5',
  'true',
  'false',
  'True',
  'null',
  'undefined',
  '[]',
  '{}',
  '[1]',
  '{"a":1}',
  '{"a":{"b":[1,2]}}',
  'custom',
  'status,type',
  'custom,channel.custom,uuid.custom,channel.status,totalCount',
  'name:desc',
  'id:asc,updated:desc',
  'custom.x:desc',
  'channel.name',
  'name:sideways',
  'a:b:c',
  ',,,',
  '99999999999999999999',
  '-0',
  '2147483648',
  '17000000000000000',
  '12345678901234567890',
  'n',
  'p',
  'nAAAAAAAAAAA',
  'pW10',
  'zzz',
];

/** A nesting depth: anywhere up to `max`, often right at the limits that matter (1000, the stack). */
const depth = (max: number) =>
  fc.oneof(fc.integer({ min: 1, max }), fc.constantFrom(...[999, 1000, 1001, 4500, 6000, 10_000, 16_000, 100_000].filter((d) => d <= max)));

const queryValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TYPE_CONFUSED).map(percentEncode) },
  { weight: 2, arbitrary: weirdString.map(percentEncode) },
  { weight: 1, arbitrary: weirdString.map((text) => percentEncode(text).replace(/%20/g, '+')) },
  { weight: 2, arbitrary: garbage },
  { weight: 1, arbitrary: rawBytes },
  { weight: 1, arbitrary: anyFilterText.map(percentEncode) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 4 }).map(percentEncode) },
  { weight: 1, arbitrary: longString.map(percentEncode) },
  { weight: 1, arbitrary: depth(6_000).map((n) => percentEncode(`${'['.repeat(n)}${']'.repeat(n)}`)) },
);

// `signature` and `timestamp` come from the request's signing mode, so that a valid signature stays valid.
const COMMON_PARAMS = ['uuid', 'auth', 'pnsdk', 'requestid', 'callback'];

const FILTERS = ['name == "Alice"', 'custom.x > 0', 'status != null', 'updated > "2020-01-01"', 'id LIKE "a*"', 'channel.name LIKE "G*"', 'uuid.id == "bob"'];
const MESSAGE_FILTERS = ['meta.a == 1', 'uuid == "alice"', "data.x LIKE 'a*'", '!(meta.n > 3) && meta.s != "x"', 'meta.tags CONTAINS "x"'];
const jsonObjectText = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).map((value) => JSON.stringify(value));

/** Values each parameter takes when a client means well, so that requests also get past validation. */
const PLAUSIBLE: Record<string, fc.Arbitrary<string>> = {
  limit: fc.integer({ min: 1, max: 100 }).map(String),
  count: fc.constantFrom('true', 'false', '1', '0', 'True'),
  include: fc
    .subarray(['custom', 'status', 'type', 'totalCount', 'channel', 'channel.custom', 'uuid', 'uuid.custom', 'channel.status', 'uuid.type'])
    .map((tokens) => tokens.join(',')),
  sort: fc.subarray(['name', 'id:desc', 'updated:asc', 'status', 'custom.x:desc', 'type', 'channel.name', 'uuid.id:desc']).map((keys) => keys.join(',')),
  filter: fc.oneof(
    fc.constantFrom(...FILTERS),
    wellFormedFilter.map((filter) => filter.text),
  ),
  uuid: knownId,
  tt: fc.constantFrom('0', '1', String(Date.now() * 10_000)),
  tr: fc.constantFrom('0', '1', '12'),
  'filter-expr': fc.constantFrom(...MESSAGE_FILTERS),
  heartbeat: fc.integer({ min: 0, max: 400 }).map(String),
  state: jsonObjectText,
  meta: jsonObjectText,
  store: fc.constantFrom('0', '1'),
  norep: fc.constantFrom('true', 'false'),
  ttl: fc.integer({ min: 0, max: 1000 }).map(String),
  seqn: fc.integer({ min: 1, max: 65_535 }).map(String),
  custom_message_type: fc.stringMatching(/^[a-z][a-z0-9_-]{2,20}$/),
  pnsdk: fc.constant('PubNub-JS-Nodejs/9.0.0'),
  requestid: fc.uuid(),
};

type QueryPair = FuzzRequest['query'][number];

/** One `name=value` pair: a plausible value for the name most of the time, anything otherwise. */
function pairFor(name: string): fc.Arbitrary<QueryPair> {
  const plausible = PLAUSIBLE[name];
  const value = fc.oneof(
    { weight: plausible === undefined ? 0 : 6, arbitrary: (plausible ?? fc.constant('')).map(percentEncode) },
    { weight: 3, arbitrary: queryValue },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  return value.map((v): QueryPair => [name, v]);
}

/** Pairs drawn from the names a route reads (and a few it does not), repeats included. */
function queryOf(names: readonly string[]): fc.Arbitrary<QueryPair[]> {
  const junkName = fc.tuple(fc.oneof(garbage, weirdString.map(percentEncode)), queryValue).map(([key, value]): QueryPair => [key, value]);
  const pair = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...names, ...COMMON_PARAMS).chain(pairFor) }, { weight: 1, arbitrary: junkName });
  return fc.array(pair, { maxLength: 5 });
}

/** `auth` set to the minted token (on the locked keyset it gets past the token check) with a uuid. */
const authPairs = fc.oneof(
  { weight: 3, arbitrary: fc.constant<QueryPair[]>([]) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('alice', 'bob').map((uuid): QueryPair[] => [
      ['auth', TOKEN],
      ['uuid', uuid],
    ]),
  },
);

const signing = fc.constantFrom<Signing>('valid', 'valid', 'valid', 'valid', 'none', 'junk', 'stale');

// ---------------------------------------------------------------------------------------------
// Bodies

const hugeNumbers = fc.constantFrom(1e308, -1e308, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, -0, 5e-324, 1.5, -1);
const jsonScalar = fc.oneof(weirdString, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), hugeNumbers, fc.boolean(), fc.constant(null));
const jsonAny: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: jsonScalar },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(jsonScalar, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(weirdString, jsonScalar, { maxKeys: 5 }) },
  { weight: 1, arbitrary: longString },
);

const customKey = fc.oneof(fc.constantFrom('x', '', '__proto__', 'constructor', 'a.b', 'a"b', "a'b", '\u0000', '$', 'k'.repeat(300)), weirdString);
const customValue = fc.oneof({ weight: 12, arbitrary: jsonScalar }, { weight: 1, arbitrary: jsonAny });
const custom = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(customKey, customValue, { maxKeys: 8 }) },
  { weight: 1, arbitrary: fc.dictionary(customKey, jsonScalar, { minKeys: 100, maxKeys: 150 }) },
  { weight: 1, arbitrary: jsonAny },
);
const idValue = fc.oneof(
  { weight: 8, arbitrary: knownId },
  { weight: 2, arbitrary: fc.constantFrom('a'.repeat(92), 'a'.repeat(93), '', ' ', '\u0000', 'é'.repeat(46), 'é'.repeat(47)) },
  { weight: 1, arbitrary: weirdString },
  { weight: 1, arbitrary: jsonAny },
);

/** A field's value: usually a short string or null, sometimes anything. */
const field = fc.oneof({ weight: 5, arbitrary: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null)) }, { weight: 1, arbitrary: jsonAny });
const objectPatch = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      {
        name: field,
        externalId: field,
        profileUrl: field,
        email: field,
        status: field,
        type: field,
        description: field,
        custom,
        id: jsonAny,
        eTag: jsonAny,
        updated: jsonAny,
        extra: jsonAny,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: jsonAny },
);

/** An item of `set` or `delete` in any shape, including other sides' and legacy keys. */
const anyMembershipItem = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      {
        channel: fc.oneof({ weight: 4, arbitrary: fc.record({ id: idValue }, { requiredKeys: [] }) }, { weight: 1, arbitrary: jsonAny }),
        uuid: fc.oneof({ weight: 4, arbitrary: fc.record({ id: idValue }, { requiredKeys: [] }) }, { weight: 1, arbitrary: jsonAny }),
        space: fc.record({ id: idValue }),
        user: fc.record({ id: idValue }),
        status: field,
        type: field,
        custom,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: jsonAny },
);

/** Items for one side (`channel` items for a user's memberships, `uuid` items for a channel's members), distinct ids. */
function sideItems(itemKey: 'channel' | 'uuid'): fc.Arbitrary<Record<string, unknown>[]> {
  const item = fc
    .record(
      { id: fc.oneof({ weight: 6, arbitrary: knownId }, { weight: 1, arbitrary: idValue }), status: field, type: field, custom },
      { requiredKeys: ['id'] },
    )
    .map(({ id, ...rest }): Record<string, unknown> => ({ [itemKey]: { id }, ...rest }));
  return fc.uniqueArray(item, { maxLength: 4, selector: (entry) => JSON.stringify(entry[itemKey]) });
}

function membershipList(itemKey: 'channel' | 'uuid'): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: sideItems(itemKey) },
    { weight: 2, arbitrary: fc.array(anyMembershipItem, { maxLength: 6 }) },
    { weight: 1, arbitrary: fc.array(anyMembershipItem, { minLength: 95, maxLength: 130 }) },
    { weight: 1, arbitrary: jsonAny },
  );
}

function membershipBody(itemKey: 'channel' | 'uuid'): fc.Arbitrary<unknown> {
  const lists = fc.record({ set: membershipList(itemKey), delete: membershipList(itemKey), extra: jsonAny }, { requiredKeys: [] });
  return fc.oneof({ weight: 6, arbitrary: lists }, { weight: 1, arbitrary: jsonAny });
}

const PATTERNS = ['.*', '^a$', 'room-[0-9]+', '[', '(', '(?<x>a)', 'a{1,99999}', '\\', '[a-', '\\p{L}+', '\\u{110000}', '(?=a)', '*'];
const permissionBits = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 255 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 256, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 1.5) },
  { weight: 1, arbitrary: jsonAny },
);
const resourceName = fc.oneof(
  fc.constantFrom(...PATTERNS),
  idValue.filter((v): v is string => typeof v === 'string'),
);
const permissionSection = fc.oneof({ weight: 5, arbitrary: fc.dictionary(resourceName, permissionBits, { maxKeys: 4 }) }, { weight: 1, arbitrary: jsonAny });
const sectionName = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('channels', 'groups', 'uuids', 'spaces', 'users') },
  { weight: 1, arbitrary: weirdString },
);
const permissionTable = fc.oneof({ weight: 5, arbitrary: fc.dictionary(sectionName, permissionSection, { maxKeys: 4 }) }, { weight: 1, arbitrary: jsonAny });
const grantBody = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      {
        ttl: fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 1, max: 43_200 }) },
          { weight: 1, arbitrary: fc.constantFrom(0, 43_201, -1, 1.5, 1e308) },
          { weight: 1, arbitrary: jsonAny },
        ),
        permissions: fc.oneof(
          {
            weight: 5,
            arbitrary: fc.record(
              {
                resources: permissionTable,
                patterns: permissionTable,
                meta: fc.oneof(fc.dictionary(weirdString, jsonScalar, { maxKeys: 4 }), jsonAny),
                uuid: idValue,
              },
              { requiredKeys: [] },
            ),
          },
          { weight: 1, arbitrary: jsonAny },
        ),
      },
      { requiredKeys: ['ttl'] },
    ),
  },
  { weight: 1, arbitrary: jsonAny },
);

/** JSON text no serializer would write: deep nesting, bad numbers, duplicates, BOMs, truncation. */
const oddJsonText = fc.oneof(
  depth(200_000).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  depth(50_000).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  depth(20_000).map((n) => `{"custom":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`),
  depth(20_000).map((n) => `{"set":[${'['.repeat(n)}${']'.repeat(n)}]}`),
  fc.constantFrom(
    '',
    ' ',
    'null',
    '1e999',
    '-',
    'nul',
    '{',
    '[',
    '{"name":"x"',
    '{"name":"\\ud800"}',
    '\ufeff{"name":"x"}',
    '{"name":"x"} trailing',
    '{"name":1,"name":"x"}',
    '{"__proto__":{"name":"x"}}',
    '{"custom":{"__proto__":1}}',
    '{"custom":{"__proto__":{"x":1}}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '{"name":"\u0000"}',
    '"just a string"',
    '[{"name":"x"}]',
    '{"ttl":1e400}',
    '{"set":[{"channel":{"id":"a"}}],"set":7}',
    '{"a":' + '1'.repeat(400) + '}',
  ),
  fc.json({ maxDepth: 6 }),
);

const textBody = fc.oneof(
  { weight: 1, arbitrary: oddJsonText.map((text) => Buffer.from(text, 'utf8')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.constantFrom('a=b&c=d', 'hello', '<xml/>', '--boundary\r\n').map((text) => Buffer.from(text)) },
);

/** A body from a model, sometimes replaced by text that is not what the route wants. */
function bodyOf(model: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer | undefined> {
  return fc.oneof(
    { weight: 6, arbitrary: model.map((value) => Buffer.from(JSON.stringify(value), 'utf8')) },
    { weight: 2, arbitrary: textBody },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'application/jsonx',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  '*/*',
  'application/json, text/plain',
  'application/merge-patch+json',
];
const headerJunk = fc.oneof(
  weirdString.map((text) => text.replace(/[^\t\x20-\x7e\x80-\xff]/g, '')),
  fc.constantFrom('*', '"etag"', 'W/"x"', '', 'x'.repeat(4000)),
);

/** Content-Type (or none), If-Match, custom merge and Content-Encoding headers, each maybe absent. */
/** A header that is mostly absent. */
const sometimes = (value: fc.Arbitrary<string>) => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
const headers = fc
  .record({
    'content-type': fc.oneof(
      { weight: 12, arbitrary: fc.constant('application/json') },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      { weight: 1, arbitrary: headerJunk },
    ),
    'if-match': sometimes(fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), headerJunk)),
    'roster-custom-merge': sometimes(fc.oneof(fc.constantFrom('true', 'TRUE', 'false'), headerJunk)),
    'content-encoding': sometimes(fc.oneof(fc.constantFrom('gzip', 'deflate', 'identity', 'br', 'x-gzip', 'gzip, deflate'), headerJunk)),
  })
  .map((record) => Object.fromEntries(Object.entries(record).filter((entry): entry is [string, string] => typeof entry[1] === 'string')));

// ---------------------------------------------------------------------------------------------
// Requests per endpoint group

const METHOD_NOISE = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE');
const method = (usual: readonly string[]) => fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: METHOD_NOISE });

type RequestFor = (target: Target['name']) => fc.Arbitrary<FuzzRequest>;

/**
 * URLs up to 40 KB: past the 32 KiB ceiling (a 414) but short of Node's 48 KiB header limit, where
 * the HTTP parser itself drops the connection before Roster sees the request.
 */
export const MAX_FUZZ_URL = 40_000;
export const urlLength = (request: FuzzRequest): number =>
  request.path.length + request.query.reduce((sum, [key, value]) => sum + key.length + (typeof value === 'string' ? value.length : 400) + 2, 200);

function request(parts: {
  method: fc.Arbitrary<string>;
  path: fc.Arbitrary<string>;
  query: fc.Arbitrary<QueryPair[]>;
  body?: fc.Arbitrary<Buffer | undefined>;
}): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({ method: parts.method, path: parts.path, query: parts.query, auth: authPairs, headers, body: parts.body ?? fc.constant(undefined), signing })
    .map(({ auth, body, ...rest }): FuzzRequest => ({ ...rest, query: [...auth, ...rest.query], ...(body === undefined ? {} : { body }) }))
    .map(withinUrlCeiling);
}

/**
 * The request with its URL cut to `MAX_FUZZ_URL`: its longest query values dropped first, then the
 * path shortened. Cut, never filtered: a filter inside a `chain` redraws only the inner part, and
 * once the outer part is too long (a 40,000-character sub-key segment) no redraw can pass, so the
 * draw never ends (it held CI for an hour).
 */
function withinUrlCeiling(request: FuzzRequest): FuzzRequest {
  if (urlLength(request) <= MAX_FUZZ_URL) return request;
  const query = [...request.query];
  const size = ([key, value]: QueryPair) => key.length + (typeof value === 'string' ? value.length : 0);
  while (query.length > 0 && urlLength({ ...request, query }) > MAX_FUZZ_URL) {
    const longest = query.reduce((best, pair, index) => (size(pair) > size(query[best]!) ? index : best), 0);
    query.splice(longest, 1);
  }
  const over = urlLength({ ...request, query }) - MAX_FUZZ_URL;
  return { ...request, query, path: over > 0 ? request.path.slice(0, request.path.length - over) : request.path };
}

const OBJECT_PARAMS = ['include', 'l_obj'];
const LIST_PARAMS = ['limit', 'start', 'end', 'include', 'filter', 'sort', 'count'];

const objectRequest: RequestFor = (target) =>
  request({
    method: method(['GET', 'PATCH', 'DELETE']),
    path: fc.tuple(subKey(target), fc.constantFrom('uuids', 'channels'), objectId).map(([sub, kind, id]) => `/v2/objects/${sub}/${kind}/${id}`),
    query: queryOf(OBJECT_PARAMS),
    body: bodyOf(objectPatch),
  });

/** Sort, filter and a cursor that carries the right fingerprint for the list of `sub`, so the cursor's values are what gets fuzzed. */
function listQuery(resource: Resource, sub: string, ownerId: string | undefined): fc.Arbitrary<QueryPair[]> {
  const sortValues = fc.array(
    fc.constantFrom('name', 'id:desc', 'updated:asc', 'status', 'custom.x:desc', 'channel.name', 'uuid.id:desc', 'type', 'custom.é'),
    { maxLength: 3 },
  );
  const cursorValues = fc.array(fc.oneof(jsonScalar, jsonAny), { maxLength: 6 });
  const crafted = fc.record({
    sort: sortValues,
    filter: fc.option(
      wellFormedFilter.map((f) => f.text),
      { nil: undefined },
    ),
    values: cursorValues,
    direction: fc.constantFrom('n', 'p'),
    param: fc.constantFrom('start', 'end'),
  });
  const pairs = crafted.map(({ sort, filter, values, direction, param }): QueryPair[] => {
    const query: QueryPair[] = sort.map((s): QueryPair => ['sort', percentEncode(s)]);
    if (filter !== undefined) query.push(['filter', percentEncode(filter)]);
    let keys: string;
    try {
      keys = parseSort(resource, sort)
        .map((key) => `${key.name}:${key.direction}`)
        .join(',');
    } catch {
      return query; // a sort the server refuses: no cursor can match it
    }
    const sent = filter === undefined ? '' : Buffer.from(filter, 'utf8').toString('utf8');
    const print = listFingerprint({ resource, subKey: sub, ownerId, sort: keys, filter: sent });
    query.push([param, `${direction}${print}${Buffer.from(JSON.stringify(values)).toString('base64url')}`]);
    return query;
  });
  const noCursor = fc.constant<QueryPair[]>([]);
  return fc
    .tuple(fc.oneof({ weight: 1, arbitrary: pairs }, { weight: 2, arbitrary: noCursor }), queryOf(LIST_PARAMS))
    .map(([cursor, rest]) => [...cursor, ...rest]);
}

const listRequest: RequestFor = (target) =>
  fc
    .constantFrom<'uuids' | 'channels'>('uuids', 'channels')
    .chain((resource) =>
      subKey(target).chain((sub) =>
        request({ method: method(['GET']), path: fc.constant(`/v2/objects/${sub}/${resource}`), query: listQuery(resource, sub, undefined) }),
      ),
    );

const membershipRequest: RequestFor = (target) =>
  fc.tuple(fc.constantFrom<'memberships' | 'members'>('memberships', 'members'), knownId, subKey(target)).chain(([resource, owner, sub]) => {
    const collection = resource === 'memberships' ? ['uuids', 'channels'] : ['channels', 'uuids'];
    return request({
      method: method(['GET', 'PATCH']),
      path: usually(owner).map((id) => `/v2/objects/${sub}/${collection[0]}/${id}/${collection[1]}`),
      query: listQuery(resource, sub, owner),
      body: bodyOf(membershipBody(resource === 'memberships' ? 'channel' : 'uuid')),
    });
  });

const SUBSCRIBE_PARAMS = ['tt', 'tr', 'filter-expr', 'heartbeat', 'channel-group', 'state', 'ee', 'presence'];
const subscribeQuery = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('0', '1', String(Date.now() * 10_000), '', '99999999999999999999', '-1', 'x') },
      { weight: 1, arbitrary: queryValue },
    ),
    fc.option(fc.oneof(fc.constantFrom(...MESSAGE_FILTERS).map(percentEncode), anyFilterText.map(percentEncode), queryValue), { nil: undefined, freq: 2 }),
    queryOf(SUBSCRIBE_PARAMS),
  )
  .map(([tt, filter, rest]): QueryPair[] => [['tt', tt], ...(filter === undefined ? [] : [['filter-expr', filter] as QueryPair]), ...rest]);

const subscribeRequest: RequestFor = (target) =>
  request({
    method: method(['GET']),
    path: fc
      .tuple(
        subKey(target),
        channelList,
        usually('0'),
        fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: segment.map((s) => `/${s}`) }),
      )
      .map(([sub, channels, callback, extra]) => `/v2/subscribe/${sub}/${channels}/${callback}${extra}`),
    query: subscribeQuery,
  });

const PUBLISH_PARAMS = ['store', 'meta', 'uuid', 'custom_message_type', 'ttl', 'norep', 'seqn'];
const messageText = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: oddJsonText },
  { weight: 1, arbitrary: depth(16_000).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
  { weight: 1, arbitrary: weirdString },
);
const publishQuery = fc
  .tuple(
    fc.option(
      fc
        .oneof(
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
          oddJsonText,
        )
        .map(percentEncode),
      { nil: undefined },
    ),
    queryOf(PUBLISH_PARAMS),
  )
  .map(([meta, rest]): QueryPair[] => [...(meta === undefined ? [] : [['meta', meta] as QueryPair]), ...rest]);
const publishPath = (target: Target['name'], tail: fc.Arbitrary<string>) =>
  fc.tuple(pubKey(target), subKey(target), usually('0'), fc.oneof(knownId, segment), usually('0'), tail).map((parts) => `/publish/${parts.join('/')}`);

const publishGetRequest: RequestFor = (target) =>
  request({
    method: method(['GET']),
    path: publishPath(
      target,
      fc.oneof(
        { weight: 4, arbitrary: messageText.map(percentEncode) },
        { weight: 1, arbitrary: segment },
        { weight: 1, arbitrary: fc.tuple(segment, segment).map((s) => s.join('/')) },
      ),
    ),
    query: publishQuery,
  });

/** A POST body: JSON as is or compressed (properly, or labelled so while it is not), or a small bomb. */
const publishBody = fc.oneof(
  { weight: 3, arbitrary: messageText.map((text) => Buffer.from(text)) },
  {
    weight: 1,
    arbitrary: fc.tuple(messageText, fc.constantFrom(gzipSync, deflateSync, deflateRawSync)).map(([text, compress]) => compress(Buffer.from(text))),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }).map((mb) => gzipSync(Buffer.alloc(mb * 1024 * 1024, 0x20))) },
  { weight: 1, arbitrary: textBody },
);
const publishPostRequest: RequestFor = (target) =>
  request({ method: method(['POST']), path: publishPath(target, fc.constant('')).map((path) => path.slice(0, -1)), query: publishQuery, body: publishBody });

const miscRequest: RequestFor = (target) =>
  request({
    method: method(['GET']),
    path: fc.oneof(
      usually('0').map((callback) => `/time/${callback}`),
      fc.constantFrom('/time', '/time/', '/', '', '//', '/v2', '/v2/objects', '/v2/objects/', '/v3/pam', '/publish', '/signal/demo/demo/0/ch/0/%22x%22'),
      fc
        .tuple(subKey(target), channelList, fc.constantFrom('heartbeat', 'leave', 'heartbeat/extra', 'state', 'uuid/x', ''))
        .map(([sub, channels, action]) => `/v2/presence/sub-key/${sub}/channel/${channels}/${action}`),
      fc.tuple(pubKey(target), subKey(target), channelList).map(([pub, sub, channel]) => `/signal/${pub}/${sub}/0/${channel}/0/%22hi%22`),
      fc.tuple(subKey(target), segment).map(([sub, rest]) => `/v1/channel-registration/sub-key/${sub}/channel-group/${rest}`),
      fc
        .tuple(
          fc.constantFrom('/v2/objects/', '/publish/', '/v2/presence/', '/v3/pam/', '/time/', '/v2/subscribe/', '/x/'),
          fc.array(segment, { maxLength: 6 }),
        )
        .map(([prefix, parts]) => `${prefix}${parts.join('/')}`),
    ),
    query: queryOf(['tt', 'heartbeat', 'state', 'channel-group', 'uuid', 'auth']),
    body: fc.option(textBody, { nil: undefined }),
  });

const accessRequest: RequestFor = (target) =>
  fc.oneof(
    request({ method: method(['POST']), path: subKey(target).map((sub) => `/v3/pam/${sub}/grant`), query: queryOf([]), body: bodyOf(grantBody) }),
    request({
      method: method(['DELETE']),
      path: fc
        .tuple(subKey(target), fc.oneof(fc.constant('TOKEN'), fc.base64String({ maxLength: 200 }).map(percentEncode), segment))
        .map(([sub, token]) => `/v3/pam/${sub}/grant/${token}`),
      query: queryOf([]),
    }),
  );

/** A target's name with one request of `requestFor` for it. */
const targetAndRequest = (requestFor: RequestFor, names: Target['name'][] = ['open', 'locked']) =>
  fc.constantFrom(...names).chain((name) => requestFor(name).map((request) => ({ name, request })));

/** Subscribes that validate are held for the hold time, so they go in concurrent batches. */
export const SUBSCRIBE_BATCH = 10;

/** One run of a group: the requests it sends at once, each with its target. */
export type Draw = fc.Arbitrary<{ name: Target['name']; request: FuzzRequest }[]>;
const one = (requestFor: RequestFor, names?: Target['name'][]): Draw => targetAndRequest(requestFor, names).map((drawn) => [drawn]);

/** Every group of endpoints the fuzzer runs, as each of its runs draws. */
export const GROUPS = {
  objects: one(objectRequest),
  lists: one(listRequest),
  memberships: one(membershipRequest),
  publishGet: one(publishGetRequest),
  publishPost: one(publishPostRequest),
  // Only a keyset with a secret key grants: the open one is asked too, less often.
  access: one(accessRequest, ['locked', 'locked', 'locked', 'open']),
  misc: one(miscRequest),
  subscribe: fc.array(targetAndRequest(subscribeRequest), { minLength: 1, maxLength: SUBSCRIBE_BATCH }),
} satisfies Record<string, Draw>;
