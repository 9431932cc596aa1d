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

  it('with an eTag says the record has been modified when the eTag is stale', async () => {
    await send('PATCH', 'channels/moved', '', { name: 'First' });
    expect(await send('PATCH', 'channels/moved', 'stale', { name: 'Second' })).toEqual({
      status: 412,
      body: { status: 412, error: { source: 'objects', message: 'Channel to update has been modified after it was read.' } },
    });
  });

  it('with any eTag on a user or channel that does not exist is a 412 saying so, and creates nothing', async () => {
    const missing = (message: string) => ({ status: 412, body: { status: 412, error: { source: 'objects', message } } });
    expect(await send('DELETE', 'channels/nope', 'x')).toEqual(missing('Channel to delete does not exist; If-Match cannot match.'));
    expect(await send('DELETE', 'uuids/nope', 'x')).toEqual(missing('User to delete does not exist; If-Match cannot match.'));
    expect(await send('PATCH', 'channels/nope', 'x', { name: 'New' })).toEqual(missing('Channel to update does not exist; If-Match cannot match.'));
    expect(await send('PATCH', 'uuids/nope', 'x', { name: 'New' })).toEqual(missing('User to update does not exist; If-Match cannot match.'));
    expect((await fetch(`${server.url}/v2/objects/demo/uuids/nope`)).status).toBe(404);

    // A record deleted since its eTag was read does not exist either.
    const { body } = await send('PATCH', 'uuids/gone', '', { name: 'Gone' });
    await send('DELETE', 'uuids/gone', '');
    expect(await send('PATCH', 'uuids/gone', body.data.eTag, { name: 'Back' })).toEqual(missing('User to update does not exist; If-Match cannot match.'));
  });
});
