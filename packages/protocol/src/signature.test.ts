import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatSignatureV1, signatureV2, sortedQuery, stringToSignV1, stringToSignV2 } from './signature.ts';

const PARAMS = [
  ['uuid', 'me'],
  ['include', 'status,type'],
  ['timestamp', '1700000000'],
  ['sort', 'name:desc'],
  ['sort', 'id:asc'],
] as const;

describe('the canonical query', () => {
  it('sorts by key then value, encodes values, and leaves out signature', () => {
    expect(
      sortedQuery([
        ['b', '2'],
        ['a', 'z'],
        ['a', 'y'],
        ['signature', 'x'],
      ]),
    ).toBe('a=y&a=z&b=2');
    expect(sortedQuery(PARAMS)).toBe('include=status%2Ctype&sort=id%3Aasc&sort=name%3Adesc&timestamp=1700000000&uuid=me');
  });

  it('orders by UTF-16 code units, so upper case comes before lower case', () => {
    expect(
      sortedQuery([
        ['b', '1'],
        ['B', '1'],
        ['a', 'é'],
        ['a', 'z'],
      ]),
    ).toBe('B=1&a=z&a=%C3%A9&b=1');
  });
});

describe('signature v2', () => {
  const input = { method: 'PATCH', publishKey: 'pub', path: '/v2/objects/demo/uuids/a%20b', query: sortedQuery(PARAMS), body: '{"name":"x"}' };

  it('signs METHOD, publish key, path, sorted encoded query and body', () => {
    expect(stringToSignV2(input)).toBe(
      'PATCH\npub\n/v2/objects/demo/uuids/a%20b\ninclude=status%2Ctype&sort=id%3Aasc&sort=name%3Adesc&timestamp=1700000000&uuid=me\n{"name":"x"}',
    );
    expect(stringToSignV2({ ...input, method: 'patch' })).toBe(stringToSignV2(input));
  });

  it('leaves the body out of GET and DELETE', () => {
    expect(stringToSignV2({ ...input, method: 'DELETE' }).endsWith('uuid=me\n')).toBe(true);
    expect(stringToSignV2({ ...input, method: 'GET' }).endsWith('uuid=me\n')).toBe(true);
    expect(stringToSignV2({ ...input, method: 'POST', body: undefined }).endsWith('uuid=me\n')).toBe(true);
  });

  it('signs publish as GET without its body, even when POSTed (as the official JS SDK does)', () => {
    expect(stringToSignV2({ ...input, method: 'POST', path: '/publish/pub/demo/0/c/0', body: '{"hi":1}' })).toBe(
      `GET\npub\n/publish/pub/demo/0/c/0\n${input.query}\n`,
    );
  });

  it('is unpadded base64url HMAC-SHA256 with a v2. prefix (Web Crypto agrees with node:crypto)', async () => {
    const expected = createHmac('sha256', 'secret').update(stringToSignV2(input)).digest('base64url');
    expect(await signatureV2('secret', input)).toBe(`v2.${expected}`);
  });

  it('uses an injected HMAC when given one', async () => {
    const nodeHmac = (key: string, message: string) => createHmac('sha256', key).update(message).digest();
    expect(await signatureV2('secret', input, nodeHmac)).toBe(await signatureV2('secret', input));
    expect(await signatureV2('secret', input, () => new Uint8Array([0xfb, 0xff]))).toBe('v2.-_8');
  });
});

describe('signature v1 (Python POST publish)', () => {
  it('covers keys, path and query, and keeps its padding', () => {
    const input = { subscribeKey: 'sub', publishKey: 'pub', path: '/publish/pub/sub/0/c/0', query: 'timestamp=1&uuid=a' };
    expect(stringToSignV1(input)).toBe('sub\npub\n/publish/pub/sub/0/c/0\ntimestamp=1&uuid=a');
    const mac = createHmac('sha256', 'secret').update(stringToSignV1(input)).digest();
    expect(formatSignatureV1(mac)).toBe(mac.toString('base64').replace(/\+/g, '-').replace(/\//g, '_'));
    expect(formatSignatureV1(mac).endsWith('=')).toBe(true);
  });
});
