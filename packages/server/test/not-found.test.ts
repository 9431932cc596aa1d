import { readFileSync } from 'node:fs';
import { rawAnswer, useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const server = useServer();

async function request(path: string, method = 'GET') {
  const response = await fetch(`${server.url}${path}`, { method });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    server: response.headers.get('server'),
    body: JSON.parse(await response.text()) as unknown,
  };
}

describe('a path no route answers', () => {
  it('under /v2/objects is a 404 in the objects envelope', async () => {
    expect(await request('/v2/objects/demo/widgets')).toMatchObject({
      status: 404,
      type: expect.stringContaining('application/json'),
      body: { status: 404, error: { message: 'Not found: GET /v2/objects/demo/widgets', source: 'objects' } },
    });
  });

  it('under /v2/presence is a 404 from Presence', async () => {
    expect((await request('/v2/presence/sub-key/demo/uuid/alice/more')).body).toEqual({
      message: 'Not found: GET /v2/presence/sub-key/demo/uuid/alice/more',
      error: true,
      service: 'Presence',
      status: 404,
    });
  });

  it('under /v2/subscribe, /publish and /v3/pam is a 404 from that service', async () => {
    expect((await request('/v2/subscribe/demo')).body).toMatchObject({ status: 404, error: true, service: 'Subscribe' });
    expect((await request('/publish/demo')).body).toEqual([0, 'Not found: GET /publish/demo']);
    expect((await request('/v3/pam/demo/other')).body).toMatchObject({ status: 404, error: true, service: 'Access Manager' });
  });

  it('anywhere else is a plain 404 naming the method and path', async () => {
    expect(await request('/x', 'DELETE')).toEqual({
      status: 404,
      type: expect.stringContaining('application/json'),
      server: `Roster/${VERSION}`,
      body: { status: 404, error: true, message: 'Not found: DELETE /x' },
    });
  });

  it('never echoes the query string, and cuts a long path short', async () => {
    const reply = await request(`/${'p'.repeat(300)}?auth=secret-token&signature=v2.abc`);
    expect(reply.body).toEqual({ status: 404, error: true, message: `Not found: GET /${'p'.repeat(99)}…` });
  });
});

describe('CORS', () => {
  it("lets a browser app read every answer, the router's own refusals included", async () => {
    const answers: Record<string, [string, string?]> = {
      found: ['/time/0'],
      missing: ['/v2/objects/demo/uuids/nobody'],
      'no route': ['/nothing'],
      'path not percent-encoded': ['/v2/objects/demo/uuids/%E0%A4%A'],
      'method not allowed': ['/v2/objects/demo/uuids/alice', 'PUT'],
    };
    const statuses: number[] = [];
    for (const [kind, [path, method]] of Object.entries(answers)) {
      const response = await fetch(`${server.url}${path}`, { method: method ?? 'GET' });
      await response.arrayBuffer();
      statuses.push(response.status);
      expect(response.headers.get('access-control-allow-origin'), kind).toBe('*');
    }
    expect(statuses).toEqual([200, 404, 404, 400, 405]);
  });
});

describe('the Server header', () => {
  it('names Roster and its version on answers of every kind', async () => {
    for (const path of ['/time/0', '/v2/objects/demo/uuids/nobody', '/v2/subscribe/demo/a/0', '/nothing']) {
      expect((await request(path)).server, path).toBe(`Roster/${VERSION}`);
    }
    const preflight = await fetch(`${server.url}/v2/objects/demo/uuids`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers.get('server')).toBe(`Roster/${VERSION}`);
  });
});

describe('the headers every answer carries', () => {
  it('come once each, whoever writes the answer', async () => {
    const answers: [string, string?, Record<string, string>?][] = [
      ['/time/0'],
      ['/v2/subscribe/demo/a/0'],
      ['/nothing'],
      ['/v2/objects/demo/uuids/alice', 'PUT'],
      ['/metrics'],
      ['/console/'],
      [`/v2/objects/demo/uuids/${'x'.repeat(40 * 1024)}`],
      ['/v2/objects/demo/uuids', 'OPTIONS', { origin: 'http://app.example', 'access-control-request-method': 'GET' }],
    ];
    const statuses: number[] = [];
    for (const [path, method, headers] of answers) {
      const answer = await rawAnswer(`${server.url}${path}`, method, headers);
      statuses.push(answer.status);
      for (const name of ['server', 'access-control-allow-origin', 'access-control-expose-headers']) {
        expect(answer.headers.get(name) ?? [], `${method ?? 'GET'} ${path.slice(0, 40)}: ${name}`).toHaveLength(1);
      }
    }
    expect(statuses).toEqual([200, 200, 404, 405, 200, 200, 414, 204]);
  });
});
