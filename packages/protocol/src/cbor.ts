/**
 * The small CBOR subset Access Manager tokens use (RFC 8949): unsigned and negative integers,
 * byte and text strings, arrays, maps with string keys, floats, booleans and null.
 *
 * Written here rather than taken from a library because tokens arrive from untrusted clients
 * and the decoder must refuse what a general-purpose one accepts: `cbor-x` (a widely used JS
 * codec) with `mapsAsObjects: false, useRecords: false` still takes indefinite lengths, tags
 * (tag 1 dates, tag 28 shared references), duplicate map keys (the last silently wins), non-string
 * keys, `undefined`, 64-bit integers as bigint, invalid UTF-8 (replaced by U+FFFD), and nesting
 * until the stack overflows; none of that can be switched off. This decoder takes definite
 * lengths only, nests at most {@link MAX_DEPTH} deep, and throws {@link CborError} for anything
 * else. It uses only `Uint8Array`, `DataView` and `TextEncoder`/`TextDecoder`, so it runs in
 * browsers too.
 */

/** A map whose keys are written as byte strings (major type 2), as in a token's top level. */
export class ByteKeyedMap {
  readonly entries: readonly (readonly [string, CborValue])[];

  constructor(entries: readonly (readonly [string, CborValue])[]) {
    this.entries = entries;
  }
}

/** What the codec reads and writes. Decoded maps are `Map`s whatever their key type was. */
export type CborValue = number | string | boolean | null | Uint8Array | ByteKeyedMap | readonly CborValue[] | ReadonlyMap<string, CborValue>;

/** Thrown for anything that is not well-formed CBOR of the supported subset. */
export class CborError extends Error {
  override name = 'CborError';
}

/** How deep arrays and maps may nest; a token needs 3. */
export const MAX_DEPTH = 8;

const MAJOR = { uint: 0, negint: 1, bytes: 2, text: 3, array: 4, map: 5, simple: 7 } as const;

const utf8 = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF: dropping it would turn one resource name into another.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Encodes `value` with the shortest heads (definite lengths, as tokens are minted). */
export function encodeCbor(value: CborValue): Uint8Array {
  const out: number[] = [];
  encodeInto(value, out);
  return Uint8Array.from(out);
}

function head(major: number, length: number): number[] {
  const type = major << 5;
  if (length < 24) return [type | length];
  if (length < 0x100) return [type | 24, length];
  if (length < 0x10000) return [type | 25, length >> 8, length & 0xff];
  if (length < 0x100000000) return [type | 26, ...u32(length)];
  return [type | 27, ...u32(Math.floor(length / 0x100000000)), ...u32(length >>> 0)];
}

function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

function encodeInto(value: CborValue, out: number[]): void {
  if (value === null) out.push(0xf6);
  else if (value === true) out.push(0xf5);
  else if (value === false) out.push(0xf4);
  else if (typeof value === 'number') encodeNumber(value, out);
  else if (typeof value === 'string') pushString(MAJOR.text, value, out);
  else if (value instanceof Uint8Array) pushBytes(MAJOR.bytes, value, out);
  else if (value instanceof ByteKeyedMap) encodeMap(MAJOR.bytes, value.entries, out);
  else if (isArray(value)) {
    out.push(...head(MAJOR.array, value.length));
    for (const item of value) encodeInto(item, out);
  } else encodeMap(MAJOR.text, [...value], out);
}

const isArray = (value: CborValue): value is readonly CborValue[] => Array.isArray(value);

function encodeMap(keyMajor: number, entries: readonly (readonly [string, CborValue])[], out: number[]): void {
  out.push(...head(MAJOR.map, entries.length));
  for (const [key, item] of entries) {
    pushString(keyMajor, key, out);
    encodeInto(item, out);
  }
}

function pushString(major: number, text: string, out: number[]): void {
  pushBytes(major, utf8.encode(text), out);
}

function pushBytes(major: number, bytes: Uint8Array, out: number[]): void {
  out.push(...head(major, bytes.length));
  for (const byte of bytes) out.push(byte);
}

function encodeNumber(value: number, out: number[]): void {
  if (Number.isSafeInteger(value)) {
    out.push(...(value >= 0 ? head(MAJOR.uint, value) : head(MAJOR.negint, -1 - value)));
    return;
  }
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value);
  out.push(0xfb, ...bytes);
}

/**
 * Decodes exactly one CBOR item filling all of `bytes`. Byte-string and text map keys both
 * become string keys of a `Map`, in the order written.
 * @throws CborError for malformed input, anything outside the subset, a duplicate map key,
 * invalid UTF-8, an integer beyond 2^53 - 1, or nesting deeper than {@link MAX_DEPTH}.
 */
export function decodeCbor(bytes: Uint8Array): CborValue {
  const reader = new Reader(bytes);
  const value = reader.value(0);
  if (reader.offset !== bytes.length) throw new CborError('trailing bytes');
  return value;
}

class Reader {
  offset = 0;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  value(depth: number): CborValue {
    if (depth > MAX_DEPTH) throw new CborError('nested too deeply');
    const initial = this.#byte();
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === MAJOR.simple) return this.#simple(info);
    const argument = this.#argument(info);
    switch (major) {
      case MAJOR.uint:
        return argument;
      case MAJOR.negint:
        return -1 - argument;
      case MAJOR.bytes:
        return this.#take(argument).slice();
      case MAJOR.text:
        return text(this.#take(argument));
      case MAJOR.array:
        return this.#array(argument, depth);
      case MAJOR.map:
        return this.#map(argument, depth);
      default:
        throw new CborError('tags are not supported');
    }
  }

  #byte(): number {
    const byte = this.#bytes[this.offset];
    if (byte === undefined) throw new CborError('truncated');
    this.offset++;
    return byte;
  }

  #take(length: number): Uint8Array {
    if (length > this.#bytes.length - this.offset) throw new CborError('truncated');
    const slice = this.#bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  #fixed(size: 2 | 4 | 8): DataView {
    const start = this.offset;
    this.#take(size);
    return new DataView(this.#view.buffer, this.#view.byteOffset + start, size);
  }

  #argument(info: number): number {
    if (info < 24) return info;
    if (info === 24) return this.#byte();
    if (info === 25) return this.#fixed(2).getUint16(0);
    if (info === 26) return this.#fixed(4).getUint32(0);
    if (info === 27) {
      const value = this.#fixed(8).getBigUint64(0);
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new CborError('integer too large');
      return Number(value);
    }
    throw new CborError('indefinite lengths are not supported');
  }

  #array(size: number, depth: number): CborValue[] {
    // Each item takes at least a byte: a larger count is a lie, refused before allocating.
    if (size > this.#bytes.length - this.offset) throw new CborError('truncated');
    const items: CborValue[] = [];
    for (let i = 0; i < size; i++) items.push(this.value(depth + 1));
    return items;
  }

  #map(size: number, depth: number): Map<string, CborValue> {
    if (size > this.#bytes.length - this.offset) throw new CborError('truncated');
    const map = new Map<string, CborValue>();
    for (let i = 0; i < size; i++) {
      const key = this.#key();
      if (map.has(key)) throw new CborError('duplicate map key');
      map.set(key, this.value(depth + 1));
    }
    return map;
  }

  #key(): string {
    const initial = this.#byte();
    const major = initial >> 5;
    if (major !== MAJOR.bytes && major !== MAJOR.text) throw new CborError('map keys must be strings');
    return text(this.#take(this.#argument(initial & 0x1f)));
  }

  #simple(info: number): CborValue {
    if (info === 20) return false;
    if (info === 21) return true;
    if (info === 22) return null;
    if (info === 25) return halfFloat(this.#fixed(2).getUint16(0));
    if (info === 26) return this.#fixed(4).getFloat32(0);
    if (info === 27) return this.#fixed(8).getFloat64(0);
    throw new CborError('unsupported simple value');
  }
}

function text(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new CborError('invalid UTF-8');
  }
}

/** An IEEE 754 half-precision float. */
function halfFloat(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
