import { useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';

const server = useServer();

async function send(method: string, path: string, ifMatch: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'if-match': ifMatch, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
  const response = await fetch(`${server.url}/v2/objects/demo/${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

describe('If-Match', () => {
  it('when empty is no condition, as PubNub’s SDKs send none for an empty eTag', async () => {
    expect(await send('PATCH', 'uuids/plain', '', { name: 'New' })).toMatchObject({ status: 200, body: { data: { name: 'New' } } });
    expect(await send('PATCH', 'channels/plain', '', { name: 'New' })).toMatchObject({ status: 200 });
    expect(await send('DELETE', 'uuids/plain', '')).toEqual({ status: 200, body: { status: 200, data: null } });
    expect(await send('DELETE', 'channels/plain', '')).toEqual({ status: 200, body: { status: 200, data: null } });
  });

  it('with an eTag still holds the write to it', async () => {
    const { body } = await send('PATCH', 'uuids/held', '', { name: 'First' });
    expect(await send('PATCH', 'uuids/held', 'stale', { name: 'Second' })).toMatchObject({ status: 412 });
    expect(await send('PATCH', 'uuids/held', body.data.eTag, { name: 'Second' })).toMatchObject({ status: 200, body: { data: { name: 'Second' } } });
    expect(await send('DELETE', 'uuids/held', body.data.eTag)).toMatchObject({ status: 412 });
  });
});
