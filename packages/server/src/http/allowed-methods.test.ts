import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { startNode, type RosterNode } from '../node.ts';

/** A node in this process, so its routes can be read: real HTTP, an in-memory database, the open `demo` keyset. */
let node: RosterNode;
beforeAll(async () => {
  node = await startNode(loadConfig({ port: '0', db: ':memory:', logLevel: 'warn' }, {}));
});
afterAll(() => node.close());

/** A concrete path for a route path: `demo` for keys, `x` for anything else. */
const concrete = (path: string): string => path.replace(/:(\w+)/g, (_match, name: string) => (name.endsWith('Key') ? 'demo' : 'x'));

/** Whether `body` is the error envelope of the family `path` belongs to, with `status`. */
function isEnvelope(path: string, status: number, body: unknown): boolean {
  if (path.startsWith('/publish/')) return Array.isArray(body) && body[0] === 0;
  const fields = body as { status?: unknown; error?: unknown };
  const objectError = path.startsWith('/v2/objects/') || path.startsWith('/v1/message-actions/') || path.startsWith('/admin/');
  return fields.status === status && (objectError ? typeof fields.error === 'object' : fields.error === true);
}

describe('the methods each path serves', () => {
  it('are those of the routes registered, one resource per plugin file', () => {
    expect(Object.fromEntries(node.app.servedMethods)).toEqual({
      '/v2/objects/:subKey/uuids': ['GET'],
      '/v2/objects/:subKey/uuids/:id': ['GET', 'PATCH', 'DELETE'],
      '/v2/objects/:subKey/uuids/:id/channels': ['GET', 'PATCH'],
      '/v2/objects/:subKey/channels': ['GET'],
      '/v2/objects/:subKey/channels/:id': ['GET', 'PATCH', 'DELETE'],
      '/v2/objects/:subKey/channels/:id/uuids': ['GET', 'PATCH'],
      '/publish/:pubKey/:subKey/:signature/:channel/:callback': ['POST'],
      '/v3/history/sub-key/:subKey/channel/:channels': ['GET', 'DELETE'],
      '/v3/history-with-actions/sub-key/:subKey/channel/:channels': ['GET'],
      '/v3/history/sub-key/:subKey/message-counts/:channels': ['GET'],
      '/v1/message-actions/:subKey/channel/:channel/message/:messageTimetoken': ['POST'],
      '/v1/message-actions/:subKey/channel/:channel/message/:messageTimetoken/action/:actionTimetoken': ['DELETE'],
      '/v1/message-actions/:subKey/channel/:channel': ['GET'],
      '/v2/subscribe/:subKey/:channels/:callback': ['GET'],
      '/v2/presence/sub-key/:subKey/channel/:channels/heartbeat': ['GET'],
      '/v2/presence/sub-key/:subKey/channel/:channels/leave': ['GET'],
      '/v2/presence/sub-key/:subKey': ['GET'],
      '/v2/presence/sub-key/:subKey/channel/:channels': ['GET'],
      '/v2/presence/sub-key/:subKey/uuid/:uuid': ['GET'],
      '/v2/presence/sub-key/:subKey/channel/:channels/uuid/:uuid': ['GET'],
      '/v2/presence/sub-key/:subKey/channel/:channels/uuid/:uuid/data': ['GET'],
      '/v1/channel-registration/sub-key/:subKey/channel-group': ['GET'],
      '/v1/channel-registration/sub-key/:subKey/channel-group/:group': ['GET'],
      '/v1/channel-registration/sub-key/:subKey/channel-group/:group/remove': ['GET'],
      '/time/:callback': ['GET'],
      '/v3/pam/:subKey/grant': ['POST'],
      '/v3/pam/:subKey/grant/:token': ['DELETE'],
      '/admin/v1/keysets': ['GET', 'POST'],
      '/admin/v1/keysets/:subKey': ['GET', 'PATCH'],
      '/admin/v1/keysets/:subKey/rotate-secret': ['POST'],
      '/health': ['GET'],
      '/ready': ['GET'],
      '/metrics': ['GET'],
      '/openapi.json': ['GET'],
    });
  });

  it('answer every other method with a 405 naming them in Allow, in the envelope of the path’s service', async () => {
    for (const [path, served] of node.app.servedMethods) {
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !served.includes(m))) {
        const response = await fetch(`${node.url}${concrete(path)}`, { method });
        const what = `${method} ${path}`;
        expect(response.status, what).toBe(405);
        expect(response.headers.get('allow'), what).toBe(served.join(', '));
        expect(isEnvelope(path, 405, await response.json()), what).toBe(true);
      }
    }
  });

  it('leave paths only a `*` route catches as they were: another method there is a 404', async () => {
    const presence = await fetch(`${node.url}/v2/presence/sub-key/demo/channel/a/state`, { method: 'PATCH' });
    expect(presence.status).toBe(404);
    expect((await fetch(`${node.url}/publish/demo/demo/0/a/0/1`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${node.url}/publish/demo/demo/0/a/0/1`)).status).toBe(200);
  });
});
