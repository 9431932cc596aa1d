import { useServer } from '@roster/testing';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';

/**
 * What a body can cost the server before anyone is let in: each route reads at most the body it
 * can use (body.ts), and refusing a body costs about what checking it does (schema-walk.ts).
 * `locked` has a secret key and Access Manager; nothing here carries credentials.
 */
const server = useServer({
  keysets: [
    { publishKey: 'demo', subscribeKey: 'demo' },
    { publishKey: 'pub-locked', subscribeKey: 'locked', secretKey: 'sec-locked', accessManager: true },
  ],
});

const KIB = 1024;
const JSON_TYPE = { 'content-type': 'application/json' };

async function send(method: string, path: string, body: string, headers: Record<string, string> = JSON_TYPE): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as unknown };
}

/**
 * The quickest answer to each body over `rounds` rounds that send each once, in turn, so both
 * meet the same load and the same garbage to collect: in milliseconds, with the last answers.
 */
async function quickest(path: string, bodies: readonly string[], rounds = 4): Promise<{ ms: number; reply: { status: number; body: unknown } }[]> {
  const results = bodies.map(() => ({ ms: Infinity, reply: { status: 0, body: undefined as unknown } }));
  for (let round = 0; round < rounds; round++) {
    for (const [index, body] of bodies.entries()) {
      const started = performance.now();
      const reply = await send('PATCH', path, body);
      results[index] = { ms: Math.min(results[index]!.ms, performance.now() - started), reply };
    }
  }
  return results;
}

/**
 * Declares a body of `bytes` and sends only its first bytes: an answer can only come from the
 * declared length, which is how a route refuses a body over its limit without reading it.
 */
function declared(method: string, path: string, bytes: number): Promise<{ status: number; body: unknown }> {
  return new Promise((done, fail) => {
    const request = httpRequest(`${server.url}${path}`, { method, headers: { ...JSON_TYPE, 'content-length': bytes } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => {
        request.destroy();
        done({ status: response.statusCode ?? 0, body: JSON.parse(text) as unknown });
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') fail(error);
    });
    request.write('{');
  });
}

/** `{}` padded with spaces to `bytes`: valid, and changing nothing. */
const padded = (bytes: number) => `{${' '.repeat(bytes - 2)}}`;

const OBJECT_LIMIT = 96 * KIB;
const MEMBERSHIP_LIMIT = 4_000 * KIB;
const GRANT_LIMIT = 64 * KIB;
const PUBLISH_LIMIT = 64 * KIB;
const TOO_LARGE = { status: 413, error: { message: 'Request payload is too large.', source: 'objects' } };

describe('a body refused by its route’s schema', () => {
  it('costs about what one refused at its top does, however much of it is wrong', async () => {
    const ones = Array<string>(1_900_000).fill('1').join(',');
    const path = '/v2/objects/locked/uuids/alice/channels';
    // Both are 3.8 MB of the same numbers; the first is wrong in every one of them.
    const [wrongEverywhere, wrongAtTop] = await quickest(path, [`{"set":[${ones}]}`, `{"ignored":[${ones}],"set":5}`]);
    expect(wrongEverywhere!.reply).toMatchObject({ status: 400, body: { error: { details: [{ location: 'set[0]', message: 'set[0] must be an object.' }] } } });
    expect(wrongAtTop!.reply).toMatchObject({ status: 400, body: { error: { details: [{ location: 'set' }] } } });
    // Reading and parsing the body is most of either; walking every item to report them all
    // took 20 to 50 times as long as that. The margin is for a busy machine, not for the server.
    expect(wrongEverywhere!.ms).toBeLessThan(wrongAtTop!.ms * 8);
  });

  it('of too many membership items is refused by their count, before any is read', async () => {
    const items = Array<string>(150_000).fill('{"uuid":{"id":"a"}}').join(',');
    expect(await send('PATCH', '/v2/objects/demo/channels/c1/uuids', `{"set":[${items}]}`)).toMatchObject({
      status: 400,
      body: { error: { details: [{ location: 'set', message: 'At most 100 items may be set and deleted in one request; got 150000.' }] } },
    });
  });
});

describe('each route reads only the body it can use', () => {
  const limits: [string, string, string, number, unknown][] = [
    ['a user PATCH', 'PATCH', '/v2/objects/locked/uuids/alice', OBJECT_LIMIT, TOO_LARGE],
    ['a channel PATCH', 'PATCH', '/v2/objects/locked/channels/c1', OBJECT_LIMIT, TOO_LARGE],
    ['a membership PATCH', 'PATCH', '/v2/objects/locked/uuids/alice/channels', MEMBERSHIP_LIMIT, TOO_LARGE],
    ['a member PATCH', 'PATCH', '/v2/objects/locked/channels/c1/uuids', MEMBERSHIP_LIMIT, TOO_LARGE],
    ['a grant', 'POST', '/v3/pam/locked/grant', GRANT_LIMIT, { message: 'Request payload is too large.', error: true, service: 'Access Manager', status: 413 }],
    ['a publish', 'POST', '/publish/pub-locked/locked/0/c1/0', PUBLISH_LIMIT, [0, 'Message Too Large']],
  ];

  it.each(limits)('%s: a byte over its limit is a 413 from the declared length alone', async (_name, method, path, limit, answer) => {
    expect(await declared(method, path, limit + 1)).toEqual({ status: 413, body: answer });
  });

  it('a body of exactly the limit is read', async () => {
    expect((await send('PATCH', '/v2/objects/demo/uuids/limit', padded(OBJECT_LIMIT))).status).toBe(200);
    expect((await send('PATCH', '/v2/objects/demo/channels/limit/uuids', padded(MEMBERSHIP_LIMIT))).status).toBe(200);
    expect((await send('POST', '/v3/pam/locked/grant', padded(GRANT_LIMIT))).status).toBe(403); // read, then not signed
  });

  it('a user of 300,000 custom keys is refused as too large before it is read, not after a walk over its keys', async () => {
    const body = `{"custom":{${Array.from({ length: 300_000 }, (_, index) => `"k${index}":1`).join(',')}}}`;
    expect(await declared('PATCH', '/v2/objects/locked/uuids/alice', body.length)).toEqual({ status: 413, body: TOO_LARGE });
  });

  it('a record at the size limit fits even with its text escaped as Python’s SDK sends it', async () => {
    const text = 'é'.repeat(16_000); // 32,000 bytes stored, 96,000 sent as \u00e9
    const body = JSON.stringify({ name: 'Zoë', custom: { text } }).replaceAll(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    expect(body.length).toBeGreaterThan(2.9 * 32 * KIB);
    const reply = await send('PATCH', '/v2/objects/demo/uuids/escaped?include=custom', body);
    expect(reply).toMatchObject({ status: 200, body: { data: { name: 'Zoë', custom: { text } } } });
  });
});
