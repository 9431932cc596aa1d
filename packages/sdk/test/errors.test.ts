import { useServer } from '@roster/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { isPubNubException, PNStatusCategory, PubNubException, type Roster } from '../src/index.ts';
import { clientFor, rejection, startRoster, unique, viaCallback } from './helpers/roster.ts';

const server = useServer();
let client: Roster;

beforeAll(() => {
  client = clientFor(server);
});

describe('errors from a real Roster server, through .sync() and .pnAsync()', () => {
  it('404: a missing user', async () => {
    const error = await rejection(client.getUUIDMetadata({ uuid: unique('missing') }));
    expect(error).toBeInstanceOf(PubNubException);
    expect(isPubNubException(error)).toBe(true);
    if (!isPubNubException(error)) return;
    expect(error.statusCode).toBe(404);
    expect(error.status.category).toBe(PNStatusCategory.PNNotFoundCategory);
    expect(error.status.isError()).toBe(true);
    expect(error.status.errorData?.information).toBe('Requested object was not found.');
    expect(error.message).toContain('404');
    expect(error.message).not.toContain('uuid=');

    const { result, status } = await viaCallback(client.getChannelMetadata({ channel: unique('missing') }));
    expect(result).toBeNull();
    expect(status.isError()).toBe(true);
    expect(status.statusCode).toBe(404);
    expect(status.category).toBe(PNStatusCategory.PNNotFoundCategory);
    expect(status.errorData?.body).toMatchObject({ status: 404, error: { source: 'objects' } });
  });

  it('412: ifMatchesEtag with a stale eTag, and success with the current one', async () => {
    const id = unique('etag');
    const { result: created } = await client.setUUIDMetadata({ uuid: id, name: 'v1' }).sync();
    await client.setUUIDMetadata({ uuid: id, name: 'v2' }).sync();

    const error = await rejection(client.setUUIDMetadata().uuid(id).setName('v3').ifMatchesEtag(created.data.eTag));
    expect(error).toMatchObject({ statusCode: 412, status: { category: PNStatusCategory.PNPreconditionFailedCategory } });

    const channel = unique('etag');
    const { result: channelCreated } = await client.setChannelMetadata({ channel, name: 'v1' }).sync();
    await client.setChannelMetadata({ channel, name: 'v2' }).sync();
    const { result, status } = await viaCallback(client.setChannelMetadata({ channel, name: 'v3', ifMatchesEtag: channelCreated.data.eTag }));
    expect(result).toBeNull();
    expect(status.statusCode).toBe(412);
    expect(status.errorData?.information).toMatch(/modified/);

    const { result: current } = await client.getUUIDMetadata({ uuid: id }).sync();
    const { result: updated } = await client.setUUIDMetadata({ uuid: id, name: 'v3', ifMatchesEtag: current.data.eTag }).sync();
    expect(updated.data.name).toBe('v3');
  });

  it('400: invalid parameters come back with the server details', async () => {
    const error = await rejection(client.getAllUUIDMetadata().limit(1000));
    expect(error).toMatchObject({ statusCode: 400, status: { category: PNStatusCategory.PNBadRequestCategory } });
    if (!isPubNubException(error)) return;
    expect(error.status.errorData?.details).toEqual([expect.objectContaining({ location: 'limit', locationType: 'query' })]);
    expect(error.message).toContain('limit');

    const { result, status } = await viaCallback(client.getAllChannelMetadata({ filter: 'name ==' }));
    expect(result).toBeNull();
    expect(status.statusCode).toBe(400);
    expect(status.category).toBe(PNStatusCategory.PNBadRequestCategory);

    const nested = await viaCallback(client.setUUIDMetadata({ uuid: unique('bad'), custom: { nested: { no: 1 } } as never }));
    expect(nested.status.statusCode).toBe(400);
    expect(nested.status.errorData?.details.length).toBeGreaterThan(0);
  });

  it('a network failure is a status, not a crash', async () => {
    const closed = await startRoster();
    const offline = clientFor(closed, 'me', { retry: false, requestTimeoutMs: 2000 });
    await closed.close();
    const error = await rejection(offline.getUUIDMetadata());
    expect(error).toMatchObject({ statusCode: 0, status: { category: PNStatusCategory.PNNetworkIssuesCategory } });
    const { result, status } = await viaCallback(offline.time());
    expect(result).toBeNull();
    expect(status.category).toBe(PNStatusCategory.PNNetworkIssuesCategory);
  });

  it('pnAsync returns at once and does not throw, even for a failing call', async () => {
    expect(() => client.getUUIDMetadata({ uuid: unique('missing') }).pnAsync(() => undefined)).not.toThrow();
  });
});
