/**
 * Property-based fuzzing of the App Context filter language: the parser answers every input
 * with an AST or a 4xx RosterError, every filter it accepts compiles to SQL that SQLite runs,
 * generated well-formed filters always parse to the AST they mean, and pathological inputs are
 * refused quickly, also over HTTP.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useServer, type RunningServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/model/keyset.ts';
import { RosterError } from '../src/errors.ts';
import { decideMembership, decideObject } from '../src/objects/apply.ts';
import type { ChannelRecord, Custom, UuidRecord } from '../src/model/records.ts';
import type { Resource } from '../src/query/fields.ts';
import type { FilterNode } from '../src/query/filter/ast.ts';
import { compileFilter } from '../src/query/filter/compile.ts';
import { MAX_FILTER_COMPARISONS, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, MAX_FILTER_SCANNING_LIKES, parseFilter } from '../src/query/filter/parser.ts';
import { parseSort } from '../src/query/sort.ts';
import { sqliteDialect } from '../src/store/sqlite/dialect.ts';
import { SqliteStore } from '../src/store/sqlite/index.ts';
import type { ListQuery } from '../src/store/store.ts';
import { anyFilterText, compilableFilter, percentEncode, RESOURCES, wellFormedFilter, type ExpectedNode } from './fuzz-arbitraries.ts';
import { scale } from './scale.ts';

const UNIT_RUNS = scale(20_000, 1_000);
const HTTP_RUNS = scale(2_000, 100);
const SUB = 'fuzz';
/** The owner of the memberships and members lists the store queries run over. */
const OWNER: Record<Resource, string | undefined> = { uuids: undefined, channels: undefined, memberships: 'alice', members: 'general' };

type ParseOutcome = { ok: true; ast: FilterNode } | { ok: false; error: RosterError };

/** Parses, turning the expected refusal into a value; anything else thrown propagates and fails the property. */
function tryParse(text: string): ParseOutcome {
  try {
    return { ok: true, ast: parseFilter(text) };
  } catch (error) {
    if (error instanceof RosterError) return { ok: false, error };
    throw error;
  }
}

/** Compiles for one resource: SQL, or the 4xx refusal (unknown field, date literal, LIKE on a date). */
function tryCompile(ast: FilterNode, resource: Resource): string | RosterError {
  try {
    return compileFilter(ast, resource, sqliteDialect, sqliteDialect.params());
  } catch (error) {
    if (error instanceof RosterError) return error;
    throw error;
  }
}

function expectFilterRefusal(error: RosterError): void {
  expect(error.status, error.message).toBeGreaterThanOrEqual(400);
  expect(error.status, error.message).toBeLessThan(500);
  expect(error.code).toBe('INVALID_FILTER');
  expect(error.details[0]).toMatchObject({ location: 'filter', locationType: 'query' });
}

/** The parsed AST without positions and LIKE patterns, to compare with what a generator meant. */
function shape(node: FilterNode): ExpectedNode {
  switch (node.type) {
    case 'and':
    case 'or':
      return { type: node.type, left: shape(node.left), right: shape(node.right) };
    case 'not':
      return { type: 'not', expr: shape(node.expr) };
    case 'condition':
      return { type: 'condition', path: node.path, operator: node.operator, value: node.value };
  }
}

// ---------------------------------------------------------------------------------------------
// A real SQLite store with rows whose fields and custom values give every condition something to read

let dir: string;
let store: SqliteStore;
const totals = new Map<Resource, number>();

const rules = { ifMatch: undefined, merge: false, limits: DEFAULT_LIMITS };

const CUSTOMS: (Custom | null)[] = [
  null,
  {},
  { x: 1, $x: 'a', _: true, name: null, like: 'Like', null: 0 },
  { x: 'x', 'a b': 2.5, "q'": 'q', '': 'empty', 'a.b': -1, '"': '"', '\\': false, é: 'é' },
  { x: -1e300, y: 'ñandú', a1: 'A*B%_\\', true: 'true', Ωμέγα: 1, '\u0000': 'nul' },
];

async function seed(): Promise<void> {
  for (const [index, custom] of CUSTOMS.entries()) {
    const uuid: Partial<UuidRecord> = {
      name: index % 2 ? `User ${index}` : null,
      email: `u${index}@x.io`,
      status: index % 3 ? 'active' : null,
      type: 'human',
      custom,
    };
    await store.uuids.write(SUB, `user-${index}`, decideObject<UuidRecord>('uuid', `user-${index}`, uuid, rules));
    const channel: Partial<ChannelRecord> = { name: `Channel ${index}`, description: index % 2 ? 'd' : null, status: 'open', custom };
    await store.channels.write(SUB, `channel-${index}`, decideObject<ChannelRecord>('channel', `channel-${index}`, channel, rules));
  }
  await store.uuids.write(SUB, 'alice', decideObject<UuidRecord>('uuid', 'alice', { name: 'Alice', custom: { x: 3 } }, rules));
  await store.channels.write(SUB, 'general', decideObject<ChannelRecord>('channel', 'general', { name: 'General' }, rules));
  // Memberships to channels with and without metadata, so the LEFT JOINed side is sometimes NULL.
  const memberships = ['general', 'channel-1', 'channel-3', 'ghost'].map((channelId, index) => ({
    otherId: channelId,
    decide: decideMembership('alice', channelId, { status: index % 2 ? 'left' : null, custom: CUSTOMS[index + 1] ?? null }, { ...rules, location: 'set' }),
  }));
  await store.memberships.apply({ subKey: SUB, side: 'uuid', ownerId: 'alice', set: memberships, delete: [] });
  const members = ['user-1', 'user-2', 'user-4', 'nobody'].map((uuidId, index) => ({
    otherId: uuidId,
    decide: decideMembership(uuidId, 'general', { type: index % 2 ? 'admin' : null, custom: CUSTOMS[4 - index] ?? null }, { ...rules, location: 'set' }),
  }));
  await store.memberships.apply({ subKey: SUB, side: 'channel', ownerId: 'general', set: members, delete: [] });
}

function listQuery(resource: Resource, filter: FilterNode | undefined): ListQuery {
  return { subKey: SUB, resource, ownerId: OWNER[resource], filter, sort: parseSort(resource, []), limit: 100, count: true, withRelated: true };
}

/** Runs a real list through the store: the compiled SQL is prepared and executed by SQLite. */
async function count(resource: Resource, filter: FilterNode | undefined): Promise<number> {
  const query = listQuery(resource, filter);
  const page =
    resource === 'uuids' ? await store.uuids.list(query) : resource === 'channels' ? await store.channels.list(query) : await store.memberships.list(query);
  expect(page.rows.length).toBe(page.totalCount);
  return page.totalCount ?? -1;
}

/**
 * A compiled filter is never NULL (compile.ts), so a filter and its negation split the rows:
 * together they count every row once. This also runs both statements through SQLite.
 */
async function expectPartition(resource: Resource, ast: FilterNode): Promise<void> {
  const matched = await count(resource, ast);
  const unmatched = await count(resource, { type: 'not', expr: ast });
  expect(matched + unmatched, `filter and its negation on ${resource}`).toBe(totals.get(resource));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roster-fuzz-filter-'));
  store = new SqliteStore({ path: join(dir, 'fuzz.db'), synchronous: 'normal' });
  await seed();
  for (const resource of RESOURCES) totals.set(resource, await count(resource, undefined));
});

afterAll(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the filter parser on arbitrary input', () => {
  it('answers every string with an AST or a 4xx INVALID_FILTER, never another exception', () => {
    let accepted = 0;
    fc.assert(
      fc.property(anyFilterText, (text) => {
        const outcome = tryParse(text);
        if (outcome.ok) accepted += 1;
        else expectFilterRefusal(outcome.error);
      }),
      { numRuns: UNIT_RUNS },
    );
    // Both branches must have been exercised, or the property says little.
    expect(accepted).toBeGreaterThan(UNIT_RUNS * 0.05);
    expect(accepted).toBeLessThan(UNIT_RUNS * 0.95);
  });

  it('accepts every generated well-formed filter, as the AST it was built from', () => {
    fc.assert(
      fc.property(wellFormedFilter, (filter) => {
        const outcome = tryParse(filter.text);
        if (!outcome.ok) throw new Error(`refused ${JSON.stringify(filter.text)}: ${outcome.error.details[0]?.message}`);
        expect(shape(outcome.ast)).toEqual(filter.ast);
      }),
      { numRuns: UNIT_RUNS },
    );
  });
});

describe('compiled filters in SQLite', () => {
  it('every accepted filter compiles for each resource to SQL that SQLite runs, or is a 4xx', async () => {
    let executed = 0;
    await fc.assert(
      fc.asyncProperty(anyFilterText, async (text) => {
        const outcome = tryParse(text);
        if (!outcome.ok) return;
        for (const resource of RESOURCES) {
          const compiled = tryCompile(outcome.ast, resource);
          if (compiled instanceof RosterError) {
            expectFilterRefusal(compiled);
            continue;
          }
          await expectPartition(resource, outcome.ast);
          executed += 1;
        }
      }),
      { numRuns: UNIT_RUNS },
    );
    expect(executed).toBeGreaterThan(UNIT_RUNS * 0.05);
  });

  it('filters built from each resource’s own fields always compile and run', async () => {
    const resourceFilter = fc.constantFrom(...RESOURCES).chain((resource) => compilableFilter(resource).map((filter) => ({ resource, filter })));
    await fc.assert(
      fc.asyncProperty(resourceFilter, async ({ resource, filter }) => {
        const outcome = tryParse(filter.text);
        if (!outcome.ok) throw new Error(`refused ${JSON.stringify(filter.text)}: ${outcome.error.details[0]?.message}`);
        const compiled = tryCompile(outcome.ast, resource);
        if (compiled instanceof RosterError) throw new Error(`did not compile for ${resource}: ${compiled.details[0]?.message}`);
        await expectPartition(resource, outcome.ast);
      }),
      { numRuns: UNIT_RUNS },
    );
  });
});

describe('pathological filters', () => {
  const CASES: [string, string][] = [
    ['10,000 open parentheses', '('.repeat(10_000)],
    ['10,000 nested parentheses around a condition', `${'('.repeat(10_000)}name == "x"${')'.repeat(10_000)}`],
    ['10,000 negations', `${'!'.repeat(10_000)}name == "x"`],
    ['10,000 negated groups', `${'!('.repeat(10_000)}name == "x"${')'.repeat(10_000)}`],
    ['10,000 brackets', `custom${'["a"]'.repeat(10_000)} == 1`],
    ['1 MB of one letter', 'a'.repeat(1 << 20)],
    ['1 MB of conditions', 'name == "x" && '.repeat((1 << 20) / 15)],
    ['1 MB inside one string', `name == "${'x'.repeat(1 << 20)}"`],
    ['an unterminated 1 MB string', `name == "${'\\"'.repeat(1 << 19)}`],
    ['one level too deep', `${'('.repeat(MAX_FILTER_DEPTH + 1)}a == 1${')'.repeat(MAX_FILTER_DEPTH + 1)}`],
    ['one character too long', `name == "${'x'.repeat(MAX_FILTER_LENGTH - 9)}"`],
    ['one comparison too many', Array.from({ length: MAX_FILTER_COMPARISONS + 1 }, (_, i) => `a == ${i}`).join('||')],
    ['one scanning LIKE too many', Array.from({ length: MAX_FILTER_SCANNING_LIKES + 1 }, (_, i) => `custom.x LIKE "*${i}*"`).join('||')],
  ];

  it.each(CASES)('%s: a 4xx, quickly', (_name, text) => {
    const started = performance.now();
    const outcome = tryParse(text);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expectFilterRefusal(outcome.error);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('the largest accepted filters compile and run: the longest chain and the deepest nesting', async () => {
    // As many comparisons as allowed, their keys padded so the whole filter is as long as allowed.
    const chain = (joiner: string) => {
      const skeleton = Array.from({ length: MAX_FILTER_COMPARISONS }, (_, i) => `custom.k${i} == ${i}`).join(joiner);
      const pad = Math.floor((MAX_FILTER_LENGTH - skeleton.length) / MAX_FILTER_COMPARISONS);
      return Array.from({ length: MAX_FILTER_COMPARISONS }, (_, i) => `custom.k${'k'.repeat(pad)}${i} == ${i}`).join(joiner);
    };
    const deep = `${'!('.repeat(MAX_FILTER_DEPTH / 2)}name == "x"${')'.repeat(MAX_FILTER_DEPTH / 2)}`;
    const levels = Math.min(MAX_FILTER_DEPTH, MAX_FILTER_COMPARISONS - MAX_FILTER_SCANNING_LIKES);
    const likes = Array.from({ length: MAX_FILTER_SCANNING_LIKES }, (_, i) => `name LIKE "*${i}*"`).join(' || ');
    const alternating = Array.from({ length: levels }, (_, i) => `custom.x == ${i} ${i % 2 ? '&&' : '||'} (`).join('') + likes + ')'.repeat(levels);
    for (const text of [chain(' && '), chain('||'), deep, alternating]) {
      const outcome = tryParse(text);
      if (!outcome.ok) throw new Error(`refused ${text.slice(0, 60)}…: ${outcome.error.details[0]?.message}`);
      for (const resource of RESOURCES) {
        if (!(tryCompile(outcome.ast, resource) instanceof RosterError)) await expectPartition(resource, outcome.ast);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Over HTTP: the list endpoints of a real server

const LIST_PATHS: Record<Resource, string> = {
  uuids: `/v2/objects/${SUB}/uuids`,
  channels: `/v2/objects/${SUB}/channels`,
  memberships: `/v2/objects/${SUB}/uuids/alice/channels`,
  members: `/v2/objects/${SUB}/channels/general/uuids`,
};
const MAX_URL_BYTES = 32 * 1024;

interface HttpReply {
  status: number;
  body: unknown;
  text: string;
}

async function get(server: RunningServer, pathAndQuery: string): Promise<HttpReply> {
  const response = await fetch(`${server.url}${pathAndQuery}`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

/** What the server must answer to a list with this filter: a 200 when it parses and compiles, else a 400. */
function expectedStatus(text: string, resource: Resource, urlBytes: number): number {
  if (urlBytes > MAX_URL_BYTES) return 414;
  const sent = Buffer.from(text, 'utf8').toString('utf8');
  if (sent === '') return 200;
  const outcome = tryParse(sent);
  if (!outcome.ok) return 400;
  return tryCompile(outcome.ast, resource) instanceof RosterError ? 400 : 200;
}

describe('filters over HTTP', () => {
  const server = useServer({ keysets: [{ publishKey: SUB, subscribeKey: SUB }], args: ['--subscribe-hold', '1'] });

  beforeAll(async () => {
    const send = (method: string, path: string, body: unknown) =>
      fetch(`${server.url}/v2/objects/${SUB}/${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const [index, custom] of CUSTOMS.entries()) {
      await send('PATCH', `uuids/user-${index}`, { name: `User ${index}`, custom });
      await send('PATCH', `channels/channel-${index}`, { name: `Channel ${index}`, custom });
    }
    await send('PATCH', 'uuids/alice/channels', { set: [{ channel: { id: 'general' }, custom: { x: 1 } }, { channel: { id: 'ghost' } }] });
    await send('PATCH', 'channels/general/uuids', { set: [{ uuid: { id: 'user-1' }, status: 's' }, { uuid: { id: 'nobody' } }] });
  });

  it('every list answers a filter with a 200 or the 400 the parser and compiler predict, never a 5xx', async () => {
    const text = fc.oneof(
      anyFilterText,
      fc.constantFrom(...RESOURCES).chain((resource) => compilableFilter(resource).map((filter) => filter.text)),
    );
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom(...RESOURCES), fc.boolean(), async (filter, resource, counted) => {
        const path = `${LIST_PATHS[resource]}?filter=${percentEncode(filter)}${counted ? '&count=true' : ''}`;
        const reply = await get(server, path);
        expect(reply.status, reply.text).toBe(expectedStatus(filter, resource, Buffer.byteLength(path)));
        if (reply.status === 400) {
          expect(reply.body).toMatchObject({
            status: 400,
            error: { message: 'Invalid filter expression.', source: 'objects', details: [{ location: 'filter', locationType: 'query' }] },
          });
        } else if (reply.status === 200) {
          expect(reply.body).toMatchObject({ status: 200, data: expect.any(Array) });
        }
      }),
      { numRuns: HTTP_RUNS },
    );
  });

  it('pathological filters get a 4xx over HTTP and the server keeps answering', async () => {
    const nested = `${'('.repeat(10_000)}name == "x"${')'.repeat(10_000)}`;
    const bangs = `${'!'.repeat(10_000)}name == "x"`;
    const huge = 'a'.repeat(1 << 20);
    for (const filter of [nested, bangs, huge]) {
      for (const resource of RESOURCES) {
        const reply = await get(server, `${LIST_PATHS[resource]}?filter=${percentEncode(filter)}`);
        expect(reply.status, reply.text).toBeGreaterThanOrEqual(400);
        expect(reply.status, reply.text).toBeLessThan(500);
        expect(reply.body, reply.text).toBeDefined();
      }
      const subscribe = await get(server, `/v2/subscribe/${SUB}/general/0?tt=0&filter-expr=${percentEncode(filter)}`);
      expect(subscribe.status, subscribe.text).toBeGreaterThanOrEqual(400);
      expect(subscribe.status, subscribe.text).toBeLessThan(500);
    }
    const time = await get(server, '/time/0');
    expect(time.status).toBe(200);
    expect(server.process.exitCode).toBeNull();
  });
});
