/**
 * The conformance facts kept in this repository (`cases.json`), and their types.
 *
 * `cases.json` is distilled by `distil.ts` from exchanges recorded against PubNub's real service
 * (VCR cassettes of PubNub's Python SDK) and from hand-written response fixtures of PubNub's
 * Swift SDK. Those recordings live outside the repository; the facts the conformance test checks
 * are kept here so that it runs from a fresh clone:
 *  - per recorded interaction: the request as sent (method, raw path, raw query, Content-Type,
 *    If-Match, body text), the status code, the Content-Type and the JSON body answered, with
 *    every volatile value (`updated`, `eTag`, `next`/`prev` cursors) replaced by a marker that
 *    says what it must look like;
 *  - per Swift fixture: the status code and the body's shape (keys, types, and the `status` and
 *    `error.source` values).
 * Each cassette names its recording (`recording`, a path under the conformance directory) and
 * each interaction its position in it (`index`).
 */
import { readFileSync } from 'node:fs';

/**
 * A value that is not compared literally.
 * - `updated`: an ISO 8601 UTC instant;
 * - `eTag`: a non-empty string; `recorded` is PubNub's value, which relates this answer to the
 *   If-Match headers and the other answers that repeat it;
 * - `cursor`: a non-empty `next`/`prev` string; `recorded` is PubNub's value, which later
 *   `start`/`end` query parameters page with;
 * - `string`, `number`, `boolean`: any value of that JSON type (the Swift fixtures' shapes).
 */
export type Marker =
  | { readonly $: 'updated' }
  | { readonly $: 'eTag'; readonly recorded: string }
  | { readonly $: 'cursor'; readonly recorded: string }
  | { readonly $: 'string' | 'number' | 'boolean' };

/** JSON in which some values are {@link Marker}s (objects whose only key besides `recorded` is `$`). */
export type Expected = null | boolean | number | string | Marker | readonly Expected[] | { readonly [key: string]: Expected };

export interface CaseRequest {
  method: string;
  /** The path as recorded, `{PN_KEY_SUBSCRIBE}` still in it, no decoding. */
  path: string;
  /** The raw query string as recorded (without `?`); '' when there is none. */
  query: string;
  /** Absent when the request was recorded without a Content-Type. */
  contentType?: string;
  /** The recorded If-Match header: one of PubNub's eTags. */
  ifMatch?: string;
  /** The body text, byte for byte; absent when there was none. */
  body?: string;
}

export interface CaseResponse {
  status: number;
  contentType?: string;
  body: Expected;
}

export interface CaseInteraction {
  /** Position in the recording, from 0. */
  index: number;
  request: CaseRequest;
  response: CaseResponse;
}

export interface CaseCassette {
  /** The recording, relative to the conformance directory. */
  recording: string;
  interactions: CaseInteraction[];
}

export interface SwiftCase {
  /** The fixture, relative to the conformance directory. */
  recording: string;
  status: number;
  /** The body with every leaf but `status` and `error.source` a type marker; arrays keep one item. */
  shape: Expected;
}

export interface ConformanceCases {
  about: string;
  /** By path under the Python SDK's fixtures directory, e.g. `native_sync/objects_v2/uuid/set_uuid.json`. */
  cassettes: Record<string, CaseCassette>;
  /** By path under the Swift SDK's response fixtures, e.g. `Objects/objects_error_404.json`. */
  swift: Record<string, SwiftCase>;
}

export const CASES_FILE = new URL('./cases.json', import.meta.url);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isMarker(value: unknown): value is Marker {
  return isRecord(value) && typeof value['$'] === 'string';
}

/** The fields of an expected JSON object; `undefined` for markers, arrays and scalars. */
export function objectOf(value: Expected): Readonly<Record<string, Expected>> | undefined {
  return isRecord(value) && !isMarker(value) ? (value as Readonly<Record<string, Expected>>) : undefined;
}

let loaded: ConformanceCases | undefined;

/** Reads `cases.json` (once). Throws if it is missing or not in the expected form. */
export function loadCases(): ConformanceCases {
  if (loaded) return loaded;
  const raw: unknown = JSON.parse(readFileSync(CASES_FILE, 'utf8'));
  if (!isRecord(raw) || !isRecord(raw['cassettes']) || !isRecord(raw['swift'])) throw new Error(`${CASES_FILE.pathname}: not a cases file`);
  loaded = raw as unknown as ConformanceCases;
  return loaded;
}

/** One distilled cassette by its name under the Python fixtures directory. */
export function caseCassette(name: string): CaseCassette {
  const cassette = loadCases().cassettes[name];
  if (!cassette) throw new Error(`${name} is not in cases.json (run packages/server/test/conformance/distil.ts)`);
  return cassette;
}

/** One distilled Swift fixture by its path under the Swift response fixtures. */
export function swiftCase(name: string): SwiftCase {
  const fixture = loadCases().swift[name];
  if (!fixture) throw new Error(`${name} is not in cases.json (run packages/server/test/conformance/distil.ts)`);
  return fixture;
}

/**
 * Pretty-prints cases with one line per request, response and shape, so the file stays
 * readable and a change to one answer is a one-line diff.
 */
export function formatCases(cases: ConformanceCases): string {
  const compact = new Set(['request', 'response', 'shape']);
  const format = (value: unknown, indent: string, key: string | undefined): string => {
    if (typeof value !== 'object' || value === null || (key !== undefined && compact.has(key))) return JSON.stringify(value);
    const inner = `${indent}  `;
    if (Array.isArray(value)) {
      if (value.length === 0) return '[]';
      return `[\n${value.map((item) => inner + format(item, inner, undefined)).join(',\n')}\n${indent}]`;
    }
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${format(v, inner, k)}`).join(',\n')}\n${indent}}`;
  };
  return `${format(cases, '', undefined)}\n`;
}
