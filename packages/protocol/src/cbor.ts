/**
 * The small CBOR subset Access Manager tokens use (RFC 8949): unsigned and negative integers,
 * byte and text strings, arrays, maps with string keys, floats, booleans and null, read and
 * written by `cborg`.
 *
 * Tokens arrive from untrusted clients, so decoding is strict. `cborg` itself refuses
 * indefinite lengths, `undefined`, tags, simple values other than false/true/null, integers
 * beyond 2^53 - 1, duplicate map keys and trailing bytes. The {@link StrictTokenizer} it reads
 * through adds what it cannot be told: nesting at most {@link MAX_DEPTH} deep, string map keys
 * only, no count larger than the bytes left, and UTF-8 that must be valid (cborg's own text
 * decoding replaces bad bytes with U+FFFD and drops a leading byte-order mark). Anything
 * refused throws {@link CborError}.
 */
import { decode, encode, Token, Tokenizer, Type, type DecodeOptions, type EncodeOptions } from 'cborg';

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

/** Non-minimal heads (`strict`) are accepted, as before: they cannot change what a token means. */
const DECODE_OPTIONS: DecodeOptions = {
  allowIndefinite: false,
  allowUndefined: false,
  allowBigInt: false,
  useMaps: true,
  rejectDuplicateMapKeys: true,
  retainStringBytes: true,
};

/** Map entries keep the order given (a sorter that finds all equal; sorting is stable); floats are always 64-bit. */
const ENCODE_OPTIONS: EncodeOptions = { float64: true, mapSorter: () => 0 };

const utf8 = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF: dropping it would turn one resource name into another.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Encodes `value` with the shortest heads (definite lengths, as tokens are minted). */
export function encodeCbor(value: CborValue): Uint8Array {
  return encode(native(value), ENCODE_OPTIONS);
}

/** `value` as cborg writes it: a ByteKeyedMap becomes a `Map` with `Uint8Array` keys. */
function native(value: CborValue): unknown {
  if (value instanceof ByteKeyedMap) return new Map(value.entries.map(([key, item]) => [utf8.encode(key), native(item)]));
  if (value instanceof Map) return new Map([...(value as ReadonlyMap<string, CborValue>)].map(([key, item]) => [key, native(item)]));
  if (Array.isArray(value)) return value.map(native);
  return value;
}

/**
 * Decodes exactly one CBOR item filling all of `bytes`. Byte-string and text map keys both
 * become string keys of a `Map`, in the order written.
 * @throws CborError for malformed input, anything outside the subset, a duplicate map key,
 * invalid UTF-8, an integer beyond 2^53 - 1, or nesting deeper than {@link MAX_DEPTH}.
 */
export function decodeCbor(bytes: Uint8Array): CborValue {
  try {
    return decode(bytes, { ...DECODE_OPTIONS, tokenizer: new StrictTokenizer(bytes) }) as CborValue;
  } catch (error) {
    if (error instanceof CborError) throw error;
    throw new CborError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** An array or map being read: how many items (keys and values, for a map) are still to come. */
interface Open {
  readonly map: boolean;
  remaining: number;
}

/** cborg's tokenizer, with the checks cborg has no option for. */
class StrictTokenizer {
  readonly #inner: Tokenizer;
  readonly #length: number;
  readonly #open: Open[] = [];

  constructor(bytes: Uint8Array) {
    this.#inner = new Tokenizer(bytes, DECODE_OPTIONS);
    this.#length = bytes.length;
  }

  done(): boolean {
    return this.#inner.done();
  }

  pos(): number {
    return this.#inner.pos();
  }

  next(): Token {
    while (this.#open.at(-1)?.remaining === 0) this.#open.pop();
    if (this.#open.length > MAX_DEPTH) throw new CborError('nested too deeply');
    const parent = this.#open.at(-1);
    const isKey = parent !== undefined && parent.map && parent.remaining % 2 === 0;
    const token = this.#inner.next();
    if (parent) parent.remaining--;
    if (isKey) return keyToken(token);
    if (Type.equals(token.type, Type.string)) return textToken(token);
    if (Type.equals(token.type, Type.array) || Type.equals(token.type, Type.map)) this.#enter(token);
    return token;
  }

  #enter(token: Token): void {
    const size = token.value as number;
    // Each item takes at least a byte: a larger count is a lie, refused before reading on.
    if (size > this.#length - this.pos()) throw new CborError('truncated');
    const map = Type.equals(token.type, Type.map);
    if (size > 0) this.#open.push({ map, remaining: map ? size * 2 : size });
  }
}

/** A map key, byte string or text, as a text token: keys of either kind are names. */
function keyToken(token: Token): Token {
  if (Type.equals(token.type, Type.bytes)) return new Token(Type.string, text(token.value as Uint8Array), token.encodedLength);
  if (Type.equals(token.type, Type.string)) return textToken(token);
  throw new CborError('map keys must be strings');
}

/** A text token re-read from its bytes as strict UTF-8; cborg's tokens may be shared, so a new one. */
function textToken(token: Token): Token {
  if (token.byteValue === undefined) return token;
  return new Token(Type.string, text(token.byteValue), token.encodedLength);
}

function text(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new CborError('invalid UTF-8');
  }
}
