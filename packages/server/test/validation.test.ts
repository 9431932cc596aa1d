import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { CONFORMANCE_DIR, loadSwiftFixture } from './cassettes.ts';
import { objectsClient } from './http.ts';

const server = useServer();
const api = objectsClient(server);

/**
 * Declares an oversize body and sends only its first bytes: the server must refuse it from the
 * declared length alone with a 413, without reading (or buffering) the rest.
 */
function oversizePatch(url: string, bytes: number): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const request = httpRequest(url, { method: 'PATCH', headers: { 'content-type': 'application/json', 'content-length': bytes } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        request.destroy();
        done({ status: response.statusCode ?? 0, body });
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') fail(error);
    });
    request.write('{"name":"');
  });
}

/** Asserts a 400 in the objects envelope whose first detail names `location`. */
async function expectInvalid(reply: Promise<{ status: number; body: any }>, location: string) {
  const { status, body } = await reply;
  expect(status).toBe(400);
  expect(body).toMatchObject({ status: 400, error: { source: 'objects', message: 'Request payload contained invalid input.' } });
  expect(body.error.details[0]).toMatchObject({ location });
}

describe('field rules', () => {
  it('names the field of a wrong type as PubNub does (`user.email`, `channel.description`)', async () => {
    await expectInvalid(api.patch('uuids/v1', { name: 5 }), 'user.name');
    await expectInvalid(api.patch('uuids/v1', { email: ['a'] }), 'user.email');
    await expectInvalid(api.patch('channels/v1', { description: { x: 1 } }), 'channel.description');
    await expectInvalid(api.patch('uuids/v1', { custom: 'text' }), 'user.custom');
  });

  it('allows only scalar custom values', async () => {
    await expectInvalid(api.patch('uuids/v1', { custom: { ok: 1, deep: { no: true } } }), 'user.custom.deep');
    await expectInvalid(api.patch('channels/v1', { custom: { list: [1, 2] } }), 'channel.custom.list');
    expect((await api.patch('uuids/v1', { custom: { s: 's', n: 1.5, b: false, z: null } })).status).toBe(200);
  });

  it('limits status and type to 50 characters, counting code points', async () => {
    await expectInvalid(api.patch('uuids/v1', { status: 'x'.repeat(51) }), 'user.status');
    await expectInvalid(api.patch('channels/v1', { type: 'é'.repeat(51) }), 'channel.type');
    expect((await api.patch('uuids/v1', { status: 'é'.repeat(50), type: '😀'.repeat(50) })).status).toBe(200);
  });

  it('refuses an empty or blank name and one over 2,048 characters, for users and channels', async () => {
    // Invisible format characters (zero-width space, joiners, word joiner, BOM) count as blank too.
    for (const name of ['', ' ', '\t\n', '\u3000\u00a0', '\u200b', '\u200b\u200c\u200d', '\u2060\ufeff ', '\u0085\u2028']) {
      const reply = await api.patch('uuids/v1', { name });
      await expectInvalid(Promise.resolve(reply), 'user.name');
      expect(reply.body.error.details[0].message).toBe('User name must not be empty or whitespace only.');
    }
    await expectInvalid(api.patch('channels/v1', { name: ' ' }), 'channel.name');
    await expectInvalid(api.patch('channels/v1', { name: '\u200b\u200b' }), 'channel.name');
    expect((await api.patch('uuids/v1', { name: '\u200bA' })).body.data.name, 'visible text around them is kept').toBe('\u200bA');
    await expectInvalid(api.patch('uuids/v1', { name: 'n'.repeat(2049) }), 'user.name');
    await expectInvalid(api.patch('channels/v1', { name: '名'.repeat(2049) }), 'channel.name');
    expect((await api.patch('channels/v1', { name: '😀'.repeat(2048) })).status).toBe(200);
  });

  it('limits a channel description to 2,048 characters', async () => {
    await expectInvalid(api.patch('channels/v1', { description: 'd'.repeat(2049) }), 'channel.description');
    expect((await api.patch('channels/v1', { description: 'é'.repeat(2048) })).status).toBe(200);
    expect((await api.patch('channels/v1', { description: '' })).status).toBe(200);
  });

  it.skipIf(!existsSync(CONFORMANCE_DIR))('answers an invalid email exactly as PubNub’s recorded answer (Swift fixture)', async () => {
    const recorded = loadSwiftFixture('Objects/objects_error_400.json');
    const reply = await api.patch('uuids/v1', { email: 'not an address' });
    expect(reply.status).toBe(recorded.code);
    expect(reply.body).toEqual(recorded.body);
  });

  it('refuses what is not an email address', async () => {
    for (const email of ['a@', '@example.com', 'a b@example.com', 'two@@example.com', `${'a'.repeat(250)}@b.cd`]) {
      await expectInvalid(api.patch('uuids/v1', { email }), 'user.email');
    }
  });

  it('refuses control characters anywhere in an email address, also inside a quoted local part', async () => {
    const headerInjection = '"x\r\nBcc: victim@evil.com"@b.com';
    for (const email of [headerInjection, '"a\u0000b"@b.com', '"a\nb"@c.d', '"a\u007fb"@c.d', '"a\u0085b"@c.d', '"a\u2028b"@c.d', 'a@b.com\n']) {
      const reply = await api.patch('uuids/email-controls', { email });
      await expectInvalid(Promise.resolve(reply), 'user.email');
      expect(reply.body.error.details[0].message, JSON.stringify(email)).toBe('User email must be a valid email address.');
    }
    expect((await api.get('uuids/email-controls')).status, 'nothing refused is stored').toBe(404);
    expect((await api.patch('uuids/email-controls', { email: '"a b"@b.com' })).status, 'a quoted local part without controls still passes').toBe(200);
  });

  it('accepts the addresses PubNub accepted, international ones, and null to clear', async () => {
    for (const email of ['example@127.0.0.1', 'b@x', 'first.last+tag@example.co.uk', 'josé@exämple.com', '用户@例子.广告']) {
      const reply = await api.patch('uuids/v3', { email });
      expect(reply.status, email).toBe(200);
      expect(reply.body.data.email).toBe(email);
    }
    expect((await api.patch('uuids/v3', { email: null })).body.data.email).toBeNull();
  });

  it('requires profileUrl to be an http or https URL (RFC 3986, or RFC 3987 with non-ASCII) with a host', async () => {
    const refused = ['not a url', 'example.com/me', 'http://a b/', 'https://x/%zz', '', 'http:example.com', 'http:///path', 'http://:80/', 'http://@/x'];
    // Other schemes are valid URLs but no picture or page, and unsafe where the URL is rendered as a link.
    const unsafe = [
      'javascript:alert(1)',
      'JavaScript://example.com/%0Aalert(1)',
      'data:image/png;base64,AAAA',
      'data:text/html,<b>x</b>',
      'file:///etc/passwd',
      'ftp://example.com/a.png',
    ];
    for (const profileUrl of [...refused, ...unsafe]) {
      const reply = await api.patch('uuids/url-refused', { name: 'Mallory', profileUrl });
      await expectInvalid(Promise.resolve(reply), 'user.profileUrl');
      expect(reply.body.error.details[0].message, profileUrl).toBe('User profileUrl must be a valid http:// or https:// URL.');
    }
    expect((await api.get('uuids/url-refused')).status, 'nothing refused is stored').toBe(404);
    for (const profileUrl of ['https://127.0.0.1', 'http://example.com/a?b=c#d', 'https://例え.jp/ü', 'HTTPS://EXAMPLE.COM/Me.png', 'https://[::1]:8443/p']) {
      expect((await api.patch('uuids/v3', { profileUrl })).status, profileUrl).toBe(200);
    }
    expect((await api.patch('uuids/v3', { profileUrl: null })).body.data.profileUrl).toBeNull();
  });

  it('limits ids to 92 characters (code points, not bytes) and refuses control characters', async () => {
    await expectInvalid(api.get(`uuids/${'x'.repeat(93)}`), 'uuid');
    await expectInvalid(api.patch(`channels/${encodeURIComponent('ü'.repeat(93))}`, { name: 'n' }), 'channel');
    await expectInvalid(api.get('uuids/a%0Ab'), 'uuid');
    // Every Unicode control (C0, DEL, C1) and the line/paragraph separators.
    for (const id of ['a\u0000', 'a\u007f', '\u0080', 'a\u0085b', 'a\u009f', 'a\u2028b', 'a\u2029']) {
      const reply = await api.get(`uuids/${encodeURIComponent(id)}`);
      await expectInvalid(Promise.resolve(reply), 'uuid');
      expect(reply.body.error.details[0].message, JSON.stringify(id)).toBe('The uuid id must not contain control characters.');
      await expectInvalid(api.patch(`channels/${encodeURIComponent(id)}`, { name: 'n' }), 'channel');
      await expectInvalid(api.patch('uuids/u/channels', { set: [{ channel: { id } }] }), 'set[0].channel.id');
      await expectInvalid(api.patch('channels/c/uuids', { delete: [{ uuid: { id } }] }), 'delete[0].uuid.id');
    }
    expect((await api.patch(`uuids/${encodeURIComponent('a\u00a0b\u200bc')}`, {})).status, 'no-break and zero-width spaces are no controls').toBe(200);
    expect((await api.patch(`uuids/${'x'.repeat(92)}`, {})).status).toBe(200);
    expect((await api.patch(`channels/${encodeURIComponent('ü'.repeat(92))}`, { name: 'n' })).status).toBe(200);
  });

  it('limits one record to 32 KiB', async () => {
    const reply = await api.patch('uuids/big', { custom: { blob: 'x'.repeat(33 * 1024) } });
    expect(reply.status).toBe(400);
    expect(reply.body.error.details[0].message).toContain('at most 32768');
    expect((await api.get('uuids/big')).status).toBe(404);
  });

  it('ignores unknown body fields', async () => {
    const reply = await api.patch('uuids/v2', { name: 'n', shoeSize: 44 }, { query: { include: 'custom' } });
    expect(reply.status).toBe(200);
    expect(reply.body.data).not.toHaveProperty('shoeSize');
  });
});

describe('what is acknowledged is what is stored', () => {
  /** A raw JSON body: JSON.stringify cannot write 1e999, and writes lone surrogates as escapes anyway. */
  const patchRaw = (path: string, json: string) => api.send('PATCH', path, { rawBody: json, headers: { 'content-type': 'application/json' } });

  it('refuses lone surrogates in every text field, custom key and value, and id in a body', async () => {
    await expectInvalid(patchRaw('uuids/s1', '{"name":"x\\ud800y"}'), 'user.name');
    await expectInvalid(patchRaw('uuids/s1', '{"externalId":"\\udfff"}'), 'user.externalId');
    await expectInvalid(patchRaw('channels/s1', '{"description":"a\\udc00\\ud800b"}'), 'channel.description');
    await expectInvalid(patchRaw('channels/s1', '{"status":"\\ud83d"}'), 'channel.status');
    await expectInvalid(patchRaw('uuids/s1', '{"custom":{"a":"\\ud800"}}'), 'user.custom.a');
    const key = await patchRaw('uuids/s1', '{"custom":{"k\\ud800":1}}');
    expect(key.status).toBe(400);
    expect(key.body.error.details[0].location).toBe('user.custom.k\ud800');
    await expectInvalid(patchRaw('uuids/s1/channels', '{"set":[{"channel":{"id":"c\\ud800"}}]}'), 'set[0].channel.id');
    await expectInvalid(patchRaw('channels/s1/uuids', '{"set":[{"uuid":{"id":"u"},"type":"\\udbff"}]}'), 'set[0].type');
    await expectInvalid(patchRaw('channels/s1/uuids', '{"set":[{"uuid":{"id":"u"},"custom":{"x":"\\ud800"}}]}'), 'set[0].custom.x');
    expect((await api.get('uuids/s1')).status).toBe(404);
    expect((await api.get('channels/s1')).status).toBe(404);
    expect((await api.get('uuids/s1/channels')).body.data).toEqual([]);
  });

  it('keeps well-formed astral characters (surrogate pairs) as sent', async () => {
    const reply = await patchRaw('uuids/s2', '{"name":"\\ud83d\\ude00 \\u{1F600}","custom":{"\\ud83d\\ude00":"\\ud83d\\ude00"}}'.replace('\\u{1F600}', '😀'));
    expect(reply.status).toBe(200);
    expect((await api.get('uuids/s2', { query: { include: 'custom' } })).body.data).toMatchObject({ name: '😀 😀', custom: { '😀': '😀' } });
  });

  it('refuses numbers JSON cannot hold (1e999 parses as Infinity and would be stored as null)', async () => {
    await expectInvalid(patchRaw('uuids/n1', '{"custom":{"a":1e999}}'), 'user.custom.a');
    await expectInvalid(patchRaw('uuids/n1', '{"custom":{"ok":1,"b":-1e400}}'), 'user.custom.b');
    await expectInvalid(patchRaw('uuids/n1/channels', '{"set":[{"channel":{"id":"c"},"custom":{"big":2e308}}]}'), 'set[0].custom.big');
    expect((await api.get('uuids/n1')).status).toBe(404);
    const reply = await patchRaw('uuids/n1', '{"custom":{"max":1.7976931348623157e308,"tiny":5e-324,"negativeZero":-0}}');
    expect(reply.status).toBe(200);
    const stored = (await api.get('uuids/n1', { query: { include: 'custom' } })).body.data.custom;
    expect(stored).toEqual({ max: Number.MAX_VALUE, tiny: Number.MIN_VALUE, negativeZero: 0 });
  });

  it('keeps a custom key named __proto__ when custom is merged', async () => {
    const headers = { 'content-type': 'application/json', 'roster-custom-merge': 'true' };
    const reply = await api.send('PATCH', 'uuids/p1', { rawBody: '{"custom":{"__proto__":"x","a":1}}', headers, query: { include: 'custom' } });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body.data.custom)).toEqual(['__proto__', 'a']);
    const read = await api.get('uuids/p1', { query: { include: 'custom' } });
    expect(read.body.data.custom).toEqual(reply.body.data.custom);
  });
});

describe('membership bodies', () => {
  it('names the broken item', async () => {
    await expectInvalid(api.patch('uuids/v1/channels', { set: 'x' }), 'set');
    await expectInvalid(api.patch('uuids/v1/channels', { set: [{ channel: 'c1' }] }), 'set[0].channel.id');
    await expectInvalid(api.patch('uuids/v1/channels', { set: [{ channel: { id: 'c1' } }, { channel: { id: 'c2' }, status: 1 }] }), 'set[1].status');
    await expectInvalid(api.patch('channels/c/uuids', { delete: [{ channel: { id: 'c1' } }] }), 'delete[0].uuid.id');
    await expectInvalid(api.patch('uuids/v1/channels', { set: [{ channel: { id: 'a' } }], delete: [{ channel: { id: 'a' } }] }), 'delete[0].channel.id');
  });

  it('takes at most 100 items in one PATCH', async () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ channel: { id: `c${i}` } }));
    await expectInvalid(api.patch('uuids/v1/channels', { set: items(60), delete: items(41).map((item, i) => ({ channel: { id: `d${i}` } })) }), 'set');
    expect((await api.patch('uuids/v1/channels', { set: items(100) })).status).toBe(200);
  });
});

describe('filter bounds', () => {
  /** Asserts the list refuses `filter` with a 400 naming `filter` whose message ends with the offending position. */
  async function expectFilterRefused(filter: string, message: string) {
    const reply = await api.get(`uuids?count=true&filter=${encodeURIComponent(filter)}`);
    expect(reply.status).toBe(400);
    expect(reply.body.error.details[0]).toMatchObject({ location: 'filter', locationType: 'query', message });
  }

  it('takes at most 64 comparisons in a list filter, as subscribe filter-expr does', async () => {
    const chain = (count: number) => Array.from({ length: count }, (_, k) => `custom.x == "v${k}"`).join(' || ');
    expect((await api.get(`uuids?filter=${encodeURIComponent(chain(64))}`)).status).toBe(200);
    const tooMany = chain(65);
    await expectFilterRefused(tooMany, `The filter holds more than 64 comparisons; comparison 65 is at position ${tooMany.lastIndexOf('custom.x')}`);
  });

  it('takes at most 8 LIKE conditions with a leading or inner wildcard, which no index can help', async () => {
    const likes = (count: number) => Array.from({ length: count }, (_, k) => `custom.x LIKE "*a${k}b*"`).join(' || ');
    expect((await api.get(`uuids?filter=${encodeURIComponent(`${likes(8)} || name LIKE "prefix*"`)}`)).status).toBe(200);
    const tooMany = likes(9);
    await expectFilterRefused(
      tooMany,
      `The filter holds more than 8 LIKE conditions with a leading or inner wildcard ('*x', '*x*', 'a*b*c'); the next is at position ${tooMany.lastIndexOf('custom.x')}`,
    );
  });
});

describe('malformed requests', () => {
  it('answers broken JSON, non-object bodies and empty bodies with a 400', async () => {
    await expectInvalid(api.send('PATCH', 'uuids/v1', { rawBody: '{"name":', headers: { 'content-type': 'application/json' } }), 'body');
    await expectInvalid(api.patch('uuids/v1', [1, 2]), 'body');
    await expectInvalid(api.patch('uuids/v1', 'text'), 'body');
    await expectInvalid(api.send('PATCH', 'uuids/v1', { rawBody: '', headers: { 'content-type': 'application/json' } }), 'body');
  });

  it('answers a non-JSON content type with 415 and an oversize body with 413', async () => {
    const text = await api.send('PATCH', 'uuids/v1', { rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(text).toMatchObject({ status: 415, body: { status: 415, error: { message: 'Request payload must be in JSON format.', source: 'objects' } } });
    const huge = await oversizePatch(`${server.url}/v2/objects/demo/uuids/v1`, 5 * 1024 * 1024);
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body).error.source).toBe('objects');
  });

  it('answers unknown paths with 404 and wrong methods with 405, both as JSON', async () => {
    const unknown = await api.get('/v2/objects/demo/widgets');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/json/);
    const post = await api.send('POST', 'uuids/v1', { body: {} });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, PATCH, DELETE');
    expect((await api.send('DELETE', 'uuids/v1/channels')).status).toBe(405);
    expect((await api.get('/nothing/here')).status).toBe(404);
  });

  it('answers a URI over 32 KiB with PubNub’s 414', async () => {
    const reply = await api.get('uuids', { query: { filter: `name == "${'x'.repeat(33 * 1024)}"` } });
    expect(reply).toMatchObject({ status: 414, body: { status: 414, message: 'Request URI Too Long', error: true } });
  });

  it('answers a path that does not percent-decode with a 400 in each service’s envelope, not Fastify’s', async () => {
    const objects = await api.get('/v2/objects/demo/uuids/%');
    expect(objects).toMatchObject({ status: 400, body: { status: 400, error: { source: 'objects', details: [{ location: 'path', locationType: 'path' }] } } });
    const subscribe = await api.get('/v2/subscribe/demo/%C3%28,%/0');
    expect(subscribe).toMatchObject({ status: 400, body: { status: 400, error: true, service: 'Subscribe' } });
    const publish = await api.get('/publish/demo/demo/0/%zz/0/1');
    expect(publish.status).toBe(400);
    expect(publish.body.slice(0, 2)).toEqual([0, 'The path is not validly percent-encoded.']);
  });

  it('answers a request line with raw non-ASCII bytes, which the HTTP parser refuses, with a JSON 400', async () => {
    const reply = await new Promise<{ status: number; body: string }>((done, fail) => {
      // Node sends the path as Latin-1: é goes out as the single byte 0xE9, which is not valid UTF-8.
      const { hostname, port } = new URL(server.url);
      const request = httpRequest({ hostname, port, path: '/v2/objects/demo/uuids/\u00e9' }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => done({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', fail);
      request.end();
    });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({ message: 'Bad Request', error: true, service: 'Balancer', status: 400 });
  });

  it('lets a client still sending an oversize request line read its 431 instead of a reset', async () => {
    const { hostname, port } = new URL(server.url);
    const reply = await new Promise<string>((done, fail) => {
      const socket = connect(Number(port), hostname, () => {
        // 4 MiB of request line, written in chunks long after the parser has given up on it.
        socket.write(`GET /v2/objects/demo/uuids?filter=`);
        const chunk = 'a'.repeat(64 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < 64 && socket.write(chunk)) sent += 1;
          if (sent < 64) socket.once('drain', () => ((sent += 1), pump()));
        };
        pump();
      });
      let answer = '';
      socket.on('data', (data: Buffer) => (answer += data.toString()));
      socket.on('close', () => done(answer));
      socket.on('error', (error) => (answer === '' ? fail(error) : done(answer)));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))).toEqual({
      message: 'Request Header Fields Too Large',
      error: true,
      service: 'Balancer',
      status: 431,
    });
  });

  it('answers CORS preflights for browsers, for every request header Roster reads', async () => {
    const response = await fetch(`${server.url}/v2/objects/demo/uuids/x`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://app.example',
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'content-type,if-match,content-encoding,roster-custom-merge,x-request-id',
      },
    });
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('PATCH');
    const allowed = response.headers.get('access-control-allow-headers')!.toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['content-type', 'if-match', 'content-encoding', 'roster-custom-merge', 'x-request-id']));
  });

  it('is still healthy after all of that', async () => {
    expect((await api.get('uuids/v1')).status).toBe(200);
  });
});
