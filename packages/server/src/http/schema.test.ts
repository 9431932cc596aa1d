import { useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';

const server = useServer();

async function send(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return sendText(method, path, body === undefined ? undefined : JSON.stringify(body));
}

/** A body as written: JSON.stringify cannot write `1e400`. */
async function sendText(method: string, path: string, body?: string): Promise<{ status: number; body: unknown }> {
  const init = body === undefined ? { method } : { method, headers: { 'content-type': 'application/json' }, body };
  const response = await fetch(`${server.url}${path}`, init);
  return { status: response.status, body: await response.json() };
}

/** The objects envelope of a 400 whose one detail is `message` at `location` in the body. */
const objectsRefusal = (location: string, message: string) => ({
  status: 400,
  body: {
    status: 400,
    error: { message: 'Request payload contained invalid input.', source: 'objects', details: [{ message, location, locationType: 'body' }] },
  },
});

describe('a body the route schema refuses', () => {
  it('is a 400 naming the field as PubNub does: `user.` or `channel.` before a field of theirs', async () => {
    expect(await send('PATCH', '/v2/objects/demo/uuids/u1', { name: 5 })).toEqual(objectsRefusal('user.name', 'User name must be a string or null.'));
    expect(await send('PATCH', '/v2/objects/demo/channels/c1', { description: ['x'] })).toEqual(
      objectsRefusal('channel.description', 'Channel description must be a string or null.'),
    );
    expect(await send('PATCH', '/v2/objects/demo/uuids/u1', { custom: 'text' })).toEqual(
      objectsRefusal('user.custom', 'User custom must be an object of string, number, boolean or null values, or null.'),
    );
    expect(await send('PATCH', '/v2/objects/demo/uuids/u1', { custom: { ok: 1, deep: { no: true } } })).toEqual(
      objectsRefusal('user.custom.deep', 'User custom.deep must be a string, number, boolean or null.'),
    );
  });

  it('names a membership item’s field by its place in the list, and a reference by its id', async () => {
    expect(await send('PATCH', '/v2/objects/demo/uuids/u1/channels', { set: [{ channel: { id: 'a' } }, { channel: { id: 'b' }, status: 1 }] })).toEqual(
      objectsRefusal('set[1].status', 'set[1].status must be a string or null.'),
    );
    expect(await send('PATCH', '/v2/objects/demo/uuids/u1/channels', { set: [{ channel: 'c1' }] })).toEqual(
      objectsRefusal('set[0].channel.id', 'set[0].channel.id must be a string.'),
    );
    expect(await send('PATCH', '/v2/objects/demo/channels/c1/uuids', { delete: [{ uuid: {} }] })).toEqual(
      objectsRefusal('delete[0].uuid.id', 'delete[0].uuid.id must be a string.'),
    );
    expect(await send('PATCH', '/v2/objects/demo/channels/c1/uuids', { set: 'all' })).toEqual(objectsRefusal('set', 'set must be an array or null.'));
  });

  it('names a number past JSON’s range where a number is allowed as out of range, as the field rules do', async () => {
    const outOfRange = (field: string) => `${field} is a number out of range: numbers must be finite (at most about 1.8e308).`;
    expect(await sendText('PATCH', '/v2/objects/demo/uuids/u1', '{"custom":{"a":1e400}}')).toEqual(
      objectsRefusal('user.custom.a', outOfRange('User custom.a')),
    );
    expect(await sendText('PATCH', '/v2/objects/demo/uuids/u1/channels', '{"set":[{"channel":{"id":"c"},"custom":{"n":-1e400}}]}')).toEqual(
      objectsRefusal('set[0].custom.n', outOfRange('set[0].custom.n')),
    );
    expect(await sendText('POST', '/v3/pam/demo/grant', '{"ttl":5,"permissions":{"resources":{"channels":{"a":1e400}}}}')).toMatchObject({
      status: 400,
      body: { error: { details: [{ message: outOfRange('permissions.resources.channels.a'), location: 'permissions.resources.channels.a' }] } },
    });
    // Where no number is allowed, that is what is said.
    expect(await sendText('PATCH', '/v2/objects/demo/uuids/u1', '{"name":1e400}')).toEqual(objectsRefusal('user.name', 'User name must be a string or null.'));
  });

  it('that is not an object at all is named `body`', async () => {
    expect(await send('PATCH', '/v2/objects/demo/uuids/u1', [1])).toEqual(objectsRefusal('body', 'The request body must be a JSON object.'));
  });

  it('is answered in the envelope of the route’s service: Access Manager’s for a grant', async () => {
    expect(await send('POST', '/v3/pam/demo/grant', { ttl: 5, permissions: { resources: { channels: { a: '3' } } } })).toEqual({
      status: 400,
      body: {
        error: {
          message: 'Request payload contained invalid input.',
          source: 'grant',
          details: [{ message: 'permissions.resources.channels.a must be a number.', location: 'permissions.resources.channels.a', locationType: 'body' }],
        },
        service: 'Access Manager',
        status: 400,
      },
    });
  });
});

describe('a query parameter that does not percent-decode', () => {
  it('is a 400 naming it, in the envelope of the route’s service, on every family', async () => {
    const detail = (name: string) => ({ message: `The query parameter '${name}' is not validly percent-encoded.`, location: name, locationType: 'query' });
    expect(await send('GET', '/v2/objects/demo/uuids?filter=name%3D%3D%22%FF%22')).toEqual({
      status: 400,
      body: { status: 400, error: { message: 'Request payload contained invalid input.', source: 'objects', details: [detail('filter')] } },
    });
    expect(await send('GET', '/publish/demo/demo/0/c1/0/1?uuid=%FF')).toEqual({ status: 400, body: [0, detail('uuid').message, detail('uuid').message] });
    expect(await send('GET', '/v1/channel-registration/sub-key/demo/channel-group/g1?add=a,%E0%A4')).toMatchObject({
      status: 400,
      body: { details: [detail('add')] },
    });
    expect(await send('GET', '/v2/subscribe/demo/c1/0?uuid=a&tt=%')).toMatchObject({
      status: 400,
      body: { message: detail('tt').message, service: 'Subscribe' },
    });
    expect(await send('GET', '/v2/presence/sub-key/demo/channel/c1/heartbeat?uuid=x&channel-group=%G0')).toMatchObject({
      status: 400,
      body: { service: 'Presence' },
    });
    // Nothing was taken literally: the group is still empty.
    expect(await send('GET', '/v1/channel-registration/sub-key/demo/channel-group/g1')).toMatchObject({ status: 200, body: { payload: { channels: [] } } });
  });
});
