/**
 * Reads the VCR cassettes that PubNub's Python SDK recorded against the real service
 * (`pubnub-python/tests/integrational/fixtures/**` under the conformance directory, which is not
 * part of this repository) into plain request/response pairs. `conformance/distil.ts` turns them
 * into the facts the conformance test replays (`conformance/cases.json`, in the repository).
 *
 * Cassette bodies come in three forms: a plain string, `{"string": "..."}`, or
 * `{"pickle": "<base64>"}` holding a Python pickle of a str (request bodies) or of a dict
 * `{"string": str | bytes}` (response bodies, the bytes gzipped). This module decodes the small
 * subset of the pickle format those files use and refuses anything else loudly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The conformance directory (override with ROSTER_CONFORMANCE_DIR). */
export const CONFORMANCE_DIR = process.env['ROSTER_CONFORMANCE_DIR'] ?? fileURLToPath(new URL('../../../../shared/conformance/', import.meta.url));

export const PYTHON_FIXTURES = join(CONFORMANCE_DIR, 'pubnub-python/tests/integrational/fixtures');
export const SWIFT_RESPONSES = join(CONFORMANCE_DIR, 'pubnub-swift/Tests/PubNubUnitTests/Support/Responses');

export interface RecordedRequest {
  method: string;
  /** The URI as recorded, `{PN_KEY_SUBSCRIBE}` still in it. */
  uri: string;
  /** Path without scheme, host or query, exactly as recorded (no decoding). */
  path: string;
  /** The raw query string (without `?`), exactly as recorded; '' when there is none. */
  query: string;
  /** Header values by lower-case name (first value of each). */
  headers: Record<string, string>;
  body: string | undefined;
}

export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** `body` parsed as JSON, or `undefined` when it is not JSON. */
  json: unknown;
}

export interface Interaction {
  /** Position in the cassette, from 0. */
  index: number;
  request: RecordedRequest;
  response: RecordedResponse;
}

export interface Cassette {
  /** Path relative to the Python fixtures directory, e.g. `native_sync/objects_v2/uuid/set_uuid.json`. */
  name: string;
  interactions: Interaction[];
}

// ---------------------------------------------------------------------------------------------
// A minimal unpickler: protocol 2–5 opcodes for str, bytes and a dict of them.

type PickleValue = string | Uint8Array | Map<string, PickleValue>;

const MARK = Symbol('mark');

export function unpickle(data: Uint8Array): PickleValue {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: (PickleValue | typeof MARK)[] = [];
  const memo: PickleValue[] = [];
  let at = 0;
  const take = (n: number): Uint8Array => {
    if (at + n > data.length) throw new Error('pickle: truncated');
    const slice = data.subarray(at, at + n);
    at += n;
    return slice;
  };
  const u8 = () => take(1)[0]!;
  const u32 = () => {
    const value = view.getUint32(at, true);
    at += 4;
    return value;
  };
  const text = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  const pop = (): PickleValue => {
    const value = stack.pop();
    if (value === undefined || value === MARK) throw new Error('pickle: stack underflow');
    return value;
  };
  const top = (): PickleValue => {
    const value = stack.at(-1);
    if (value === undefined || value === MARK) throw new Error('pickle: empty stack');
    return value;
  };
  const setItem = (dict: PickleValue, key: PickleValue, value: PickleValue) => {
    if (!(dict instanceof Map) || typeof key !== 'string') throw new Error('pickle: SETITEM on a non-dict or with a non-str key');
    dict.set(key, value);
  };
  for (;;) {
    const opcode = u8();
    switch (opcode) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME (8-byte length; frames are just read through)
        take(8);
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(take(u8())));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(take(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(Uint8Array.from(take(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(Uint8Array.from(take(u32())));
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x94: // MEMOIZE
        memo.push(top());
        break;
      case 0x68: {
        // BINGET
        const value = memo[u8()];
        if (value === undefined) throw new Error('pickle: BINGET of an unknown memo slot');
        stack.push(value);
        break;
      }
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItem(top(), key, value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items: PickleValue[] = [];
        for (let item = stack.pop(); item !== MARK; item = stack.pop()) {
          if (item === undefined) throw new Error('pickle: SETITEMS without MARK');
          items.unshift(item);
        }
        for (let i = 0; i + 1 < items.length; i += 2) setItem(top(), items[i]!, items[i + 1]!);
        break;
      }
      case 0x2e: // STOP
        return pop();
      default:
        throw new Error(`pickle: unsupported opcode 0x${opcode.toString(16)} at byte ${at - 1}`);
    }
  }
}

function bytesToText(bytes: Uint8Array): string {
  const plain = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return new TextDecoder('utf-8', { fatal: true }).decode(plain);
}

function pickleToText(value: PickleValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return bytesToText(value);
  const inner = value.get('string');
  if (inner === undefined) throw new Error('pickle: dict without a "string" entry');
  return pickleToText(inner);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A cassette body in any of its forms, as text; `undefined` for no body. */
export function decodeBody(body: unknown): string | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') return body;
  if (isRecord(body)) {
    if (typeof body['pickle'] === 'string') return pickleToText(unpickle(Buffer.from(body['pickle'], 'base64')));
    if (typeof body['string'] === 'string') return body['string'];
  }
  throw new Error(`cannot decode body ${JSON.stringify(body).slice(0, 80)}`);
}

function firstValues(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(headers)) return out;
  for (const [name, values] of Object.entries(headers)) {
    const first = Array.isArray(values) ? values[0] : values;
    if (typeof first === 'string') out[name.toLowerCase()] = first;
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function splitUri(uri: string): { path: string; query: string } {
  const withoutOrigin = uri.replace(/^[a-z]+:\/\/[^/]+/i, '');
  const question = withoutOrigin.indexOf('?');
  return question < 0 ? { path: withoutOrigin, query: '' } : { path: withoutOrigin.slice(0, question), query: withoutOrigin.slice(question + 1) };
}

const cache = new Map<string, Cassette>();

/** Loads one cassette by its path under the Python fixtures directory. */
export function loadCassette(name: string): Cassette {
  const cached = cache.get(name);
  if (cached) return cached;
  const file = join(PYTHON_FIXTURES, name);
  if (!existsSync(file)) throw new Error(`cassette not found: ${file} (set ROSTER_CONFORMANCE_DIR?)`);
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isRecord(raw) || !Array.isArray(raw['interactions'])) throw new Error(`${name}: no interactions[]`);
  const interactions = raw['interactions'].map((entry: unknown, index): Interaction => {
    if (!isRecord(entry) || !isRecord(entry['request']) || !isRecord(entry['response'])) throw new Error(`${name} #${index}: malformed`);
    const request = entry['request'];
    const response = entry['response'];
    const uri = String(request['uri']);
    const status = isRecord(response['status']) ? Number(response['status']['code']) : NaN;
    const body = decodeBody(response['body']) ?? '';
    return {
      index,
      request: {
        method: String(request['method']).toUpperCase(),
        uri,
        ...splitUri(uri),
        headers: firstValues(request['headers']),
        body: decodeBody(request['body']),
      },
      response: { status, headers: firstValues(response['headers']), body, json: parseJson(body) },
    };
  });
  const cassette = { name, interactions };
  cache.set(name, cassette);
  return cassette;
}

/** A Swift SDK response fixture: `{code, body}`. */
export interface SwiftFixture {
  code: number;
  body: unknown;
}

export function loadSwiftFixture(relative: string): SwiftFixture {
  const raw: unknown = JSON.parse(readFileSync(join(SWIFT_RESPONSES, relative), 'utf8'));
  if (!isRecord(raw) || typeof raw['code'] !== 'number') throw new Error(`${relative}: not a {code, body} fixture`);
  return { code: raw['code'], body: raw['body'] };
}
