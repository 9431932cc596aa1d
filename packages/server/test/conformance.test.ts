/**
 * Conformance against what PubNub's real service answered.
 *
 * Replays the App Context (Objects v2) exchanges that PubNub's Python SDK recorded against
 * ps.pndsn.com against a fresh Roster server, in order, and compares every answer with the
 * recorded one. The facts come from `conformance/cases.json`, in this repository: distilled
 * from the recordings by `conformance/distil.ts`, each interaction named by its recording and
 * index. The recordings themselves are not in the repository; where they are present
 * (`ROSTER_CONFORMANCE_DIR`, by default `shared/conformance` beside the repository), the first
 * test below distils them again and fails if `cases.json` has drifted from them.
 * For every interaction it checks:
 *  - the HTTP status and a JSON Content-Type;
 *  - the same keys at every level and the same JSON types;
 *  - the same values for everything deterministic (ids, names, custom, status, type, totalCount,
 *    list order, `data: null` on deletes, error status, source and message);
 *  - only the format of volatile values: `updated` (ISO 8601 UTC, fractional seconds, `Z`),
 *    `eTag` (a non-empty string) and the `next`/`prev` cursors (non-empty strings, present
 *    exactly when recorded).
 * Requests are sent as recorded: method, raw path and raw query (Python's `count=True` and
 * comma-joined `sort` included), body bytes, and the Content-Type / If-Match headers (a request
 * recorded without Content-Type is sent without one). Two things cannot be sent verbatim:
 *  - an If-Match eTag is PubNub's; it is replaced by the eTag Roster answered for the same
 *    recorded eTag earlier in the scenario, so a recorded stale eTag stays stale;
 *  - a `start`/`end` cursor is PubNub's offset (`MTA`); it is replaced by the cursor Roster
 *    answered where the recording answered that cursor.
 *
 * The cassettes were recorded by a test suite sharing one keyset across test modules and runs,
 * so some depend on state other cassettes left behind. Each scenario below starts a fresh server
 * and replays, in order, the cassettes that make up a consistent history; where a cassette needs
 * state made elsewhere, a `setup` step replays the recorded interaction that made it (checking
 * only its status) and says why. The 42 App Context cassettes (native_sync/objects_v2,
 * native_sync/metadata, asyncio/objects_v2) hold 104 interactions, and every one is replayed
 * and compared below. native_sync/objects_v2/pam/grant.yaml is the legacy PAM v2 grant, not an
 * App Context call.
 */
import { request as httpRequest } from 'node:http';
import { useServer, type RunningServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_DIR } from './cassettes.ts';
import { caseCassette, isMarker, loadCases, objectOf, swiftCase, type CaseInteraction, type Expected, type Marker } from './conformance/cases.ts';
import { distil, recordingsPresent } from './conformance/distil.ts';

/** The test keyset: a non-demo key, so `{PN_KEY_SUBSCRIBE}` substitution is exercised. */
const SUB_KEY = 'sub-c-conformance';
const PUB_KEY = 'pub-c-conformance';

/** PubNub's `updated` format: UTC, 1–6 fractional digits with trailing zeros trimmed, `Z`. */
const UPDATED_FORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{0,5}[1-9]Z$/;
/** uuid and channel eTags as PubNub answers them (membership eTags are short base64). */
const OBJECT_ETAG = /^[0-9a-f]{32}$/;

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Expectation {
  /** The totalCount we must answer instead of the recorded one. */
  totalCount?: number;
  why: string;
}

type Step =
  | {
      kind: 'replay';
      cassette: string;
      /** Per interaction: deliberate or unavoidable differences from the recording. */
      expect?: Record<number, Expectation>;
      /** Interactions also re-sent with the query exactly as Python emits it (`,` and `:` unencoded). */
      pythonRawQuery?: readonly number[];
    }
  | { kind: 'setup'; cassette: string; only: readonly number[]; why: string }
  | { kind: 'seed'; cassette: string; interaction: number; collection: 'uuids' | 'channels'; why: string };

interface Scenario {
  title: string;
  steps: Step[];
}

const replay = (cassette: string, options: Omit<Extract<Step, { kind: 'replay' }>, 'kind' | 'cassette'> = {}): Step => ({
  kind: 'replay',
  cassette,
  ...options,
});
const setup = (cassette: string, only: readonly number[], why: string): Step => ({ kind: 'setup', cassette, only, why });

const NS = 'native_sync/objects_v2';
const SOMEUUID_QA_ONLINE = `${NS}/channel_members/channel_members_with_include_object.json`;

const SCENARIOS: Scenario[] = [
  {
    title: 'native_sync/objects_v2/uuid',
    steps: [
      replay(`${NS}/uuid/set_uuid.json`),
      replay(`${NS}/uuid/get_uuid.json`),
      replay(`${NS}/uuid/remove_uuid.json`),
      setup(
        `${NS}/channel_members/get_channel_members.json`,
        [0],
        'get_all_uuid was recorded when the only user on the keyset was someuuid_with_custom, made by the channel_members tests',
      ),
      replay(`${NS}/uuid/get_all_uuid.json`, { pythonRawQuery: [0] }),
      setup(
        SOMEUUID_QA_ONLINE,
        [0],
        'if_matches_etag was recorded after the include-object tests left someuuid with type QA and status online; its first partial PATCH must keep them',
      ),
      replay(`${NS}/uuid/if_matches_etag.json`),
    ],
  },
  {
    title: 'native_sync/objects_v2/channel',
    steps: [
      replay(`${NS}/channel/set_channel.json`),
      replay(`${NS}/channel/get_channel.json`),
      replay(`${NS}/channel/remove_channel.json`),
      setup(
        `${NS}/memberships/set_memberships.json`,
        [0, 1],
        'get_all_channel lists somechannel and somechannel_with_custom, which the memberships tests made',
      ),
      replay(`${NS}/channel/get_all_channel.json`, { pythonRawQuery: [1] }),
      replay(`${NS}/channel/if_matches_etag.json`),
    ],
  },
  {
    title: 'native_sync/metadata (the entities API over the same endpoints)',
    steps: [
      replay('native_sync/metadata/set_channel_metadata.json'),
      replay('native_sync/metadata/get_channel_metadata.json'),
      replay('native_sync/metadata/get_all_channel_metadata.json'),
      replay('native_sync/metadata/remove_channel_metadata.json'),
      replay('native_sync/metadata/set_uuid_metadata.json'),
      replay('native_sync/metadata/get_uuid_metadata.json'),
      replay('native_sync/metadata/get_all_uuid_metadata.json'),
      replay('native_sync/metadata/remove_uuid_metadata.json'),
    ],
  },
  {
    title: 'native_sync/objects_v2/channel_members',
    steps: [
      replay(`${NS}/channel_members/setup_module.json`),
      replay(`${NS}/channel_members/set_channel_members.json`),
      replay(`${NS}/channel_members/get_channel_members.json`),
      setup(
        `${NS}/channel_members/get_channel_members_with_pagination.json`,
        [0],
        'remove_ and manage_channel_members list the 15 test-fix-118-* members the pagination test added (that test is replayed on its own below: ' +
          'its recording lists only those 15, from a run where the other members were absent)',
      ),
      replay(`${NS}/channel_members/remove_channel_members.json`),
      replay(`${NS}/channel_members/manage_channel_members.json`),
      replay(`${NS}/channel_members/channel_members_with_include_object.json`),
    ],
  },
  {
    title: 'native_sync/objects_v2/channel_members pagination',
    steps: [replay(`${NS}/channel_members/setup_module.json`), replay(`${NS}/channel_members/get_channel_members_with_pagination.json`)],
  },
  {
    title: 'native_sync/objects_v2/memberships with include objects',
    steps: [
      replay(`${NS}/memberships/setup_module.json`),
      replay(`${NS}/memberships/channel_memberships_with_include_object.json`),
      replay(`${NS}/memberships/members_include_object.json`),
    ],
  },
  {
    title: 'native_sync/objects_v2/memberships set/get/remove/manage',
    steps: [
      replay(`${NS}/memberships/setup_module.json`),
      setup(
        `${NS}/channel/get_all_channel.json`,
        [0],
        'set_memberships lists somechannelid as the channel tests left it (name, description, custom key1/key2)',
      ),
      setup(
        `${NS}/channel_members/manage_channel_members.json`,
        [0],
        'set_memberships lists someuuid as a member of somechannelid, which manage_channel_members made',
      ),
      replay(`${NS}/memberships/set_memberships.json`),
      replay(`${NS}/memberships/get_memberships.json`),
      replay(`${NS}/memberships/remove_memberships.json`),
      replay(`${NS}/memberships/manage_memberships.json`),
    ],
  },
  {
    title: 'asyncio/objects_v2/uuid',
    steps: [
      setup(SOMEUUID_QA_ONLINE, [0], 'asyncio set_uuid was recorded over a someuuid with type QA and status online, which its partial PATCH keeps'),
      replay('asyncio/objects_v2/uuid/set_uuid.json'),
      replay('asyncio/objects_v2/uuid/get_uuid.json'),
      replay('asyncio/objects_v2/uuid/remove_uuid.json'),
      {
        kind: 'seed',
        cassette: 'asyncio/objects_v2/uuid/get_all_uuid.json',
        interaction: 0,
        collection: 'uuids',
        why: 'get_all_uuid lists the first 10 of 2320 users of PubNub’s shared test keyset; we create those 10 from the recorded answer so the page itself is reproducible',
      },
      replay('asyncio/objects_v2/uuid/get_all_uuid.json', {
        expect: {
          0: {
            totalCount: 10,
            why: 'the recorded totalCount (2320) counts PubNub’s shared keyset; ours holds the 10 seeded users (someuuid was removed before)',
          },
        },
      }),
      replay('asyncio/objects_v2/uuid/if_matches_etag.json'),
    ],
  },
  {
    title: 'asyncio/objects_v2/channel',
    steps: [
      replay('asyncio/objects_v2/channel/set_channel.json'),
      replay('asyncio/objects_v2/channel/get_channel.json'),
      replay('asyncio/objects_v2/channel/remove_channel.json'),
      {
        kind: 'seed',
        cassette: 'asyncio/objects_v2/channel/get_all_channel.json',
        interaction: 1,
        collection: 'channels',
        why: 'get_all_channel lists the first 10 of 23036 channels of PubNub’s shared test keyset; we create those 10 from the recorded answer so the page itself is reproducible',
      },
      replay('asyncio/objects_v2/channel/get_all_channel.json', {
        expect: {
          1: {
            totalCount: 11,
            why: 'the recorded totalCount (23036) counts PubNub’s shared keyset; ours holds the 10 seeded channels plus somechannelid',
          },
        },
      }),
      replay('asyncio/objects_v2/channel/if_matches_etag.json'),
    ],
  },
];

describe('the distilled facts (conformance/cases.json)', () => {
  if (recordingsPresent()) {
    it(`still match the recordings at ${CONFORMANCE_DIR} (regenerate with conformance/distil.ts)`, () => {
      expect(distil()).toEqual(loadCases());
    });
  } else {
    it.skip(`match the recordings: not checked, no recordings at ${CONFORMANCE_DIR} (set ROSTER_CONFORMANCE_DIR)`, () => undefined);
  }

  it('are every one replayed by a scenario below', () => {
    const replayed = new Set(SCENARIOS.flatMap((scenario) => scenario.steps.filter((step) => step.kind === 'replay').map((step) => step.cassette)));
    expect([...replayed].sort()).toEqual(Object.keys(loadCases().cassettes).sort());
    const interactions = Object.values(loadCases().cassettes).reduce((sum, cassette) => sum + cassette.interactions.length, 0);
    expect(interactions).toBe(104);
  });
});

// ---------------------------------------------------------------------------------------------
// HTTP

interface Answer {
  status: number;
  contentType: string | undefined;
  text: string;
  json: unknown;
}

/** Sends exactly the given method, path, headers and body bytes (no implicit Content-Type). */
function send(server: RunningServer, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const url = new URL(server.url);
  // asyncio cassettes record GETs with an empty-string body: that is no body.
  const payload = body === undefined || body === '' ? undefined : Buffer.from(body, 'utf8');
  const allHeaders: Record<string, string> = { ...headers };
  if (payload) allHeaders['content-length'] = String(payload.length);
  return new Promise((done, fail) => {
    const outgoing = httpRequest({ host: url.hostname, port: url.port, method, path, headers: allHeaders }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', fail);
      incoming.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text) as unknown;
        } catch {
          json = undefined;
        }
        const contentType = incoming.headers['content-type'];
        done({ status: incoming.statusCode ?? 0, contentType, text, json });
      });
    });
    outgoing.on('error', fail);
    outgoing.end(payload);
  });
}

// ---------------------------------------------------------------------------------------------
// Comparison

type JsonType = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean' | 'undefined' | 'other';

function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'object':
      return 'object';
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'undefined':
      return 'undefined';
    default:
      return 'other';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return jsonType(value) === 'object';
}

/** What one scenario has learned about Roster's answers, keyed by PubNub's recorded values. */
interface ReplayState {
  /** recorded eTag → the eTag Roster answered at the same place. */
  etags: Map<string, string>;
  /** recorded cursor → the cursor Roster answered at the same place. */
  cursors: Map<string, string>;
}

interface CompareOptions {
  state: ReplayState;
  /** Report mismatches (replay) or only learn eTags and cursors (setup). */
  report: boolean;
  expectation?: Expectation;
}

const show = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value));

function compare(recorded: Expected, actual: unknown, path: string, options: CompareOptions, out: string[]): void {
  const problem = (message: string) => {
    if (options.report) out.push(`${path}: ${message}`);
  };

  if (path === '$.totalCount' && options.expectation?.totalCount !== undefined) {
    // Deliberate: see the scenario's expectation.
    if (actual !== options.expectation.totalCount)
      problem(`expected totalCount ${options.expectation.totalCount} (${options.expectation.why}), got ${show(actual)}`);
    return;
  }
  if (isMarker(recorded)) {
    compareVolatile(recorded, actual, options, problem);
    return;
  }

  const recordedType = jsonType(recorded);
  const actualType = jsonType(actual);
  if (recordedType !== actualType) {
    problem(`expected ${recordedType} ${show(recorded)}, got ${actualType} ${show(actual)}`);
    return;
  }
  if (Array.isArray(recorded) && Array.isArray(actual)) {
    const recordedIds = identities(recorded);
    const actualIds = identities(actual);
    if (recordedIds && actualIds) {
      // Lists of objects: report membership and order once, then compare each item with ours
      // of the same id (pairing by position would blame every field after one misplaced item).
      if (recordedIds.join('\n') !== actualIds.join('\n')) {
        problem(`expected the items [${recordedIds.join(', ')}] in this order, got [${actualIds.join(', ')}]`);
      }
      recorded.forEach((item, i) => {
        const j = actualIds.indexOf(recordedIds[i]!);
        if (j >= 0) compare(item, actual[j], `${path}[${i}=${recordedIds[i]}]`, options, out);
      });
      return;
    }
    if (recorded.length !== actual.length) problem(`expected ${recorded.length} items, got ${actual.length}`);
    const common = Math.min(recorded.length, actual.length);
    for (let i = 0; i < common; i++) compare(recorded[i], actual[i], `${path}[${i}]`, options, out);
    return;
  }
  if (isRecord(recorded) && isRecord(actual)) {
    const missing = Object.keys(recorded).filter((k) => !(k in actual));
    const extra = Object.keys(actual).filter((k) => !(k in recorded));
    if (missing.length > 0) problem(`missing key(s) ${missing.join(', ')}`);
    if (extra.length > 0) problem(`unexpected key(s) ${extra.join(', ')}`);
    for (const [k, value] of Object.entries(recorded)) if (k in actual) compare(value, actual[k], `${path}.${k}`, options, out);
    return;
  }
  if (recorded !== actual) problem(`expected ${show(recorded)}, got ${show(actual)}`);
}

/** A value PubNub's answer had but that differs by nature (see conformance/cases.ts): its format. */
function compareVolatile(marker: Marker, actual: unknown, options: CompareOptions, problem: (message: string) => void): void {
  switch (marker.$) {
    case 'updated':
      if (typeof actual !== 'string' || !UPDATED_FORMAT.test(actual))
        problem(`expected an ISO 8601 UTC instant like 2024-03-07T08:49:07.011608Z, got ${show(actual)}`);
      return;
    case 'eTag': {
      if (typeof actual !== 'string' || actual === '') {
        problem(`expected a non-empty eTag string, got ${show(actual)}`);
        return;
      }
      const known = options.state.etags.get(marker.recorded);
      // PubNub answered the same object eTag again, so the object had not changed; ours must not have either.
      if (known !== undefined && known !== actual && OBJECT_ETAG.test(marker.recorded)) {
        problem(`the recording repeats eTag ${marker.recorded} (object unchanged) but we answered ${known} before and ${actual} now`);
      }
      options.state.etags.set(marker.recorded, actual);
      return;
    }
    case 'cursor':
      if (typeof actual !== 'string' || actual === '') problem(`expected a non-empty cursor string, got ${show(actual)}`);
      else options.state.cursors.set(marker.recorded, actual);
      return;
    default:
      if (jsonType(actual) !== marker.$) problem(`expected a ${marker.$}, got ${show(actual)}`);
  }
}

/**
 * The ids of a list of users/channels (`id`) or memberships/members (`channel.id`/`uuid.id`);
 * `undefined` when some item has none or two items share one.
 */
function identities(items: unknown[]): string[] | undefined {
  const ids: string[] = [];
  for (const item of items) {
    if (!isRecord(item)) return undefined;
    const nested = isRecord(item['uuid']) ? item['uuid'] : isRecord(item['channel']) ? item['channel'] : item;
    const id = nested['id'];
    if (typeof id !== 'string' || ids.includes(id)) return undefined;
    ids.push(id);
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Replay

/** The recorded query with PubNub's cursors swapped for ours; fails if we have none to offer. */
function rewriteQuery(query: string, state: ReplayState): string {
  if (query === '') return '';
  return query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      if (name !== 'start' && name !== 'end') return pair;
      const recorded = decodeURIComponent(pair.slice(equals + 1));
      const ours = state.cursors.get(recorded);
      if (ours === undefined) throw new Error(`the recording pages with ${name}=${recorded}, but no answer of ours stood where that cursor was recorded`);
      return `${name}=${encodeURIComponent(ours)}`;
    })
    .join('&');
}

/** Python's own query text: it percent-encodes only `filter`; the recorder normalized `,` and `:`. */
function pythonRawQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => (pair.startsWith('filter=') ? pair : pair.replace(/%2C/gi, ',').replace(/%3A/gi, ':')))
    .join('&');
}

function buildRequest(interaction: CaseInteraction, state: ReplayState, transformQuery: (query: string) => string = (q) => q) {
  const { request } = interaction;
  const path = request.path.replaceAll('{PN_KEY_SUBSCRIBE}', SUB_KEY).replaceAll('{PN_KEY_PUBLISH}', PUB_KEY);
  const query = transformQuery(rewriteQuery(request.query, state));
  const headers: Record<string, string> = {};
  const { contentType, ifMatch } = request;
  if (contentType !== undefined) headers['content-type'] = contentType;
  // PubNub's eTag → ours for the same recorded state; an eTag recorded stale stays stale.
  if (ifMatch !== undefined) headers['if-match'] = state.etags.get(ifMatch) ?? ifMatch;
  return { method: request.method, target: query === '' ? path : `${path}?${query}`, headers, body: request.body };
}

function checkAnswer(interaction: CaseInteraction, answer: Answer, options: CompareOptions): string[] {
  const problems: string[] = [];
  const recorded = interaction.response;
  if (answer.status !== recorded.status) problems.push(`HTTP status: expected ${recorded.status}, got ${answer.status}`);
  const recordedType = recorded.contentType;
  if (recordedType?.includes('json') && !answer.contentType?.includes('application/json')) {
    problems.push(`Content-Type: expected ${recordedType}, got ${show(answer.contentType)}`);
  }
  if (answer.json === undefined) problems.push(`body is not JSON: ${answer.text.slice(0, 200)}`);
  compare(recorded.body, answer.json, '$', options, problems);
  if (!options.report) return problems.slice(0, answer.status === recorded.status ? 0 : 1);
  if (problems.length > 0) problems.push(`(our body: ${answer.text.slice(0, 1500)})`);
  return problems;
}

const label = (interaction: CaseInteraction) => {
  const path = interaction.request.path.replace(/^\/v2\/objects\/\{PN_KEY_SUBSCRIBE\}/, '');
  const query = interaction.request.query === '' ? '' : `?${decodeURIComponent(interaction.request.query)}`;
  return `#${interaction.index} ${interaction.request.method} ${path}${query}`;
};

for (const scenario of SCENARIOS) {
  describe(`cassettes: ${scenario.title}`, () => {
    const server = useServer({ keysets: [{ publishKey: PUB_KEY, subscribeKey: SUB_KEY, referentialIntegrity: false }] });
    const state: ReplayState = { etags: new Map(), cursors: new Map() };

    for (const step of scenario.steps) {
      const cassette = caseCassette(step.cassette);

      if (step.kind === 'seed') {
        const recorded = cassette.interactions[step.interaction]?.response.body;
        const data = recorded === undefined ? undefined : objectOf(recorded)?.['data'];
        const items = Array.isArray(data) ? data : [];
        it(`seed: ${items.length} ${step.collection} from ${step.cassette} #${step.interaction}'s answer (${step.why})`, async () => {
          expect(items.length).toBeGreaterThan(0);
          for (const item of items) {
            if (!isRecord(item) || typeof item['id'] !== 'string') throw new Error(`recorded item without an id: ${show(item)}`);
            const { id, updated: _updated, eTag: _eTag, ...fields } = item;
            const path = `/v2/objects/${SUB_KEY}/${step.collection}/${encodeURIComponent(id)}`;
            const answer = await send(server, 'PATCH', path, { 'content-type': 'application/json' }, JSON.stringify(fields));
            expect(answer.status, `seeding ${id}: ${answer.text}`).toBe(200);
          }
        });
        continue;
      }

      const interactions = step.kind === 'setup' ? cassette.interactions.filter((i) => step.only.includes(i.index)) : cassette.interactions;
      for (const interaction of interactions) {
        if (step.kind === 'setup') {
          it(`setup: ${step.cassette} ${label(interaction)} (${step.why})`, async () => {
            const request = buildRequest(interaction, state);
            const answer = await send(server, request.method, request.target, request.headers, request.body);
            // Only the status counts here: the recorded body reflects that cassette's own history.
            expect(checkAnswer(interaction, answer, { state, report: false })).toEqual([]);
          });
          continue;
        }
        const expectation = step.expect?.[interaction.index];
        const title = `${step.cassette} ${label(interaction)}${expectation ? ` [differs on purpose: ${expectation.why}]` : ''}`;
        it(title, async () => {
          const request = buildRequest(interaction, state);
          const answer = await send(server, request.method, request.target, request.headers, request.body);
          expect(checkAnswer(interaction, answer, { state, report: true, ...(expectation ? { expectation } : {}) })).toEqual([]);
        });
        if (step.pythonRawQuery?.includes(interaction.index)) {
          it(`${step.cassette} ${label(interaction)} again, query as Python sends it (unencoded , and :)`, async () => {
            const request = buildRequest(interaction, state, pythonRawQuery);
            expect(request.target).toMatch(/sort=id:asc,updated:desc/);
            const answer = await send(server, request.method, request.target, request.headers, request.body);
            expect(checkAnswer(interaction, answer, { state, report: true, ...(expectation ? { expectation } : {}) })).toEqual([]);
          });
        }
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Orders the recordings show, checked on their own: in the replays above they come from requests
// that PubNub-Python 7.4.0 sent without a Content-Type, so a failure there can hide them.

describe('recorded list orders, with requests sent as application/json', () => {
  const server = useServer({ keysets: [{ publishKey: PUB_KEY, subscribeKey: SUB_KEY }] });
  const base = `/v2/objects/${SUB_KEY}`;
  const json = { 'content-type': 'application/json' };

  const listIds = (answer: Answer): string[] | undefined =>
    isRecord(answer.json) && Array.isArray(answer.json['data']) ? identities(answer.json['data']) : undefined;

  it('native_sync/objects_v2/channel/get_all_channel.json #1: somechannel < somechannelid < somechannel_with_custom', async () => {
    for (const id of ['somechannel_with_custom', 'somechannelid', 'somechannel']) {
      expect((await send(server, 'PATCH', `${base}/channels/${id}`, json, JSON.stringify({ name: id }))).status).toBe(200);
    }
    const answer = await send(server, 'GET', `${base}/channels?count=True&include=custom%2Cstatus%2Ctype&limit=10&sort=id%3Aasc%2Cupdated%3Adesc`, {});
    expect(listIds(answer)).toEqual(['somechannel', 'somechannelid', 'somechannel_with_custom']);
    const byDefault = await send(server, 'GET', `${base}/channels`, {});
    expect(listIds(byDefault)).toEqual(['somechannel', 'somechannelid', 'somechannel_with_custom']);
  });

  it('native_sync/objects_v2/memberships/set_memberships.json #2: the same order for a user’s memberships', async () => {
    const body = {
      set: [{ channel: { id: 'somechannel_with_custom' } }, { channel: { id: 'somechannelid' } }, { channel: { id: 'somechannel' } }],
      delete: [],
    };
    const answer = await send(server, 'PATCH', `${base}/uuids/someuuid/channels?include=custom%2Cchannel.custom`, json, JSON.stringify(body));
    expect(answer.status).toBe(200);
    expect(listIds(answer)).toEqual(['somechannel', 'somechannelid', 'somechannel_with_custom']);
  });

  it('native_sync/objects_v2/channel_members/get_channel_members_with_pagination.json: 15 members in pages of 10 (on a channel of its own: the test above made someuuid a member of somechannelid)', async () => {
    const set = { set: Array.from({ length: 15 }, (_, i) => ({ uuid: { id: `test-fix-118-${i}` } })), delete: [] };
    const all = await send(server, 'PATCH', `${base}/channels/paged/uuids`, json, JSON.stringify(set));
    const recorded = caseCassette(`${NS}/channel_members/get_channel_members_with_pagination.json`).interactions;
    const recordedIds = (index: number) => {
      const body = recorded[index]?.response.body;
      const data = body === undefined ? undefined : objectOf(body)?.['data'];
      return Array.isArray(data) ? identities(data) : undefined;
    };
    expect(listIds(all)).toEqual(recordedIds(0));
    const first = await send(server, 'GET', `${base}/channels/paged/uuids?limit=10`, {});
    expect(listIds(first)).toEqual(recordedIds(1));
    const next = isRecord(first.json) ? first.json['next'] : undefined;
    expect(next).toEqual(expect.any(String));
    const second = await send(server, 'GET', `${base}/channels/paged/uuids?limit=10&start=${encodeURIComponent(String(next))}`, {});
    expect(listIds(second)).toEqual(recordedIds(2));
    expect(second.json).toMatchObject({ next: expect.any(String), prev: expect.any(String) });
  });
});

// ---------------------------------------------------------------------------------------------
// Swift SDK fixtures: hand-written, so evidence of shape (keys and types), not of exact text.
// cases.json keeps their shapes: type markers for the values, except `status` and `error.source`.

/** Keys and types of `expected` at every level; arrays compare each of our items with the fixture's first. */
function compareShape(expected: Expected, actual: unknown, path: string, out: string[]): void {
  // Volatile markers never occur in shapes; a string is what they would stand for.
  const markerType = (marker: Marker) => (marker.$ === 'number' || marker.$ === 'boolean' ? marker.$ : 'string');
  const expectedType = isMarker(expected) ? markerType(expected) : jsonType(expected);
  const actualType = jsonType(actual);
  if (expectedType !== actualType) {
    out.push(`${path}: expected ${expectedType}, got ${actualType} ${show(actual)}`);
    return;
  }
  if (isMarker(expected)) return;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (actual.length === 0 && expected.length > 0) out.push(`${path}: expected items, got none`);
    const model = expected[0];
    if (model !== undefined) actual.forEach((item, i) => compareShape(model, item, `${path}[${i}]`, out));
    return;
  }
  if (isRecord(expected) && isRecord(actual)) {
    const missing = Object.keys(expected).filter((k) => !(k in actual));
    const extra = Object.keys(actual).filter((k) => !(k in expected));
    if (missing.length > 0) out.push(`${path}: missing key(s) ${missing.join(', ')}`);
    if (extra.length > 0) out.push(`${path}: unexpected key(s) ${extra.join(', ')}`);
    for (const [k, value] of Object.entries(expected)) if (k in actual) compareShape(value, actual[k], `${path}.${k}`, out);
  }
}

describe('Swift SDK fixtures: Objects response envelopes', () => {
  const server = useServer({ keysets: [{ publishKey: PUB_KEY, subscribeKey: SUB_KEY }] });
  const base = `/v2/objects/${SUB_KEY}`;
  const json = { 'content-type': 'application/json' };

  /** Our answer has the fixture's status, a JSON Content-Type, its shape, `status` and `source`. */
  function expectEnvelope(fixtureFile: string, answer: Answer): void {
    const fixture = swiftCase(`Objects/${fixtureFile}`);
    const problems: string[] = [];
    if (answer.status !== fixture.status) problems.push(`HTTP status: expected ${fixture.status}, got ${answer.status}`);
    if (!answer.contentType?.includes('application/json')) problems.push(`Content-Type: ${show(answer.contentType)}`);
    compareShape(fixture.shape, answer.json, '$', problems);
    const shape = objectOf(fixture.shape);
    if (shape && isRecord(answer.json)) {
      if (answer.json['status'] !== shape['status']) problems.push(`$.status: expected ${show(shape['status'])}, got ${show(answer.json['status'])}`);
      const expectedError = shape['error'] === undefined ? undefined : objectOf(shape['error']);
      const actualError = answer.json['error'];
      if (expectedError && isRecord(actualError) && actualError['source'] !== expectedError['source']) {
        problems.push(`$.error.source: expected ${show(expectedError['source'])}, got ${show(actualError['source'])}`);
      }
      if (isRecord(actualError) && Array.isArray(actualError['details'])) {
        for (const detail of actualError['details']) {
          if (isRecord(detail) && !['body', 'query', 'path'].includes(String(detail['locationType']))) {
            problems.push(`$.error.details: locationType ${show(detail['locationType'])} is none of body, query, path`);
          }
        }
      }
    }
    if (problems.length > 0) problems.push(`(our body: ${answer.text})`);
    expect(problems).toEqual([]);
  }

  it('objects_error_400.json: an invalid body field is a 400 with details (location in the body)', async () => {
    const answer = await send(server, 'PATCH', `${base}/uuids/u400`, json, JSON.stringify({ name: 'x', custom: { nested: { no: 'objects' } } }));
    expectEnvelope('objects_error_400.json', answer);
  });

  it('objects_error_400.json: an invalid query parameter is a 400 with details (location in the query)', async () => {
    const answer = await send(server, 'GET', `${base}/uuids?limit=0`, {});
    expectEnvelope('objects_error_400.json', answer);
    expect(answer.json).toMatchObject({ error: { details: [{ location: 'limit', locationType: 'query' }] } });
  });

  it('objects_error_404.json: getting a missing user is a 404', async () => {
    expectEnvelope('objects_error_404.json', await send(server, 'GET', `${base}/uuids/nobody`, {}));
  });

  it('objects_error_404.json: getting a missing channel is a 404', async () => {
    expectEnvelope('objects_error_404.json', await send(server, 'GET', `${base}/channels/nowhere`, {}));
  });

  it('objects_error_412.json: a stale If-Match is a 412', async () => {
    const created = await send(server, 'PATCH', `${base}/channels/c412`, json, JSON.stringify({ name: 'one' }));
    expect(created.status).toBe(200);
    await send(server, 'PATCH', `${base}/channels/c412`, json, JSON.stringify({ name: 'two' }));
    const etag = isRecord(created.json) && isRecord(created.json['data']) ? String(created.json['data']['eTag']) : '';
    const answer = await send(server, 'PATCH', `${base}/channels/c412`, { ...json, 'if-match': etag }, JSON.stringify({ name: 'three' }));
    expectEnvelope('objects_error_412.json', answer);
  });

  it('objects_error_415.json: a body that is not declared as JSON is a 415', async () => {
    const answer = await send(server, 'PATCH', `${base}/uuids/u415`, { 'content-type': 'text/plain' }, JSON.stringify({ name: 'x' }));
    expectEnvelope('objects_error_415.json', answer);
  });

  // Success envelopes, where the fixture's shape matches the include we ask for.
  it('objects_uuid_fetch_success.json: a user with include=custom,status,type', async () => {
    const body = { name: 'Test User', type: 'Test Type', status: 'Test Status', custom: { string: 'String', int: 1, double: 1.1, bool: true } };
    await send(server, 'PATCH', `${base}/uuids/TestUser`, json, JSON.stringify(body));
    expectEnvelope('objects_uuid_fetch_success.json', await send(server, 'GET', `${base}/uuids/TestUser?include=custom,status,type`, {}));
  });

  it('objects_channel_fetch_success.json: a channel with include=custom,status,type', async () => {
    const body = {
      name: 'Test Channel',
      description: 'Test Description',
      type: 'Test Type',
      status: 'Test Status',
      custom: { string: 'String', int: 1, double: 1.1, bool: true },
    };
    await send(server, 'PATCH', `${base}/channels/TestChannel`, json, JSON.stringify(body));
    expectEnvelope('objects_channel_fetch_success.json', await send(server, 'GET', `${base}/channels/TestChannel?include=custom,status,type`, {}));
  });

  it('objects_uuid_remove_success.json / objects_channel_remove_success.json: deletes answer data null', async () => {
    for (const [file, path] of [
      ['objects_uuid_remove_success.json', `${base}/uuids/TestUser`],
      ['objects_channel_remove_success.json', `${base}/channels/TestChannel`],
    ] as const) {
      const answer = await send(server, 'DELETE', path, {});
      expectEnvelope(file, answer);
      expect(answer.json).toEqual({ status: 200, data: null });
      expect(swiftCase(`Objects/${file}`).shape).toEqual({ status: 200, data: null });
    }
  });

  it('objects_channel_all_success_empty.json: an empty list with count=true has totalCount 0 and no cursors', async () => {
    const answer = await send(server, 'GET', `${base}/channels?count=true&filter=${encodeURIComponent('name == "no such channel"')}`, {});
    expectEnvelope('objects_channel_all_success_empty.json', answer);
    expect(answer.json).toEqual({ status: 200, data: [], totalCount: 0 });
  });
});
