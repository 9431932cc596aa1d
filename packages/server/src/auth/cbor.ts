/**
 * The small CBOR subset Access Manager tokens use (RFC 8949): unsigned and negative integers,
 * byte and text strings, arrays, maps, float64, booleans and null. Definite lengths only.
 * The decoder is strict and bounded, since tokens arrive from untrusted clients.
 */

/** A map whose keys are written as byte strings (major type 2), as in a token's top level. */
export class ByteKeyedMap {
  constructor(readonly entries: readonly (readonly [string, CborValue])[]) {}
}

export type CborValue =
  | number
  | string
  | boolean
  | null
  | Uint8Array
  | ByteKeyedMap
  | readonly CborValue[]
  | ReadonlyMap<string, CborValue>;

const MAJOR = { uint: 0, negint: 1, bytes: 2, text: 3, array: 4, map: 5, simple: 7 } as const;

function head(major: number, length: number): number[] {
  const type = major << 5;
  if (length < 24) return [type | length];
  if (length < 0x100) return [type | 24, length];
  if (length < 0x10000) return [type | 25, length >> 8, length & 0xff];
  if (length < 0x100000000) return [type | 26, ...u32(length)];
  const high = Math.floor(length / 0x100000000);
  return [type | 27, ...u32(high), ...u32(length >>> 0)];
}

function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

function encodeInto(value: CborValue, out: number[]): void {
  if (value === null) out.push(0xf6);
  else if (value === true) out.push(0xf5);
  else if (value === false) out.push(0xf4);
  else if (typeof value === 'number') encodeNumber(value, out);
  else if (typeof value === 'string') encodeText(MAJOR.text, value, out);
  else if (value instanceof Uint8Array) {
    out.push(...head(MAJOR.bytes, value.length));
    for (const byte of value) out.push(byte);
  } else if (value instanceof ByteKeyedMap) {
    out.push(...head(MAJOR.map, value.entries.length));
    for (const [key, item] of value.entries) {
      encodeText(MAJOR.bytes, key, out);
      encodeInto(item, out);
    }
  } else if (isArray(value)) {
    out.push(...head(MAJOR.array, value.length));
    for (const item of value) encodeInto(item, out);
  } else {
    out.push(...head(MAJOR.map, value.size));
    for (const [key, item] of value) {
      encodeText(MAJOR.text, key, out);
      encodeInto(item, out);
    }
  }
}

const isArray = (value: CborValue): value is readonly CborValue[] => Array.isArray(value);

function encodeText(major: number, text: string, out: number[]): void {
  const bytes = Buffer.from(text, 'utf8');
  out.push(...head(major, bytes.length));
  for (const byte of bytes) out.push(byte);
}

function encodeNumber(value: number, out: number[]): void {
  if (Number.isSafeInteger(value)) {
    out.push(...(value >= 0 ? head(MAJOR.uint, value) : head(MAJOR.negint, -1 - value)));
    return;
  }
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(value);
  out.push(0xfb, ...bytes);
}

export function encodeCbor(value: CborValue): Buffer {
  const out: number[] = [];
  encodeInto(value, out);
  return Buffer.from(out);
}

/** Thrown for anything that is not well-formed CBOR of the supported subset. */
export class CborError extends Error {}

const MAX_DEPTH = 8;

class Reader {
  offset = 0;
  constructor(private readonly bytes: Buffer) {}

  byte(): number {
    if (this.offset >= this.bytes.length) throw new CborError('truncated');
    return this.bytes[this.offset++]!;
  }

  take(length: number): Buffer {
    if (length > this.bytes.length - this.offset) throw new CborError('truncated');
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  argument(info: number): number {
    if (info < 24) return info;
    if (info === 24) return this.byte();
    if (info === 25) return this.take(2).readUInt16BE();
    if (info === 26) return this.take(4).readUInt32BE();
    if (info === 27) {
      const value = this.take(8).readBigUInt64BE();
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new CborError('integer too large');
      return Number(value);
    }
    throw new CborError('indefinite lengths are not supported');
  }

  value(depth: number): CborValue {
    if (depth > MAX_DEPTH) throw new CborError('nested too deeply');
    const initial = this.byte();
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === MAJOR.simple) return this.simple(info);
    const argument = this.argument(info);
    switch (major) {
      case MAJOR.uint:
        return argument;
      case MAJOR.negint:
        return -1 - argument;
      case MAJOR.bytes:
        return new Uint8Array(this.take(argument));
      case MAJOR.text:
        return this.text(argument);
      case MAJOR.array: {
        if (argument > this.bytes.length) throw new CborError('truncated');
        const items: CborValue[] = [];
        for (let i = 0; i < argument; i++) items.push(this.value(depth + 1));
        return items;
      }
      case MAJOR.map:
        return this.map(argument, depth);
      default:
        throw new CborError('tags are not supported');
    }
  }

  text(length: number): string {
    const bytes = this.take(length);
    const text = bytes.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(bytes)) throw new CborError('invalid UTF-8');
    return text;
  }

  /** Maps keep their entries in order; byte-string and text keys both become strings. */
  map(size: number, depth: number): Map<string, CborValue> {
    if (size > this.bytes.length) throw new CborError('truncated');
    const map = new Map<string, CborValue>();
    for (let i = 0; i < size; i++) {
      const keyByte = this.bytes[this.offset];
      const keyMajor = keyByte === undefined ? -1 : keyByte >> 5;
      if (keyMajor !== MAJOR.bytes && keyMajor !== MAJOR.text) throw new CborError('map keys must be strings');
      this.offset++;
      const length = this.argument(keyByte! & 0x1f);
      const key = keyMajor === MAJOR.text ? this.text(length) : this.take(length).toString('utf8');
      if (map.has(key)) throw new CborError('duplicate map key');
      map.set(key, this.value(depth + 1));
    }
    return map;
  }

  simple(info: number): CborValue {
    if (info === 20) return false;
    if (info === 21) return true;
    if (info === 22) return null;
    if (info === 25) return halfFloat(this.take(2).readUInt16BE());
    if (info === 26) return this.take(4).readFloatBE();
    if (info === 27) return this.take(8).readDoubleBE();
    throw new CborError('unsupported simple value');
  }
}

function halfFloat(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Decodes exactly one CBOR item filling all of `bytes`. */
export function decodeCbor(bytes: Buffer): CborValue {
  const reader = new Reader(bytes);
  const value = reader.value(0);
  if (reader.offset !== bytes.length) throw new CborError('trailing bytes');
  return value;
}
