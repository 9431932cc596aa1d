import { describe, expect, it } from 'vitest';
import { encodeComponent, encodePath, encodeQuery } from './encode.ts';

describe('PubNub percent-encoding', () => {
  it('encodes everything but A-Z a-z 0-9 - _ .', () => {
    expect(encodeComponent("a b!~*'()")).toBe('a%20b%21%7E%2A%27%28%29');
    expect(encodeComponent('user/with space+ü&x')).toBe('user%2Fwith%20space%2B%C3%BC%26x');
    expect(encodeComponent(',:=')).toBe('%2C%3A%3D');
    expect(encodeComponent('AZaz09-_.')).toBe('AZaz09-_.');
  });

  it('keeps repeated query keys in order and each path segment whole', () => {
    expect(encodeQuery([['sort', 'name:asc'], ['sort', 'updated:desc'], ['ee', '']])).toBe('sort=name%3Aasc&sort=updated%3Adesc&ee=');
    expect(encodePath('demo', 'uuids', 'a/b')).toBe('/demo/uuids/a%2Fb');
  });
});
