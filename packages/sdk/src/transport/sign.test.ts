import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureV2, stringToSign } from './sign.ts';

describe('signature v2', () => {
  const input = {
    method: 'PATCH' as const,
    publishKey: 'pub',
    path: '/v2/objects/demo/uuids/a%20b',
    query: [
      ['uuid', 'me'],
      ['include', 'status,type'],
      ['timestamp', '1700000000'],
      ['sort', 'name:desc'],
      ['sort', 'id:asc'],
    ] as const,
    body: '{"name":"x"}',
  };

  it('signs METHOD, publish key, path, sorted encoded query and body', () => {
    expect(stringToSign(input)).toBe(
      'PATCH\npub\n/v2/objects/demo/uuids/a%20b\ninclude=status%2Ctype&sort=id%3Aasc&sort=name%3Adesc&timestamp=1700000000&uuid=me\n{"name":"x"}',
    );
  });

  it('leaves the body out of GET and DELETE, and signs publish as GET', () => {
    expect(stringToSign({ ...input, method: 'DELETE' }).endsWith('\n')).toBe(true);
    expect(stringToSign({ ...input, method: 'POST', path: '/publish/pub/demo/0/c/0' }).startsWith('GET\n')).toBe(true);
  });

  it('is unpadded base64url HMAC-SHA256 with a v2. prefix (Web Crypto agrees with node:crypto)', async () => {
    const expected = createHmac('sha256', 'secret').update(stringToSign(input)).digest('base64url');
    expect(await signatureV2('secret', input)).toBe(`v2.${expected}`);
  });
});
