/**
 * Distils the recorded PubNub exchanges into `cases.json`, the facts the conformance test checks.
 *
 *   node --import tsx packages/server/test/conformance/distil.ts
 *
 * Needs the recordings (`ROSTER_CONFORMANCE_DIR`, by default `shared/conformance` beside the
 * repository); see `cases.ts` for what is kept. The conformance test calls {@link distil} too,
 * whenever the recordings are present, and fails if `cases.json` no longer matches them.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CONFORMANCE_DIR, PYTHON_FIXTURES, SWIFT_RESPONSES, loadCassette, loadSwiftFixture, type Interaction } from '../cassettes.ts';
import { CASES_FILE, formatCases, isRecord, type CaseCassette, type CaseInteraction, type ConformanceCases, type Expected, type SwiftCase } from './cases.ts';

/** The App Context cassettes: every `.json` cassette under these fixture directories. */
const CASSETTE_DIRECTORIES = ['native_sync/objects_v2', 'native_sync/metadata', 'asyncio/objects_v2'];

/** The Swift fixtures the conformance test compares our answers with. */
const SWIFT_FIXTURES = [
  'Objects/objects_error_400.json',
  'Objects/objects_error_404.json',
  'Objects/objects_error_412.json',
  'Objects/objects_error_415.json',
  'Objects/objects_uuid_fetch_success.json',
  'Objects/objects_channel_fetch_success.json',
  'Objects/objects_uuid_remove_success.json',
  'Objects/objects_channel_remove_success.json',
  'Objects/objects_channel_all_success_empty.json',
];

const ABOUT =
  'Facts from exchanges recorded against PubNub (Python SDK cassettes) and from PubNub Swift SDK response fixtures, ' +
  'distilled by distil.ts beside this file; regenerate with `node --import tsx packages/server/test/conformance/distil.ts`. ' +
  'Markers {"$": ...} stand for values compared by format: "updated" (ISO 8601 UTC), "eTag" and "cursor" (non-empty strings; ' +
  '"recorded" is PubNub\'s value, relating answers to later If-Match headers and start/end parameters), and "string", "number", ' +
  '"boolean" (any value of that type). Types and format: cases.ts.';

/** Whether the recordings this module reads are on this machine. */
export function recordingsPresent(): boolean {
  return existsSync(PYTHON_FIXTURES) && existsSync(SWIFT_RESPONSES);
}

/** Everything distilled, in a stable order. Throws if the recordings are absent. */
export function distil(): ConformanceCases {
  if (!recordingsPresent()) throw new Error(`no recordings at ${CONFORMANCE_DIR} (set ROSTER_CONFORMANCE_DIR)`);
  const cassettes: Record<string, CaseCassette> = {};
  for (const name of cassetteNames()) cassettes[name] = distilCassette(name);
  const swift: Record<string, SwiftCase> = {};
  for (const name of SWIFT_FIXTURES) swift[name] = distilSwift(name);
  return { about: ABOUT, cassettes, swift };
}

function cassetteNames(): string[] {
  return CASSETTE_DIRECTORIES.flatMap((directory) =>
    readdirSync(join(PYTHON_FIXTURES, directory), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.json'))
      .map((file) => `${directory}/${file.split('\\').join('/')}`),
  ).sort();
}

const recordingPath = (absolute: string) => relative(CONFORMANCE_DIR, absolute).split('\\').join('/');

function distilCassette(name: string): CaseCassette {
  const cassette = loadCassette(name);
  return { recording: recordingPath(join(PYTHON_FIXTURES, name)), interactions: cassette.interactions.map((i) => distilInteraction(name, i)) };
}

function distilInteraction(name: string, interaction: Interaction): CaseInteraction {
  const { request, response } = interaction;
  const where = `${name} #${interaction.index}`;
  if (response.json === undefined) throw new Error(`${where}: the recorded answer is not JSON`);
  const contentType = request.headers['content-type'];
  const ifMatch = request.headers['if-match'];
  const responseType = response.headers['content-type'];
  return {
    index: interaction.index,
    request: {
      method: request.method,
      path: request.path,
      query: request.query,
      ...(contentType === undefined ? {} : { contentType }),
      ...(ifMatch === undefined ? {} : { ifMatch }),
      // asyncio cassettes record GETs with an empty-string body: that is no body.
      ...(request.body === undefined || request.body === '' ? {} : { body: request.body }),
    },
    response: {
      status: response.status,
      ...(responseType === undefined ? {} : { contentType: responseType }),
      body: volatileMarked(response.json, '$', where),
    },
  };
}

/** The recorded answer with `updated`, `eTag` and the top-level `next`/`prev` as markers. */
function volatileMarked(value: unknown, path: string, where: string): Expected {
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (typeof value === 'string') {
    if (key === 'updated') return { $: 'updated' };
    if (key === 'eTag') return { $: 'eTag', recorded: value };
    if (path === '$.next' || path === '$.prev') return { $: 'cursor', recorded: value };
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => volatileMarked(item, `${path}[${i}]`, where));
  if (isRecord(value)) {
    if ('$' in value) throw new Error(`${where} ${path}: a recorded object has a "$" key, which markers use`);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, volatileMarked(v, `${path}.${k}`, where)]));
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new Error(`${where} ${path}: not JSON`);
}

function distilSwift(name: string): SwiftCase {
  const fixture = loadSwiftFixture(name);
  return { recording: recordingPath(join(SWIFT_RESPONSES, name)), status: fixture.code, shape: shapeOf(fixture.body, '$') };
}

/** Keys and types; `status` and `error.source` keep their values; an array keeps its first item. */
function shapeOf(value: unknown, path: string): Expected {
  if (path === '$.status' || path === '$.error.source') return value as Expected;
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0], `${path}[0]`)];
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v, `${path}.${k}`)]));
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return { $: typeof value };
  if (value === null) return null;
  throw new Error(`${path}: not JSON`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const cases = distil();
  writeFileSync(CASES_FILE, formatCases(cases));
  const interactions = Object.values(cases.cassettes).reduce((sum, cassette) => sum + cassette.interactions.length, 0);
  console.log(
    `${fileURLToPath(CASES_FILE)}: ${Object.keys(cases.cassettes).length} cassettes, ${interactions} interactions, ${Object.keys(cases.swift).length} Swift fixtures`,
  );
}
