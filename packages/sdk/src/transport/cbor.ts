/**
 * A small CBOR (RFC 8949) decoder: enough for Access Manager tokens (maps, byte and text
 * strings, integers, arrays, simple values, floats). Byte strings used as map keys become text.
 */
export type CborValue = number | string | boolean | null | undefined | Uint8Array | CborValue[] | { [key: string]: CborValue };

const text = new TextDecoder('utf-8', { fatal: true });

export function decodeCbor(bytes: Uint8Array): CborValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  const need = (count: number) => {
    if (offset + count > bytes.length) throw new Error('CBOR data ends early.');
  };
  const length = (info: number): number => {
    if (info < 24) return info;
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) throw new Error('Indefinite or reserved CBOR lengths are not supported.');
    need(size);
    const value = size === 1 ? view.getUint8(offset) : size === 2 ? view.getUint16(offset) : size === 4 ? view.getUint32(offset) : Number(view.getBigUint64(offset));
    offset += size;
    return value;
  };
  const item = (depth: number): CborValue => {
    if (depth > 32) throw new Error('CBOR nesting is too deep.');
    need(1);
    const initial = bytes[offset++]!;
    const major = initial >> 5;
    const info = initial & 31;
    if (major === 7) return simple(info);
    const count = length(info);
    switch (major) {
      case 0:
        return count;
      case 1:
        return -1 - count;
      case 2:
      case 3: {
        need(count);
        const chunk = bytes.subarray(offset, offset + count);
        offset += count;
        return major === 2 ? chunk : text.decode(chunk);
      }
      case 4:
        return Array.from({ length: count }, () => item(depth + 1));
      default: {
        const map: { [key: string]: CborValue } = {};
        for (let i = 0; i < count; i += 1) {
          const key = item(depth + 1);
          map[key instanceof Uint8Array ? text.decode(key) : String(key)] = item(depth + 1);
        }
        return map;
      }
    }
  };
  const simple = (info: number): CborValue => {
    if (info === 20) return false;
    if (info === 21) return true;
    if (info === 22) return null;
    if (info === 23) return undefined;
    const size = info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) throw new Error('Unsupported CBOR simple value.');
    need(size);
    const value = size === 2 ? half(view.getUint16(offset)) : size === 4 ? view.getFloat32(offset) : view.getFloat64(offset);
    offset += size;
    return value;
  };
  const value = item(0);
  if (offset !== bytes.length) throw new Error('Trailing bytes after the CBOR value.');
  return value;
}

/** An IEEE 754 half-precision float. */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
