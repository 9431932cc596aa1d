import { rawConnection, useServer } from '@roster/testing';
import { once } from 'node:events';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';

const server = useServer();

async function send(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: typeof body === 'string' || body === undefined ? (body ?? null) : new Uint8Array(body),
  });
  return { status: response.status, body: await response.json() };
}

const JSON_TYPE = { 'content-type': 'application/json' };
const compressed = (encoding: string) => ({ ...JSON_TYPE, 'content-encoding': encoding });
const nameOf = async (path: string) => ((await send('GET', path)).body as { data?: { name?: string } }).data?.name;

describe('a body with Content-Encoding', () => {
  it('is inflated on every route that takes a JSON body, as on publish', async () => {
    const user = await send('PATCH', '/v2/objects/demo/uuids/zipped', gzipSync('{"name":"Gzipped"}'), compressed('gzip'));
    expect(user).toMatchObject({ status: 200, body: { data: { id: 'zipped', name: 'Gzipped' } } });
    const channel = await send('PATCH', '/v2/objects/demo/channels/zipped', deflateRawSync('{"name":"Raw deflate"}'), compressed('deflate'));
    expect(channel).toMatchObject({ status: 200, body: { data: { name: 'Raw deflate' } } });
    const joined = await send('PATCH', '/v2/objects/demo/uuids/zipped/channels', deflateSync('{"set":[{"channel":{"id":"zipped"}}]}'), compressed('deflate'));
    expect(joined).toMatchObject({ status: 200, body: { data: [{ channel: { id: 'zipped' } }] } });
  });

  it('is never ignored: a body that is not what it says is a 400 and an unknown encoding a 415, and nothing changes', async () => {
    await send('PATCH', '/v2/objects/demo/uuids/kept', '{"name":"Kept"}', JSON_TYPE);
    expect(await send('PATCH', '/v2/objects/demo/uuids/kept', '{"name":"Plain"}', compressed('gzip'))).toMatchObject({
      status: 400,
      body: { error: { source: 'objects', details: [{ message: 'The body is not gzip-compressed data.', location: 'body' }] } },
    });
    expect(await send('PATCH', '/v2/objects/demo/uuids/kept', '{"name":"Brotli"}', compressed('br'))).toEqual({
      status: 415,
      body: { status: 415, error: { message: "Unsupported Content-Encoding 'br'.", source: 'objects' } },
    });
    expect(await nameOf('/v2/objects/demo/uuids/kept')).toBe('Kept');
  });

  it('inflates no further than the route’s body limit', async () => {
    const bomb = gzipSync(`{"name":"x"${' '.repeat(1024 * 1024)}}`); // about 1 KiB sent, 1 MiB inflated
    expect(await send('PATCH', '/v2/objects/demo/uuids/bomb', bomb, compressed('gzip'))).toMatchObject({ status: 413, body: { error: { source: 'objects' } } });
  });
});

describe('a body that is not UTF-8', () => {
  const notUtf8 = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('b"}')]);

  it('is a 400 naming the body on every route that reads one, compressed or not, and nothing is stored', async () => {
    const refusal = { status: 400, body: { error: { details: [{ message: 'The body is not valid UTF-8 text.', location: 'body' }] } } };
    expect(await send('PATCH', '/v2/objects/demo/uuids/latin', notUtf8, JSON_TYPE)).toMatchObject(refusal);
    expect(await send('PATCH', '/v2/objects/demo/channels/latin', gzipSync(notUtf8), compressed('gzip'))).toMatchObject(refusal);
    const overlong = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
    expect(await send('PATCH', '/v2/objects/demo/uuids/latin', overlong, JSON_TYPE)).toMatchObject(refusal);
    expect((await send('GET', '/v2/objects/demo/uuids/latin')).status).toBe(404);
    const published = await send('POST', '/publish/demo/demo/0/latin/0?uuid=u', Buffer.from([0x22, 0x61, 0xff, 0x22]), JSON_TYPE);
    expect(published.status).toBe(400);
    const action = await send(
      'POST',
      '/v1/message-actions/demo/channel/latin/message/17000000000000000?uuid=u',
      Buffer.from([...Buffer.from('{"type":"r","value":"'), 0xff, 0x22, 0x7d]),
      JSON_TYPE,
    );
    expect(action.status).toBe(400);
  });
});

describe('a route that takes no body', () => {
  it('does not read one: a DELETE answers as it would without it', async () => {
    await send('PATCH', '/v2/objects/demo/uuids/gone', '{"name":"Gone"}', JSON_TYPE);
    expect(await send('DELETE', '/v2/objects/demo/uuids/gone', '{not json', JSON_TYPE)).toEqual({ status: 200, body: { status: 200, data: null } });
    await send('PATCH', '/v2/objects/demo/channels/gone', '{"name":"Gone"}', JSON_TYPE);
    expect(await send('DELETE', '/v2/objects/demo/channels/gone', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' })).toMatchObject({
      status: 200,
    });
    expect(await nameOf('/v2/objects/demo/channels/gone')).toBeUndefined();
  });

  it('nor does a method the path does not serve: it is a 405 whatever comes with it', async () => {
    const post = await send('POST', '/v2/objects/demo/uuids/any', '{not json', JSON_TYPE);
    expect(post).toMatchObject({ status: 405, body: { error: { source: 'objects' } } });
    expect((await send('PUT', '/v2/objects/demo/uuids/any', 'text', { 'content-type': 'text/plain' })).status).toBe(405);
  });
});

describe('a body refused while it is still arriving', () => {
  it('is answered, and the client sending it gets the answer and no reset', async () => {
    const client = await rawConnection(server.url);
    const errors: Error[] = [];
    client.socket.on('error', (error) => errors.push(error));
    client.socket.write('PATCH /v2/objects/demo/uuids/flood HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    // Past the 96 KiB limit, and on for a while after the answer, as a client busy uploading does.
    const chunk = `4000\r\n${' '.repeat(0x4000)}\r\n`;
    const until = Date.now() + 600;
    while (Date.now() < until && !client.socket.destroyed) {
      if (!client.socket.write(chunk)) await Promise.race([once(client.socket, 'drain'), client.closed]).catch(() => undefined);
    }
    client.socket.end();
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 /);
    expect(client.received()).toMatch(/\r\nconnection: close\r\n/i);
    expect(errors).toEqual([]);
  });
});

describe('a request that expects 100 Continue', () => {
  const head = (path: string, length: number) =>
    `PATCH ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`;

  it('is refused before its body is sent when the body could not be taken: no 100, the 413, the connection closed', async () => {
    const client = await rawConnection(server.url);
    client.socket.write(head('/v2/objects/demo/uuids/expecting', 10 * 1024 * 1024));
    await vi.waitFor(() => expect(client.received()).toContain(' 413 '));
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 /);
    await client.closed;
  });

  it('is told to go on when its body is read, and answered once it came', async () => {
    const body = '{"name":"Expected"}';
    const client = await rawConnection(server.url);
    client.socket.write(head('/v2/objects/demo/uuids/expecting', body.length));
    await vi.waitFor(() => expect(client.received()).toBe('HTTP/1.1 100 Continue\r\n\r\n'));
    client.socket.end(body);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(await nameOf('/v2/objects/demo/uuids/expecting')).toBe('Expected');
  });
});
