import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import PubNub from 'pubnub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQueryString, queryPairs, rawPathOf, rawQueryOf } from '../http/url.ts';
import { checkSignature, pubnubEncode, pythonSignedPath, signatureV1, signatureV2, sortedQuery, type SignedParts, type SigningKeys } from './signature.ts';

const KEYS = { publishKey: 'pub-c-test', subscribeKey: 'sub-c-test', secretKey: 'sec-c-secret' };
const now = () => Math.floor(Date.now() / 1000);

/** A request as it arrives: method, path and query as sent, body text. */
interface RawRequest {
  method: string;
  rawUrl: string;
  body: string;
}

/** Checks a request split as the server splits it (http/url.ts). */
function check({ method, rawUrl, body }: RawRequest, keys: SigningKeys, nowSeconds: number) {
  const parts: SignedParts = { method, rawPath: rawPathOf(rawUrl), query: queryPairs(parseQueryString(rawQueryOf(rawUrl))), body };
  return checkSignature(parts, keys, nowSeconds);
}

/** Requests exactly as the official SDK sends them, captured by a bare HTTP server. */
const captured: RawRequest[] = [];
const capture = createServer((request: IncomingMessage, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  request.on('end', () => {
    captured.push({ method: request.method ?? 'GET', rawUrl: request.url ?? '/', body });
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":200,"data":null}');
  });
});

let sdk: PubNub;
beforeAll(async () => {
  await new Promise<void>((done) => capture.listen(0, '127.0.0.1', done));
  const { port } = capture.address() as AddressInfo;
  sdk = new PubNub({ ...KEYS, userId: 'admin', origin: `127.0.0.1:${port}`, ssl: false, logVerbosity: false });
  const calls: Promise<unknown>[] = [
    sdk.objects.setUUIDMetadata({ uuid: 'u1', data: { name: 'x', custom: { a: 'ü ~*' } } }),
    sdk.objects.getUUIDMetadata({ uuid: 'user/with space+ü&x' }),
    sdk.objects.getAllChannelMetadata({ filter: 'name LIKE \'a*\' && status == "on line"', sort: { name: 'asc', updated: 'desc' } }),
    sdk.objects.setMemberships({ uuid: 'u 1', channels: ['c1', { id: 'c2', custom: { k: 1 } }] }),
    sdk.objects.removeChannelMetadata({ channel: 'ch.with:colon' }),
  ];
  await Promise.allSettled(calls);
});
afterAll(async () => {
  sdk.destroy();
  await new Promise((done) => capture.close(done));
});

describe('signature v2 as the official JS SDK computes it', () => {
  it('accepts every request the SDK signed', () => {
    expect(captured.length).toBe(5);
    for (const parts of captured) expect(check(parts, KEYS, now()), parts.rawUrl).toBe('valid');
  });

  it('refuses a wrong secret, a changed parameter, an added parameter and a changed body', () => {
    for (const parts of captured) {
      expect(check(parts, { ...KEYS, secretKey: 'other' }, now())).toBe('invalid');
      expect(check(parts, { ...KEYS, publishKey: 'pub-c-other' }, now())).toBe('invalid');
      expect(check({ ...parts, rawUrl: parts.rawUrl.replace('uuid=', 'uuid=x') }, KEYS, now())).toBe('invalid');
      expect(check({ ...parts, rawUrl: `${parts.rawUrl}&extra=1` }, KEYS, now())).toBe('invalid');
      expect(check({ ...parts, method: parts.method === 'GET' ? 'DELETE' : 'GET' }, KEYS, now())).toBe('invalid');
    }
    const patch = captured.find((parts) => parts.method === 'PATCH')!;
    expect(check({ ...patch, body: patch.body.replace('"x"', '"y"') }, KEYS, now())).toBe('invalid');
  });

  it('refuses a timestamp more than 60 s away, and a missing one', () => {
    const parts = captured[0]!;
    // Relative to the timestamp the request carries, not to the clock now: it was signed earlier.
    const signedAt = Number(/timestamp=(\d+)/.exec(parts.rawUrl)![1]);
    expect(check(parts, KEYS, signedAt + 60)).toBe('valid');
    expect(check(parts, KEYS, signedAt + 61)).toBe('stale');
    expect(check(parts, KEYS, signedAt - 61)).toBe('stale');
    expect(check({ ...parts, rawUrl: parts.rawUrl.replace(/timestamp=\d+&?/, '') }, KEYS, now())).toBe('stale');
  });

  it('treats a request without signature as unsigned', () => {
    expect(check({ method: 'GET', rawUrl: '/v2/objects/sub-c-test/uuids?uuid=a', body: '' }, KEYS, now())).toBe('unsigned');
  });
});

describe('signature variants', () => {
  const stamp = String(now());

  const signedGet = (signedPath: string, sentPath: string) => {
    const signature = signatureV2(
      KEYS,
      'GET',
      signedPath,
      sortedQuery([
        ['uuid', 'a'],
        ['timestamp', stamp],
      ]),
      '',
    );
    return check({ method: 'GET', rawUrl: `${sentPath}?uuid=a&timestamp=${stamp}&signature=${signature}`, body: '' }, KEYS, now());
  };

  it('accepts an App Context path signed with ids unescaped, as Python signs them', () => {
    expect(signedGet('/v2/objects/sub-c-test/uuids/a b', '/v2/objects/sub-c-test/uuids/a%20b')).toBe('valid');
    expect(signedGet('/v2/objects/sub-c-test/channels/ü "x"/uuids', '/v2/objects/sub-c-test/channels/%C3%BC%20%22x%22/uuids')).toBe('valid');
  });

  it('refuses the unescaped form where it would address another resource or route', () => {
    // Made for the user `a/b`; replayed, the decoded form would act on the user `a%2Fb`.
    expect(signedGet('/v2/objects/sub-c-test/uuids/a%2Fb', '/v2/objects/sub-c-test/uuids/a%252Fb')).toBe('invalid');
    expect(signedGet('/v2/objects/sub-c-test/uuids/a/b/channels', '/v2/objects/sub-c-test/uuids/a%2Fb/channels')).toBe('invalid');
    expect(signedGet('/v2/objects/sub-c-test/uuids/a?b', '/v2/objects/sub-c-test/uuids/a%3Fb')).toBe('invalid');
    expect(signedGet('/v2/objects/sub-c-test/uuids/a#b', '/v2/objects/sub-c-test/uuids/a%23b')).toBe('invalid');
    // Python escapes publish paths itself: they are only ever signed as sent.
    expect(signedGet('/publish/pub-c-test/sub-c-test/0/a b/0/1', '/publish/pub-c-test/sub-c-test/0/a%20b/0/1')).toBe('invalid');
    expect(signedGet('/publish/pub-c-test/sub-c-test/0/a%20b/0/1', '/publish/pub-c-test/sub-c-test/0/a%20b/0/1')).toBe('valid');
  });

  it('derives Python’s signed path segment by segment', () => {
    expect(pythonSignedPath('/v2/objects/s/uuids/a%20b%2B')).toBe('/v2/objects/s/uuids/a b+');
    expect(pythonSignedPath('/v2/objects/s/uuids/plain')).toBeUndefined();
    for (const refused of ['a%2Fb', 'a%252F', 'a%3F', 'a%23', '%E0%80', 'a%zz']) {
      expect(pythonSignedPath(`/v2/objects/s/uuids/${refused}`), refused).toBeUndefined();
    }
    expect(pythonSignedPath('/v2/subscribe/s/a%20b/0')).toBeUndefined();
  });

  it('signs /publish as GET and accepts v1 only for POST publish', () => {
    const path = '/publish/pub-c-test/sub-c-test/0/ch/0';
    const query = sortedQuery([
      ['uuid', 'a'],
      ['timestamp', stamp],
    ]);
    const v2 = signatureV2(KEYS, 'POST', path, query, '"hi"');
    expect(check({ method: 'POST', rawUrl: `${path}?uuid=a&timestamp=${stamp}&signature=${v2}`, body: '"hi"' }, KEYS, now())).toBe('valid');
    const v1 = signatureV1(KEYS, path, query);
    expect(check({ method: 'POST', rawUrl: `${path}?uuid=a&timestamp=${stamp}&signature=${v1}`, body: '"hi"' }, KEYS, now())).toBe('valid');
    const objects = '/v2/objects/sub-c-test/uuids';
    const v1Elsewhere = signatureV1(KEYS, objects, query);
    expect(check({ method: 'GET', rawUrl: `${objects}?uuid=a&timestamp=${stamp}&signature=${v1Elsewhere}`, body: '' }, KEYS, now())).toBe('invalid');
  });

  it('encodes values the PubNub way', () => {
    expect(pubnubEncode("a b~*!'()+/ü-_.")).toBe('a%20b%7E%2A%21%27%28%29%2B%2F%C3%BC-_.');
    expect(
      sortedQuery([
        ['b', '2'],
        ['a', 'z'],
        ['a', 'y'],
        ['signature', 'x'],
      ]),
    ).toBe('a=y&a=z&b=2');
  });
});
