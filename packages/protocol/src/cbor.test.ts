import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteKeyedMap, CborError, decodeCbor, encodeCbor, MAX_DEPTH, type CborValue } from './cbor.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

describe('CBOR', () => {
  it('encodes as RFC 8949 Appendix A does', () => {
    const vectors: Array<[CborValue, string]> = [
      [0, '00'],
      [23, '17'],
      [24, '1818'],
      [100, '1864'],
      [1000, '1903e8'],
      [1_000_000, '1a000f4240'],
      [1_000_000_000_000, '1b000000e8d4a51000'],
      [-1, '20'],
      [-1000, '3903e7'],
      [1.1, 'fb3ff199999999999a'],
      [false, 'f4'],
      [true, 'f5'],
      [null, 'f6'],
      [new Uint8Array([1, 2, 3, 4]), '4401020304'],
      ['', '60'],
      ['IETF', '6449455446'],
      ['ü', '62c3bc'],
      [[1, [2, 3], [4, 5]], '8301820203820405'],
      [
        new Map<string, CborValue>([
          ['a', 1],
          ['b', [2, 3]],
        ]),
        'a26161016162820203',
      ],
    ];
    for (const [value, expected] of vectors) expect(hex(encodeCbor(value))).toBe(expected);
  });

  it('writes numbers as the hand-written codec did: safe integers as integers, the rest as 64-bit floats', () => {
    const vectors: Array<[number, string]> = [
      [-0, '00'],
      [255, '18ff'],
      [65535, '19ffff'],
      [4_294_967_296, '1b0000000100000000'],
      [Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
      [Number.MIN_SAFE_INTEGER, '3b001ffffffffffffe'],
      [2 ** 53, 'fb4340000000000000'],
      [-(2 ** 53), 'fbc340000000000000'],
      [0.5, 'fb3fe0000000000000'],
      [1e300, 'fb7e37e43c8800759c'],
      [NaN, 'fb7ff8000000000000'],
      [Infinity, 'fb7ff0000000000000'],
      [-Infinity, 'fbfff0000000000000'],
    ];
    for (const [value, expected] of vectors) expect(hex(encodeCbor(value)), String(value)).toBe(expected);
  });

  it('writes map entries in the order given, not sorted', () => {
    const map = new Map<string, CborValue>([
      ['zz', 1],
      ['a', 2],
    ]);
    expect(hex(encodeCbor(map))).toBe('a2627a7a016161' + '02');
    expect(hex(encodeCbor(new ByteKeyedMap([...map])))).toBe('a2427a7a014161' + '02');
  });

  it('writes byte-string keys for a ByteKeyedMap, as a token’s top level has', () => {
    expect(hex(encodeCbor(new ByteKeyedMap([['v', 2]])))).toBe('a1417602');
    expect(decodeCbor(bytes('a1417602'))).toEqual(new Map([['v', 2]]));
  });

  it('decodes every float width', () => {
    expect(decodeCbor(bytes('f93c00'))).toBe(1);
    expect(decodeCbor(bytes('f97bff'))).toBe(65504);
    expect(decodeCbor(bytes('f90001'))).toBe(5.960464477539063e-8);
    expect(decodeCbor(bytes('f9fc00'))).toBe(-Infinity);
    expect(decodeCbor(bytes('fa47c35000'))).toBe(100000);
    expect(decodeCbor(bytes('fb3ff199999999999a'))).toBe(1.1);
  });

  it('round-trips what it encodes', () => {
    const scalar = fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.string(), fc.boolean(), fc.constant(null));
    fc.assert(
      fc.property(fc.dictionary(fc.string(), scalar), (record) => {
        const map = new Map(Object.entries(record));
        const decoded = decodeCbor(encodeCbor(map)) as Map<string, unknown>;
        expect([...decoded.entries()]).toEqual([...map.entries()].map(([k, v]) => [k, Object.is(v, -0) ? 0 : v]));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a leading byte-order mark in text, so a name cannot turn into another', () => {
    expect(decodeCbor(encodeCbor('\uFEFFroom'))).toBe('\uFEFFroom');
    expect(decodeCbor(encodeCbor(new Map([['\uFEFFk', 1]])))).toEqual(new Map([['\uFEFFk', 1]]));
  });

  it('refuses what a lenient decoder would take from an untrusted token', () => {
    const refused: Array<[string, string]> = [
      ['9f0102ff', 'indefinite-length array'],
      ['bf616101ff', 'indefinite-length map'],
      ['5f4101ff', 'indefinite-length byte string'],
      ['c11a514b67b0', 'tag 1 (a date)'],
      ['d81c80', 'tag 28 (a shared reference)'],
      ['a2616101616102', 'duplicate map key'],
      ['a10101', 'integer map key'],
      ['f7', 'undefined'],
      ['f0', 'unassigned simple value'],
      ['1bffffffffffffffff', 'integer beyond 2^53 - 1'],
      ['62c328', 'invalid UTF-8 in text'],
      ['a142c32801', 'invalid UTF-8 in a byte-string key'],
      ['0101', 'trailing bytes'],
      ['', 'no item at all'],
      ['6461', 'a text string cut short'],
      ['9a7fffffff', 'an array longer than its input'],
      ['1c', 'reserved additional information'],
      ['a16161ff', 'a break code as a map value'],
      ['f818', 'a one-byte simple value'],
      ['a2416101616102', 'the same key as a byte string and as text'],
      ['a1810101', 'an array map key'],
      ['a1f601', 'a null map key'],
      ['bb001fffffffffffff', 'a map longer than its input'],
      ['f93c', 'a float cut short'],
    ];
    for (const [input, what] of refused) expect(() => decodeCbor(bytes(input)), what).toThrow(CborError);
  });

  it(`nests at most ${MAX_DEPTH} deep`, () => {
    const nested = (depth: number) => bytes('81'.repeat(depth) + '01');
    expect(decodeCbor(nested(MAX_DEPTH))).toBeDefined();
    expect(() => decodeCbor(nested(MAX_DEPTH + 1))).toThrow('nested too deeply');
    expect(() => decodeCbor(nested(100_000))).toThrow(CborError);
  });

  it('throws only its own error on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (input) => {
        try {
          decodeCbor(input);
        } catch (error) {
          expect((error as Error).constructor.name).toBe('CborError');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a view into a larger buffer from its own offset', () => {
    const buffer = bytes('ff6449455446ff');
    expect(decodeCbor(buffer.subarray(1, 6))).toBe('IETF');
  });
});
